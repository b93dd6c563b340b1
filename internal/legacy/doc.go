// Package legacy keeps the accounts of the legacy hall (原网上办事大厅) that units may
// upgrade to the hall once (SPEC R4, 历史单位用户升级; the flow itself is package
// upgrade), and loads them from the legacy system's export (`hall import legacy`).
//
// # The import file
//
// A CSV file, UTF-8 (with or without BOM) or GB18030, whose first line is the
// header. Columns are found by their header text, in any order:
//
//	单位编号            the legacy hall's login (4–32 letters, digits or '-'); upper
//	                    case and without spaces once stored
//	统一社会信用代码     the unit's USCC; its check characters are verified
//	单位名称            the unit's name in the legacy hall (1–100 characters)
//	密码哈希            the legacy password hash as exported (formats in hash.go)
//
// A line is one record: no value may hold a line end, and a line over 64 KB is
// refused as a problem of its own (lines.MaxBytes, package lines), the checks going on
// with the next line.
//
// The file loads in one transaction, all or nothing: any bad line (a missing or
// malformed value, a duplicate 单位编号) rolls everything back and the report lists
// every problem with its line number, in Chinese, never quoting the value. A line
// identical to what is stored changes nothing, so loading the same file twice is
// harmless; a line that differs updates the account, unless it was upgraded already
// (an upgraded account is never brought back: its line is counted as 已升级).
//
// # Checking a legacy password
//
// Check is a login (SPEC L1, QUALITY "Failed logins"): the web layer counts it on
// the same per-account throttle as the unit login, keyed by the normalised 单位编号
// (so every spelling of one number shares a counter), admits it like a unit login,
// and Check itself answers an unknown number exactly like a wrong password, after
// verifying the password against a stored hash of the export (so the time spent is
// that of a real account's verification, not zero).
//
// # Errors
//
// ErrBadCredentials for an unknown number or a wrong password (the same error);
// ErrUpgraded for an account upgraded already (said only after the right password);
// ErrInvalidFile for an import file with problems; otherwise database failures.
package legacy
