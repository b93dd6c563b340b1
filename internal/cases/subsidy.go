package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/chinatime"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
)

// ItemSubsidy is 失业保险稳岗返还: the hall computes the amount from the unit's
// insurance data; approval records the amount granted in the case (the payment
// is the bank's business, outside the hall).
const ItemSubsidy = "JY-001"

// The subsidy form's fields.
const (
	FieldYear    = "year"
	FieldBank    = "bank"
	FieldAccount = "account"
)

// The subsidy rule (FACTS.md): small and medium enterprises get back 60%, large
// ones 30% of last year's unemployment-insurance contributions (the unit part);
// the unit must have paid 12 months and laid off no more than 5.5% of its staff
// (20% for a unit of at most SmallStaff). The hall knows a unit's size only by its
// staff (the persons insured, averaged over the year), so an enterprise is large
// from LargeStaff on — the employee threshold of large industrial enterprises in
// the national classification of enterprise sizes (工信部联企业〔2011〕300号, 从业人员
// 1000人及以上); a deployment with other figures changes these.
const (
	SubsidyMonths      = 12
	SmallStaff         = 30
	LargeStaff         = 1000
	SubsidyRateSME     = 60 // percent
	SubsidyRateLarge   = 30 // percent
	LayoffLimitPermill = 55 // 5.5%
	LayoffLimitSmall   = 200
)

// Condition is one condition of the rule with whether the unit meets it.
type Condition struct {
	Label, Detail string
	Met           bool
}

// Subsidy is the rule applied to a year's basis.
type Subsidy struct {
	Basis      insurance.SubsidyBasis
	Large      bool
	Rate       int    // percent of the contributions returned
	LayoffRate string // "3.33%"; "—" without staff
	Conditions []Condition
	Eligible   bool
	Amount     int64 // fen; 0 when not eligible
}

// SubsidyRule applies the rule to b: the conditions, each met or not, and the
// amount (the contributions times the rate, rounded down to the fen) when all are
// met.
func SubsidyRule(b insurance.SubsidyBasis) Subsidy {
	s := Subsidy{Basis: b, Large: b.Insured >= LargeStaff, Rate: SubsidyRateSME, LayoffRate: "—"}
	if s.Large {
		s.Rate = SubsidyRateLarge
	}
	s.Conditions = append(s.Conditions, Condition{Label: "上年度按月缴纳失业保险费满12个月",
		Detail: fmt.Sprintf("%d年缴费%d个月", b.Year, b.MonthsPaid), Met: b.MonthsPaid >= SubsidyMonths})
	limit, label := LayoffLimitPermill, "上年度裁员率不高于5.5%"
	if b.Insured <= SmallStaff {
		limit, label = LayoffLimitSmall, "上年度裁员率不高于20%（参保职工30人及以下）"
	}
	met := false
	if b.Insured > 0 {
		// leavers/insured ≤ limit‰, in integers.
		met = int64(b.Leavers)*1000 <= int64(limit)*int64(b.Insured)
		bp := (int64(b.Leavers)*10000 + int64(b.Insured)/2) / int64(b.Insured) // hundredths of a percent
		s.LayoffRate = fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
	}
	s.Conditions = append(s.Conditions, Condition{Label: label,
		Detail: fmt.Sprintf("减员%d人，平均参保%d人，裁员率%s", b.Leavers, b.Insured, s.LayoffRate), Met: met})
	s.Eligible = true
	for _, c := range s.Conditions {
		s.Eligible = s.Eligible && c.Met
	}
	if s.Eligible {
		s.Amount = b.Contributions * int64(s.Rate) / 100
	}
	return s
}

// Unmet is the labels of the conditions not met, "；"-joined.
func (s Subsidy) Unmet() string {
	var out []string
	for _, c := range s.Conditions {
		if !c.Met {
			out = append(out, c.Label+"（"+c.Detail+"）")
		}
	}
	return strings.Join(out, "；")
}

// Size is the enterprise's size as the rule sees it.
func (s Subsidy) Size() string {
	if s.Large {
		return "大型企业"
	}
	return "中小微企业"
}

// SubsidyForm is 稳岗返还's form as stored: what the unit typed and what the hall
// computed when it was filed; Granted is the amount recorded at approval.
type SubsidyForm struct {
	Year    int    `json:"year"`
	Bank    string `json:"bank"`
	Account string `json:"account"`
	// The computation at filing (the basis as insurance.SubsidyBasis has it).
	MonthsPaid         int   `json:"months_paid"`
	Insured            int   `json:"insured"`
	Leavers            int   `json:"leavers"`
	LeaversFromPeriods bool  `json:"leavers_from_periods,omitempty"`
	Contributions      int64 `json:"contributions"`
	Rate               int   `json:"rate"`
	Amount             int64 `json:"amount"`
	Granted            int64 `json:"granted,omitempty"`
}

// Subject is the year: one open application per unit and year.
func (f SubsidyForm) Subject() string { return strconv.Itoa(f.Year) }

// Facts are the form's values and the computation's basis for the case pages.
func (f SubsidyForm) Facts() []Fact {
	s := SubsidyRule(f.basis())
	leavers := "人员月度变更中的减员（不含退休、死亡）"
	if f.LeaversFromPeriods {
		leavers = "当年结束的失业保险参保期间"
	}
	out := []Fact{
		{"申领年度", strconv.Itoa(f.Year) + "年"},
		{"开户银行", f.Bank},
		{"银行账号", maskAccount(f.Account)},
		{"上年度单位缴纳失业保险费", insurance.Yuan(f.Contributions) + " 元"},
		{"缴费月数", strconv.Itoa(f.MonthsPaid) + " 个月"},
		{"平均参保人数", strconv.Itoa(f.Insured) + " 人（" + s.Size() + "）"},
		{"减员人数", strconv.Itoa(f.Leavers) + " 人（" + leavers + "）"},
		{"裁员率", s.LayoffRate},
		{"返还比例", strconv.Itoa(f.Rate) + "%"},
		{"计算返还金额", insurance.Yuan(f.Amount) + " 元"},
	}
	if f.Granted > 0 {
		out = append(out, Fact{"核定返还金额", insurance.Yuan(f.Granted) + " 元"})
	}
	return out
}

func (f SubsidyForm) basis() insurance.SubsidyBasis {
	return insurance.SubsidyBasis{Year: f.Year, MonthsPaid: f.MonthsPaid, Insured: f.Insured, Leavers: f.Leavers,
		LeaversFromPeriods: f.LeaversFromPeriods, Contributions: f.Contributions}
}

// Values is f as the form's fields, for a form that corrects it.
func (f SubsidyForm) Values() url.Values {
	return url.Values{FieldYear: {strconv.Itoa(f.Year)}, FieldBank: {f.Bank}, FieldAccount: {f.Account}}
}

// maskAccount shows a bank account's first and last four digits.
func maskAccount(s string) string {
	if len(s) <= 8 {
		return s
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// MaxBankRunes bounds the bank's name.
const MaxBankRunes = 50

// SubsidyYear is the year a unit applies for at now: last year.
func SubsidyYear(now time.Time) int { return now.In(chinatime.Zone).Year() - 1 }

// CheckSubsidy reads the form of 稳岗返还 as typed. Rules: the year is last year
// (SubsidyYear); a bank name of 2 to 50 characters; an account of 8 to 30 digits
// (spaces between groups are dropped). Errors: *FormError.
func CheckSubsidy(v url.Values, now time.Time) (SubsidyForm, error) {
	e := &FormError{}
	var f SubsidyForm
	want := SubsidyYear(now)
	if s := strings.TrimSpace(v.Get(FieldYear)); s == "" {
		e.Add(FieldYear, "请选择申领年度")
	} else if y, err := strconv.Atoi(s); err != nil || y != want {
		e.Add(FieldYear, fmt.Sprintf("网上只能申领上一年度（%d年）的稳岗返还", want))
	} else {
		f.Year = y
	}
	f.Bank = strings.Join(strings.Fields(v.Get(FieldBank)), " ")
	switch n := utf8.RuneCountInString(f.Bank); {
	case n == 0:
		e.Add(FieldBank, "请填写开户银行")
	case n < 2:
		e.Add(FieldBank, "开户银行至少2个字")
	case n > MaxBankRunes:
		e.Add(FieldBank, fmt.Sprintf("开户银行不能超过%d个字", MaxBankRunes))
	case unit.HasControl(f.Bank):
		e.Add(FieldBank, "开户银行含有不能识别的字符")
	}
	f.Account = strings.Join(strings.Fields(v.Get(FieldAccount)), "")
	switch {
	case f.Account == "":
		e.Add(FieldAccount, "请填写银行账号")
	case strings.Trim(f.Account, "0123456789") != "":
		e.Add(FieldAccount, "银行账号只能包含数字")
	case len(f.Account) < 8 || len(f.Account) > 30:
		e.Add(FieldAccount, "银行账号应为8至30位数字")
	}
	if err := e.OrNil(); err != nil {
		return SubsidyForm{}, err
	}
	return f, nil
}

// SubsidyPreview is the rule applied to the unit's data of last year, for the form
// to show before it is sent. Errors: database failures.
func (s *Service) SubsidyPreview(ctx context.Context, unitID int64) (Subsidy, error) {
	var uscc string
	if err := s.d.DB.QueryRow(ctx, `SELECT uscc FROM units WHERE id = ?`, unitID).Scan(&uscc); err != nil {
		return Subsidy{}, fmt.Errorf("cases: unit: %w", err)
	}
	b, err := insurance.SubsidyBasisOf(ctx, s.d.DB, uscc, SubsidyYear(s.d.Now()))
	if err != nil {
		return Subsidy{}, err
	}
	return SubsidyRule(b), nil
}

// subsidyOf computes the subsidy of f's year from the data in tx and refuses it
// when the unit is not eligible or was granted it already (besides case except).
func subsidyOf(ctx context.Context, tx *store.Tx, unitID int64, uscc string, f SubsidyForm, except int64) (SubsidyForm, error) {
	keys, err := txKeys(tx)
	if err != nil {
		return SubsidyForm{}, err
	}
	match, matchArgs := subjectMatch(keys, f.Subject())
	var granted int64
	err = tx.QueryRow(ctx, `SELECT id FROM cases WHERE unit_id = ? AND item_code = ? AND `+match+` AND state = 'approved'
		AND id <> ?`, append(append([]any{unitID, ItemSubsidy}, matchArgs...), except)...).Scan(&granted)
	switch {
	case err == nil:
		return SubsidyForm{}, ErrGranted
	case !errors.Is(err, sql.ErrNoRows):
		return SubsidyForm{}, fmt.Errorf("cases: granted: %w", err)
	}
	b, err := insurance.SubsidyBasisOf(ctx, tx, uscc, f.Year)
	if err != nil {
		return SubsidyForm{}, err
	}
	s := SubsidyRule(b)
	if !s.Eligible {
		return SubsidyForm{}, &Error{ErrIneligible.Code, "不符合稳岗返还的申领条件：" + s.Unmet()}
	}
	f.MonthsPaid, f.Insured, f.Leavers, f.LeaversFromPeriods, f.Contributions = b.MonthsPaid, b.Insured, b.Leavers,
		b.LeaversFromPeriods, b.Contributions
	f.Rate, f.Amount = s.Rate, s.Amount
	return f, nil
}

var subsidyType = formType{
	materials: []FormMaterial{{Code: "pledge", Label: "稳岗返还承诺书", Required: true}},
	check: func(v url.Values, env formEnv) (Form, error) {
		f, err := CheckSubsidy(v, env.Now)
		if err != nil {
			return nil, err
		}
		return f, nil
	},
	decode: decodeAs[SubsidyForm],
	prepare: func(ctx context.Context, tx *store.Tx, unitID int64, uscc string, f Form, _ formEnv) (Form, error) {
		return subsidyOf(ctx, tx, unitID, uscc, f.(SubsidyForm), 0)
	},
	// The amount is computed again from the data as it is at approval, and that
	// is the amount granted.
	carryOut: func(ctx context.Context, tx *store.Tx, c Case, f Form, uscc string, _ formEnv) (Form, error) {
		g, err := subsidyOf(ctx, tx, c.UnitID, uscc, f.(SubsidyForm), c.ID)
		if err != nil {
			return nil, err
		}
		g.Granted = g.Amount
		return g, nil
	},
	pending: &Error{ErrPending.Code, "本单位该年度的稳岗返还申请正在办理中，请勿重复申请"},
	field:   FieldYear,
	audit: func(f Form) map[string]string {
		s := f.(SubsidyForm)
		return map[string]string{"year": s.Subject(), "amount": insurance.Yuan(s.Amount)}
	},
}

// ContributionsYuan is the basis's contributions in yuan with two decimals.
func (s Subsidy) ContributionsYuan() string { return insurance.Yuan(s.Basis.Contributions) }

// AmountYuan is the amount in yuan with two decimals.
func (s Subsidy) AmountYuan() string { return insurance.Yuan(s.Amount) }

// SubsidyYear is the year a unit applies for now (last year).
func (s *Service) SubsidyYear() int { return SubsidyYear(s.d.Now()) }
