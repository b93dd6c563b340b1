package registry

import (
	"fmt"
	"strings"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
)

// column is one field of an entry as it appears in a CSV file or a JSON body.
type column int

const (
	colUSCC column = iota
	colName
	colUnitType
	colIDType
	colIDNumber
	colRepName
	colRegisteredAt
	colAddress
	colRegion
	colStatus
	numColumns
)

// columnInfo names the columns. The English names are also the JSON field names of
// the HTTP wire format and the names Upsert's errors use.
var columnInfo = [numColumns]struct {
	zh, en   string
	optional bool // the column may be missing from a file
}{
	colUSCC:         {"统一社会信用代码", "uscc", false},
	colName:         {"单位名称", "name", false},
	colUnitType:     {"单位类型", "unit_type", false},
	colIDType:       {"法定代表人证件类型", "legal_rep_id_type", false},
	colIDNumber:     {"法定代表人证件号码", "legal_rep_id_number", false},
	colRepName:      {"法定代表人姓名", "legal_rep_name", false},
	colRegisteredAt: {"成立日期", "registered_at", false},
	colAddress:      {"住所", "address", true},
	colRegion:       {"行政区划", "region", true},
	colStatus:       {"登记状态", "status", false},
}

// Length limits in runes. The longest registered names are well under 100
// characters; the limits only stop garbage.
const (
	maxNameRunes    = 200
	maxPersonRunes  = 100
	maxAddressRunes = 300
)

// Codes of the field errors for entry data (besides the ident codes and
// CodeUnitType, CodeStatus).
const (
	CodeRequired = "registry_required"
	CodeText     = "registry_text"
	CodeDate     = "registry_date"
	CodeRegion   = "registry_region"
)

// fields is one entry as raw text, indexed by column.
type fields [numColumns]string

// fieldError is a problem with one column.
type fieldError struct {
	col column
	err *ident.FieldError
}

// dateLayouts are the accepted 成立日期 forms. time.Parse reads "1" and "2" as one
// or two digits, so "2006-1-2" covers 2015-03-07 and 2015-3-7; the slash form is
// what spreadsheets write when they reformat a date column.
var dateLayouts = []string{"2006-1-2", "20060102", "2006/1/2"}

// normalize checks the raw fields of one entry and returns it normalised, or every
// problem found (at most one per column). now bounds dates.
func normalize(f *fields, now time.Time) (Entry, []fieldError) {
	var e Entry
	var errs []fieldError
	bad := func(c column, err error) {
		fe, ok := err.(*ident.FieldError)
		if !ok {
			fe = &ident.FieldError{Code: CodeText, Msg: err.Error()}
		}
		errs = append(errs, fieldError{c, fe})
	}
	problem := func(c column, code, msg string) { bad(c, &ident.FieldError{Code: code, Msg: msg}) }
	required := func(c column) (string, bool) {
		s := strings.TrimFunc(f[c], ident.IsTrimmable)
		if s == "" {
			problem(c, CodeRequired, columnInfo[c].zh+"不能为空")
			return "", false
		}
		return s, true
	}
	text := func(c column, s string, max int) string {
		s = strings.TrimFunc(s, ident.IsTrimmable)
		if p := textProblem(s, max); p != "" {
			problem(c, CodeText, columnInfo[c].zh+p)
		}
		return s
	}

	if s, ok := required(colUSCC); ok {
		if u, err := ident.ValidateUSCC(s); err != nil {
			bad(colUSCC, err)
		} else {
			e.USCC = u
		}
	}
	if s, ok := required(colName); ok {
		e.Name = text(colName, s, maxNameRunes)
	}
	if s, ok := required(colUnitType); ok {
		t, err := ParseUnitType(s)
		if err != nil {
			bad(colUnitType, err)
		}
		e.UnitType = t
	}
	idTypeOK := false
	if s, ok := required(colIDType); ok {
		t, err := ident.ParseIDType(ident.Fold(s))
		if err != nil {
			bad(colIDType, err)
		}
		e.LegalRepIDType, idTypeOK = t, err == nil
	}
	// An ID number can only be checked against a known type.
	if s, ok := required(colIDNumber); ok && idTypeOK {
		n, err := ident.ValidateID(e.LegalRepIDType, s, now)
		if err != nil {
			bad(colIDNumber, err)
		}
		e.LegalRepIDNumber = n
	}
	if s, ok := required(colRepName); ok {
		e.LegalRepName = text(colRepName, s, maxPersonRunes)
	}
	if s, ok := required(colRegisteredAt); ok {
		d, err := parseDate(s, now)
		if err != nil {
			bad(colRegisteredAt, err)
		}
		e.RegisteredAt = d
	}
	e.Address = text(colAddress, f[colAddress], maxAddressRunes)
	e.Region = cleanCode(f[colRegion])
	if e.Region == "" && e.USCC != "" {
		e.Region = ident.USCCRegion(e.USCC)
	}
	if e.Region != "" && !validRegion(e.Region) {
		problem(colRegion, CodeRegion, "行政区划应为6位数字代码（未填写时取统一社会信用代码第3至8位）")
	}
	if s, ok := required(colStatus); ok {
		st, err := ParseStatus(s)
		if err != nil {
			bad(colStatus, err)
		}
		e.Status = st
	}
	return e, errs
}

// parseDate reads a 成立日期 and returns it at 00:00 UTC. Dates before 1900 and after
// today in China are refused.
func parseDate(s string, now time.Time) (time.Time, error) {
	s = cleanCode(s)
	for _, l := range dateLayouts {
		d, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		y, m, dd := now.In(chinatime.Zone).Date()
		if d.Year() < 1900 || d.After(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
			return time.Time{}, &ident.FieldError{Code: CodeDate, Msg: "成立日期无效（不能早于1900年或晚于今天）"}
		}
		return d, nil
	}
	return time.Time{}, &ident.FieldError{Code: CodeDate, Msg: "成立日期格式应为YYYY-MM-DD或YYYYMMDD"}
}

func validRegion(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, ok := ident.ProvinceName(s)
	return ok
}

// fieldsOf turns an Entry back into raw fields, so that Upsert checks entries made
// in code by the same rules as imported ones. The registration date is taken as
// the calendar date in its own location.
func fieldsOf(e Entry) *fields {
	var f fields
	f[colUSCC] = e.USCC
	f[colName] = e.Name
	f[colUnitType] = string(e.UnitType)
	f[colIDType] = string(e.LegalRepIDType)
	f[colIDNumber] = e.LegalRepIDNumber
	f[colRepName] = e.LegalRepName
	if !e.RegisteredAt.IsZero() {
		f[colRegisteredAt] = e.RegisteredAt.Format("2006-01-02")
	}
	f[colAddress] = e.Address
	f[colRegion] = e.Region
	f[colStatus] = string(e.Status)
	return &f
}

// Normalize checks an entry made in code (demo data, an adapter) by the import rules
// and returns it normalised. The error wraps ErrInvalidEntry and the *ident.FieldError
// of the first bad field, and names that field by its English column name.
func Normalize(e Entry, now time.Time) (Entry, error) {
	n, errs := normalize(fieldsOf(e), now)
	if len(errs) > 0 {
		return Entry{}, fmt.Errorf("%w: %s: %w", ErrInvalidEntry, columnInfo[errs[0].col].en, errs[0].err)
	}
	n.UpdatedAt = e.UpdatedAt
	return n, nil
}
