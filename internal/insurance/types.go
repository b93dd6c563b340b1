package insurance

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Type is an insurance type (险种类型). The values are stored.
type Type string

const (
	TypePension       Type = "pension"        // 企业基本养老保险
	TypeInjury        Type = "injury"         // 工伤保险
	TypeUnemployment  Type = "unemployment"   // 失业保险
	TypePublicPension Type = "public_pension" // 机关事业单位养老保险, for public institutions
)

// Types lists the insurance types in the order pages show them.
var Types = []Type{TypePension, TypeInjury, TypeUnemployment, TypePublicPension}

var typeLabels = map[Type]string{
	TypePension: "企业基本养老保险", TypeInjury: "工伤保险", TypeUnemployment: "失业保险",
	TypePublicPension: "机关事业单位养老保险",
}

// Label is the Chinese name of the type.
func (t Type) Label() string { return typeLabels[t] }

// Status is the state of a unit's enrolment in one insurance type (参保状态).
type Status string

const (
	StatusPaying     Status = "paying"     // 参保缴费
	StatusSuspended  Status = "suspended"  // 暂停缴费
	StatusTerminated Status = "terminated" // 终止
)

var statusLabels = map[Status]string{StatusPaying: "参保缴费", StatusSuspended: "暂停缴费", StatusTerminated: "终止"}

// Label is the Chinese name of the status.
func (s Status) Label() string { return statusLabels[s] }

// ChangeKind is a monthly personnel change (人员月度变更).
type ChangeKind string

const (
	ChangeJoin  ChangeKind = "join"  // 增员
	ChangeLeave ChangeKind = "leave" // 减员
)

var changeLabels = map[ChangeKind]string{ChangeJoin: "增员", ChangeLeave: "减员"}

// Label is the Chinese name of the change.
func (k ChangeKind) Label() string { return changeLabels[k] }

// Sex is an employee's sex, as the ID number encodes it.
type Sex string

const (
	Male   Sex = "male"
	Female Sex = "female"
)

// Label is 男 or 女.
func (s Sex) Label() string {
	if s == Female {
		return "女"
	}
	return "男"
}

// Category is an employee's post category (人员身份), which sets a woman's statutory
// retirement age.
type Category string

const (
	Worker Category = "worker" // 工人
	Staff  Category = "staff"  // 干部 (管理或技术岗位)
)

// Label is 工人 or 干部.
func (c Category) Label() string {
	if c == Staff {
		return "干部"
	}
	return "工人"
}

// labelled finds the code whose label is s.
func labelled[K ~string](labels map[K]string, s string) (K, bool) {
	for k, l := range labels {
		if l == s || string(k) == s {
			return k, true
		}
	}
	return "", false
}

// Month is a calendar month as YYYYMM (202502), the stored form. The zero Month
// means none (an open enrolment period's end).
type Month int

// MonthOf returns the month of t.
func MonthOf(t time.Time) Month { return Month(t.Year()*100 + int(t.Month())) }

// MakeMonth returns the month m of year y.
func MakeMonth(y int, m time.Month) Month { return Month(y*100 + int(m)) }

// Year and Mon split the month.
func (m Month) Year() int            { return int(m) / 100 }
func (m Month) Mon() time.Month      { return time.Month(int(m) % 100) }
func (m Month) index() int           { return m.Year()*12 + int(m.Mon()) - 1 }
func monthFromIndex(i int) Month     { return Month((i/12)*100 + i%12 + 1) }
func (m Month) Add(months int) Month { return monthFromIndex(m.index() + months) }

// Since is the number of months from o to m (positive when m is later).
func (m Month) Since(o Month) int { return m.index() - o.index() }

// String is YYYY-MM, or "" for the zero Month.
func (m Month) String() string {
	if m == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", m.Year(), int(m.Mon()))
}

// ParseMonth reads YYYY-MM, YYYYMM or YYYY/MM.
func ParseMonth(s string) (Month, bool) {
	s = strings.NewReplacer("-", "", "/", "", ".", "", "年", "", "月", "").Replace(s)
	if len(s) == 5 { // 2025-2 → 20252: one-digit month
		s = s[:4] + "0" + s[4:]
	}
	if len(s) != 6 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	m := Month(n)
	if m.Mon() < 1 || m.Mon() > 12 || m.Year() < 1900 || m.Year() > 2200 {
		return 0, false
	}
	return m, true
}

// Yuan formats an amount in fen as yuan with two decimals ("4879.00").
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// Percent formats a rate in hundredths of a percent ("16", "0.5", "0.2").
func Percent(rate int) string {
	s := fmt.Sprintf("%d.%02d", rate/100, rate%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Enrolment is a unit's enrolment in one insurance type (参保信息).
type Enrolment struct {
	Type         Type
	Status       Status
	StartDate    string // YYYY-MM-DD
	UnitRate     int    // hundredths of a percent: 1600 is 16%
	PersonalRate int
}

// Employee is an insured person of a unit; RetireMonth is the statutory retirement
// month (see Retirement).
type Employee struct {
	IDNumber    string
	Name        string
	Sex         Sex
	BirthDate   string // YYYY-MM-DD
	Category    Category
	RetireMonth Month
}

// Payment is one month's contribution of one person to one type (缴费信息; also a
// row of 人员缴费基数). Amounts are fen.
type Payment struct {
	Month          Month
	Type           Type
	IDNumber       string
	Name           string // "" when the person is not in the unit's employee list
	Base           int64
	UnitAmount     int64
	PersonalAmount int64
}

// Change is a monthly personnel change (人员月度变更).
type Change struct {
	Month    Month
	IDNumber string
	Name     string
	Kind     ChangeKind
	Reason   string
}

// Pensioner is a pension recipient of the unit (养老待遇). Amount is fen a month.
type Pensioner struct {
	IDNumber   string
	Name       string
	StartMonth Month
	Amount     int64
}

// Exemption is a foreigner exempted under a bilateral agreement (外国人互免).
type Exemption struct {
	IDNumber    string // passport or permit number, as the core system holds it
	Name        string
	Nationality string
	StartDate   string
	EndDate     string
}

// Project is a construction project's work-injury cover (工程工伤). Amount is fen.
type Project struct {
	Number    string
	Name      string
	StartDate string
	EndDate   string
	Amount    int64
}

// Subsidiary is a subsidiary unit (二级单位).
type Subsidiary struct {
	USCC      string
	Name      string
	StartDate string
}
