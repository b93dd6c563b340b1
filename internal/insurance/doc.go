// Package insurance is the hall's read model of what the core social-insurance
// system owns about each unit (SPEC U2): enrolments per insurance type, employees
// and their enrolment periods, monthly payments and bases, monthly personnel
// changes, pension recipients, foreigners' exemptions, construction projects'
// work-injury cover and subsidiary units. The hall only reads it; it is filled by
// `hall import insurance DIR` (Importer) and by demo data (LoadDemo).
//
// # Lists
//
// Store has one query per tab of SPEC U2, each for one unit (Query.USCC), paged by
// keyset (Page: After is the previous page's Next, an opaque cursor), ordered by
// the list's date newest first (Page.Oldest reverses it) and filtered by person
// (Query.Person: an ID number or an exact name). Stream walks a whole list a page
// at a time, for CSV export without holding it in memory. 到龄人员 and 超龄人员 use
// the statutory retirement month that Retirement computes (FACTS.md's gradual
// raise), stored with each employee when it is written.
//
// # Import format
//
// `hall import insurance DIR` loads the files below that are present in DIR, in
// this order, each in its own transaction: a file loads completely or not at all,
// and a file with problems leaves the others loaded. Every file is CSV (RFC 4180:
// comma-separated, double quotes around cells that hold commas, quotes or line
// breaks), UTF-8 with or without a byte-order mark or GB18030 (as Excel saves it;
// the encoding is recognised as for the registry import), with a header row naming the
// columns in Chinese (or by the stored column name, e.g. id_number); columns may come
// in any order, unknown columns are ignored and named in the report, blank lines
// are skipped. Full-width digits and letters are read as their ASCII forms.
//
// Each row is upserted by the record's natural key (the columns marked key): a row
// already stored as written changes nothing, so importing the same files twice
// leaves the database as it was, and a corrected file updates the rows it changes.
// Every problem is reported with its line, "第12行：证件号码校验位错误", and nothing of
// that file is written. Long files print progress every ProgressEvery rows.
//
// Values: 统一社会信用代码 18 characters with valid check characters; 证件号码 a
// 公民身份号码 with a valid check digit (sex and birth date are taken from it);
// months YYYY-MM (also YYYYMM, YYYY/MM); dates YYYY-MM-DD; amounts in yuan with at
// most two decimals (4879.00); rates in percent (16, 0.5, 0.2); 险种类型 one of
// 企业基本养老保险, 工伤保险, 失业保险, 机关事业单位养老保险.
//
//	enrolments.csv   参保信息: 统一社会信用代码 (key), 险种类型 (key), 参保状态 (参保缴费, 暂停缴费
//	                 or 终止), 参保日期, 单位缴费费率, 个人缴费费率
//	employees.csv    人员信息: 统一社会信用代码 (key), 证件号码 (key), 姓名, 人员身份 (工人 or
//	                 干部; optional, 工人 when absent — it sets a woman's retirement age)
//	periods.csv      参保期间: 统一社会信用代码, 证件号码, 险种类型, 开始年月 (all key),
//	                 结束年月 (optional; empty while enrolled)
//	payments.csv     缴费信息: 统一社会信用代码, 费款所属期, 险种类型, 证件号码 (all key),
//	                 缴费基数, 单位缴费金额, 个人缴费金额
//	changes.csv      人员月度变更: 统一社会信用代码, 变更年月, 证件号码, 变更类型 (增员 or 减员)
//	                 (all key), 变更原因 (optional)
//	pensioners.csv   养老待遇: 统一社会信用代码 (key), 证件号码 (key), 姓名, 待遇开始年月, 月养老金
//	exemptions.csv   外国人互免: 统一社会信用代码, 证件号码 (passport or permit: letters,
//	                 digits, '-'), 开始日期 (all key), 姓名, 国籍, 结束日期
//	projects.csv     工程工伤: 统一社会信用代码 (key), 项目编号 (key), 项目名称, 开始日期,
//	                 结束日期, 参保金额
//	subsidiaries.csv 二级单位: 统一社会信用代码 (key), 二级单位统一社会信用代码 (key),
//	                 二级单位名称, 成立日期
//
// docs/insurance-import.md has examples.
//
// # Errors
//
// Store's queries return ErrBadCursor for a cursor they did not write, and
// otherwise only database failures. Importer.Import returns ErrInvalidFile when a
// file has problems (listed in its Report).
package insurance
