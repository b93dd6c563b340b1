// Package registry is the hall's view of the market-regulator registry (市场监管登记信息):
// which units exist, what they are called and who their legal representative
// (法定代表人) is. Unit registration (SPEC R2) checks what the applicant typed against it
// with Match; legal-rep changes arrive from it (SPEC B5) through ChangedSince.
//
// # Implementations
//
// Registry is the interface callers depend on. The caller picks one of:
//
//   - Table, the DEVELOPMENT implementation: the table registry_entries, filled by
//     `hall import registry FILE` (Import, ImportFile) and by demo data
//     (DemoEntries + Upsert). It behaves like the real registry towards callers:
//     unknown units give ErrNotFound, and SetUnavailable makes it fail with
//     ErrUnavailable so the "try later" path can be exercised.
//   - HTTP, the production adapter for a registry reached over HTTPS (wire format below).
//
// # Errors
//
// Lookup returns ErrNotFound when the registry has no such unit and an error wrapping
// ErrUnavailable when it cannot answer (network, timeout, 5xx, a database failure of
// the development table). Callers must tell the person to try again later on
// ErrUnavailable, never that the unit does not exist. Match returns *ident.FieldError
// values (ErrUSCCMismatch, ErrNameMismatch, ErrLegalRepMismatch, ErrStatusAbnormal)
// whose Msg can be shown as is; they never contain the registered data.
//
// # Import file (CSV)
//
// One header row, then one unit per row, comma-separated, RFC 4180 quoting. Columns
// are matched by header text in any order, Chinese or English (English names are
// case-insensitive); unknown columns are ignored and listed in the report:
//
//	统一社会信用代码     uscc                 required, GB 32100 check character
//	单位名称            name                 required
//	单位类型            unit_type            required: 企业 机关 事业单位 社会团体 民办非企业单位
//	                                         个体工商户 基金会 农民专业合作社 其他组织 (or the codes)
//	法定代表人证件类型   legal_rep_id_type    required: 居民身份证 … (ident.IDType label or code)
//	法定代表人证件号码   legal_rep_id_number  required, checked for its type (ident.ValidateID)
//	法定代表人姓名      legal_rep_name       required
//	成立日期            registered_at        required: YYYY-MM-DD, YYYYMMDD (also YYYY/M/D,
//	                                         which spreadsheets write)
//	住所               address              optional column, may be empty
//	行政区划            region               optional column, six digits; empty means the
//	                                         region inside the USCC (positions 3–8)
//	登记状态            status               required: 存续 (also 在业/在营/开业), 注销, 吊销
//
// The file is UTF-8, with or without a byte-order mark, or GB18030 (what Excel writes
// on a Chinese Windows): when the first 64 KiB are not valid UTF-8 the whole file is
// decoded as GB18030. UTF-16 is refused with a message. Rows whose cells are all empty
// are skipped. Every row is checked; if any row is bad, Import loads nothing and
// reports each problem with its line number and column (at most MaxReportedErrors,
// then a count). A USCC that appears twice in one file is an error. Re-importing a
// file changes nothing: rows equal to the stored entry are counted as unchanged and
// keep their updated_at.
//
// # HTTP wire format
//
// The production adapter sends
//
//	GET {base}/units/{uscc}
//	X-API-Key: {key}
//	Accept: application/json
//
// where {uscc} is a normalised, valid USCC (nothing else is ever sent). Answers:
//
//	200  application/json, the unit:
//	     {"uscc": "91320102MA1W2X3Y4K", "name": "江苏某某科技有限公司",
//	      "unit_type": "企业", "legal_rep_id_type": "居民身份证",
//	      "legal_rep_id_number": "…", "legal_rep_name": "…",
//	      "registered_at": "2015-03-07", "address": "…", "region": "320102",
//	      "status": "存续", "updated_at": "2024-05-01T08:00:00+08:00"}
//	     The field names and values are the CSV ones; updated_at is RFC 3339 and may
//	     be omitted. A body that does not validate, or names another USCC, is treated
//	     as the registry being unavailable.
//	404  no such unit → ErrNotFound
//	5xx, 429, timeouts, network errors, other statuses (401/403 mean a wrong API
//	     key) → ErrUnavailable, with the cause in the wrapped error for the log.
//
// Bodies are read up to 1 MiB. The API key is sent only over HTTPS (plain HTTP is
// allowed for loopback addresses, for tests and a local stub).
package registry
