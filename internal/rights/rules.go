package rights

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"hall/internal/chinatime"
	"hall/internal/formerr"
	"hall/internal/insurance"
)

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "rights" }

// FormError is a refused choice: Fields maps the U3 form's fields (Field*) to a
// Chinese message shown beside the field, Top is a message for the whole form.
// Messages never repeat what was typed, so the error is safe to log.
type FormError = formerr.Error[source]

// The U3 form's fields.
const (
	FieldFrom  = "from"  // 查询起始年月, YYYY-MM
	FieldTo    = "to"    // 查询截止年月
	FieldTypes = "types" // 险种, one value per chosen insurance.Type
)

// Rules are the limits on what a unit may ask for, how long a record verifies and
// how long its signed PDF is kept.
type Rules struct {
	// MaxMonths is the longest period one record covers. The seed sets none; 36
	// months is what the core system keeps online for a unit (and what the demo
	// data holds), and keeps the largest record (3,000 employees) near 60 pages.
	MaxMonths int
	// ValidMonths is how long after issue the verify page says the record is
	// valid: the seed's note 4, 有效期内(6个月).
	ValidMonths int
	// FileKeepMonths is how long after the validity ends the signed PDF is kept
	// for the unit to download again; then SweepFiles deletes it, and the record
	// stays (it still verifies, as expired). 0 deletes the file when the validity
	// ends. The seed sets nothing; 6 months lets a unit that lost its copy of an
	// expired record, which an office questions later, fetch it once more, and
	// the record's row (its facts and the file's SHA-256) is kept with the other
	// business records.
	FileKeepMonths int
}

// DefaultRules are the rules above.
var DefaultRules = Rules{MaxMonths: 36, ValidMonths: 6, FileKeepMonths: 6}

// Choice is what the unit asks for: the months From..To and the insurance types,
// in the order of insurance.Types, without repeats.
type Choice struct {
	From, To insurance.Month
	Types    []insurance.Type
}

// Months is the number of months the choice covers.
func (c Choice) Months() int { return c.To.Since(c.From) + 1 }

// Check reads the U3 form: the start and end month (YYYY-MM, also YYYYMM) and the
// types chosen (insurance.Type codes), against the types the unit may choose
// (AllowedTypes) and the month of now in China. Rules: both months given, neither
// after this month, the start not after the end, at most MaxMonths months, at least
// one type, every type one the unit is enrolled in. Errors: *FormError naming each
// field's first problem.
func (r Rules) Check(from, to string, types []string, allowed []insurance.Type, now time.Time) (Choice, error) {
	var c Choice
	fe := &FormError{}
	this := insurance.MonthOf(now.In(chinatime.Zone))
	c.From = month(fe, FieldFrom, from, "起始", this)
	c.To = month(fe, FieldTo, to, "截止", this)
	if c.From != 0 && c.To != 0 {
		switch {
		case c.From > c.To:
			fe.Add(FieldFrom, "起始年月不能晚于截止年月")
		case c.Months() > r.MaxMonths:
			fe.Add(FieldTo, fmt.Sprintf("查询期间最长%d个月，当前选择了%d个月，请缩短期间", r.MaxMonths, c.Months()))
		}
	}
	chosen := map[insurance.Type]bool{}
	for _, s := range types {
		t := insurance.Type(strings.TrimSpace(s))
		if t.Label() == "" {
			fe.Add(FieldTypes, "所选险种无效，请从列表中选择")
			continue
		}
		if !slices.Contains(allowed, t) {
			fe.Add(FieldTypes, "本单位未参加"+t.Label()+"，不能选择该险种")
			continue
		}
		chosen[t] = true
	}
	if len(types) == 0 {
		fe.Add(FieldTypes, "请至少选择一个险种")
	}
	for _, t := range insurance.Types {
		if chosen[t] {
			c.Types = append(c.Types, t)
		}
	}
	if err := fe.OrNil(); err != nil {
		return Choice{}, err
	}
	return c, nil
}

// month reads one month field, adding its problem to fe; 0 when there is one.
func month(fe *FormError, field, s, which string, this insurance.Month) insurance.Month {
	s = strings.TrimSpace(s)
	if s == "" {
		fe.Add(field, "请选择查询"+which+"年月")
		return 0
	}
	m, ok := insurance.ParseMonth(s)
	if !ok {
		fe.Add(field, which+"年月格式应为“年-月”，例如 2025-01")
		return 0
	}
	if m > this {
		fe.Add(field, fmt.Sprintf("%s年月不能晚于本月（%s）", which, this))
		return 0
	}
	return m
}

// AllowedTypes are the insurance types a unit may choose: those it has an
// enrolment in, whatever its status now (a terminated enrolment still has the
// payments of its time), in the order of insurance.Types. A public institution is
// enrolled in 机关事业单位养老保险 rather than 企业基本养老保险, so that is the pension
// it may choose.
func AllowedTypes(enrolments []insurance.Enrolment) []insurance.Type {
	var out []insurance.Type
	for _, t := range insurance.Types {
		if slices.ContainsFunc(enrolments, func(e insurance.Enrolment) bool { return e.Type == t }) {
			out = append(out, t)
		}
	}
	return out
}

// validUntil is the end of a record's validity: ValidMonths after it was issued
// (addMonths).
func (r Rules) validUntil(issued time.Time) time.Time { return addMonths(issued, r.ValidMonths) }

// FileKeptUntil is when the signed PDF of a record valid until validUntil stops
// being kept: FileKeepMonths after it (addMonths). SweepFiles deletes it at its
// first run from then on, never before, and at most three days after: it counts
// months back from its own time, and months back from the end of a month reach no
// further than the end of a shorter one (03-28 to 03-31 all count back to 02-28).
func (r Rules) FileKeptUntil(validUntil time.Time) time.Time {
	return addMonths(validUntil, r.FileKeepMonths)
}

// addMonths is t moved by months (negative: back), the same day of the month and
// time of day in China; when the target month is shorter, its last day (08-31
// 10:00 plus six months is 02-28 10:00, or 02-29 in a leap year — time.AddDate
// would run over into March).
func addMonths(t time.Time, months int) time.Time {
	t = t.In(chinatime.Zone)
	y, m, d := t.Date()
	target := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), chinatime.Zone)
	last := target.AddDate(0, 1, -1).Day()
	return target.AddDate(0, 0, min(d, last)-1).UTC()
}
