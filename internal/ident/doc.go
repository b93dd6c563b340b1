// Package ident holds the formats the hall accepts from the outside world and
// the rules around them: resident ID numbers and the other ID types (GB 11643),
// the unified social credit code (USCC, GB 32100), mainland mobile numbers, the
// bureau's own unit and institution numbers, the password policy, masking for
// display and logs, and generators for demo and test data.
//
// The package has no state and no dependencies on the rest of the hall, so any
// layer (web handlers, flows, importers, demo data) can call it.
//
// # Input handling
//
// Every parser takes the raw form value. Before checking it, the value is
// folded from full-width to half-width (a Chinese input method easily produces
// "３２０１…" or "９１３５…"), trimmed of surrounding white space and
// zero-width characters, and upper-cased where the format is case-insensitive
// (the check character X of an ID number, the letters of a USCC). Parsers
// return the normalised value; store and compare only normalised values.
// Normalisation is idempotent: parsing a normalised value returns it unchanged.
//
// # Formats
//
//   - 居民身份证 and 港澳台居民居住证: 18 characters, GB 11643 (ISO 7064 MOD
//     11-2) check character, real birth date not after today in China;
//     ParseResidentID, ValidateID, CheckDigit.
//   - Other ID types: see ValidateID; IDTypes lists them for forms.
//   - 统一社会信用代码: 18 characters of GB 32100's 31-character set, MOD 31
//     check character and the embedded GB 11714 organisation-code check;
//     ValidateUSCC, USCCCheckChar.
//   - Mobile: ^1[3-9]\d{9}$ after removing +86/0086/86, spaces and hyphens;
//     NormalizeMobile.
//   - 单位编号: 13 digits, region + 6-digit sequence + Luhn digit; 机构编号:
//     "J" + unit number + 2-digit sequence + Luhn digit. The layout and the
//     reasons for it are documented in unitnumber.go.
//   - Passwords: PasswordPolicy, DefaultPasswordPolicy (SPEC §2).
//
// # Error contract
//
// Every error from the functions that check outside input (Parse*, Validate*
// except PasswordPolicy.Validate, NormalizeMobile, ClassifyUnitAccount,
// PasswordPolicy.Check) is, or wraps, a *FieldError carrying a stable
// machine Code (for tests, logs and metrics) and a Msg in Simplified Chinese
// that can be shown next to the form field as it is. The message never
// echoes the input, so it is safe to log. Use
//
//	var fe *ident.FieldError
//	if errors.As(err, &fe) { show(fe.Msg) }
//
// and errors.Is(err, ident.ErrIDCheck) and friends to test for one kind: a
// FieldError matches any other FieldError with the same Code, so the exported
// Err* values work as sentinels even when the message is specialised (for
// example per ID type). Password policy errors are *PasswordError values with
// a Reason; they unwrap to a *FieldError with Code "password_<reason>".
//
// # Masking
//
// MaskID, MaskMobile, MaskName and MaskUSCC implement SPEC §2 for pages and
// logs. They work on runes, keep the rune length (so the masked value still
// hints at the shape), never panic and mask everything when the value is too
// short for the visible parts to leave enough hidden.
//
// # Generators
//
// GenerateResidentID, GenerateUSCC, GenerateMobile and NewUnitNumber produce
// invented but well-formed values (valid check characters) for demo data and
// tests, deterministically from a *math/rand/v2.Rand. Never put real people's
// numbers in demo data or tests.
package ident
