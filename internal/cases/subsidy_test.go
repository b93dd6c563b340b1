package cases

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestSubsidyRule: the conditions and the amount of 稳岗返还 at their boundaries —
// 11 and 12 months paid, a layoff rate of exactly 5.5%, 30 and 31 staff (the 20%
// limit), 999 and 1000 staff (the rate of a large enterprise).
func TestSubsidyRule(t *testing.T) {
	basis := func(months, insured, leavers int, contributions int64) insurance.SubsidyBasis {
		return insurance.SubsidyBasis{Year: 2025, MonthsPaid: months, Insured: insured, Leavers: leavers, Contributions: contributions}
	}
	for _, c := range []struct {
		name     string
		b        insurance.SubsidyBasis
		eligible bool
		rate     int
		amount   int64
		layoff   string
	}{
		{"12 months, no layoffs", basis(12, 200, 0, 1000000), true, 60, 600000, "0.00%"},
		{"11 months", basis(11, 200, 0, 1000000), false, 60, 0, "0.00%"},
		{"exactly 5.5%", basis(12, 200, 11, 1000000), true, 60, 600000, "5.50%"},
		{"just above 5.5%", basis(12, 200, 12, 1000000), false, 60, 0, "6.00%"},
		{"30 staff, 20%", basis(12, 30, 6, 300000), true, 60, 180000, "20.00%"},
		{"30 staff, above 20%", basis(12, 30, 7, 300000), false, 60, 0, "23.33%"},
		{"31 staff, 6 leavers: 5.5% applies", basis(12, 31, 6, 300000), false, 60, 0, "19.35%"},
		{"31 staff, 1 leaver", basis(12, 31, 1, 300000), true, 60, 180000, "3.23%"},
		{"999 staff: 60%", basis(12, 999, 0, 10000000), true, 60, 6000000, "0.00%"},
		{"1000 staff: 30%", basis(12, 1000, 55, 10000000), true, 30, 3000000, "5.50%"},
		{"no staff", basis(12, 0, 0, 0), false, 60, 0, "—"},
		{"rounded down to the fen", basis(12, 10, 0, 333), true, 60, 199, "0.00%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := SubsidyRule(c.b)
			if s.Eligible != c.eligible || s.Rate != c.rate || s.Amount != c.amount || s.LayoffRate != c.layoff {
				t.Fatalf("got eligible %v rate %d amount %d layoff %s, want %v %d %d %s", s.Eligible, s.Rate, s.Amount,
					s.LayoffRate, c.eligible, c.rate, c.amount, c.layoff)
			}
			if (s.Unmet() == "") != c.eligible {
				t.Fatalf("unmet %q", s.Unmet())
			}
		})
	}
}

// TestCheckSubsidy: the rules of the form (caseT0 is in 2026: the year is 2025).
func TestCheckSubsidy(t *testing.T) {
	ok := url.Values{FieldYear: {"2025"}, FieldBank: {"中国工商银行南京分行"}, FieldAccount: {"6222 0202 0000 1234"}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for key, vals := range ok {
			out[key] = vals
		}
		out.Set(k, v)
		return out
	}
	for _, c := range []struct {
		name  string
		in    url.Values
		field string
	}{
		{"valid", ok, ""},
		{"no year", with(FieldYear, ""), FieldYear},
		{"this year", with(FieldYear, "2026"), FieldYear},
		{"two years ago", with(FieldYear, "2024"), FieldYear},
		{"no bank", with(FieldBank, " "), FieldBank},
		{"one-letter bank", with(FieldBank, "行"), FieldBank},
		{"long bank", with(FieldBank, strings.Repeat("行", 51)), FieldBank},
		{"no account", with(FieldAccount, ""), FieldAccount},
		{"letters in the account", with(FieldAccount, "6222x0202"), FieldAccount},
		{"7 digits", with(FieldAccount, "1234567"), FieldAccount},
		{"8 digits", with(FieldAccount, "12345678"), ""},
		{"30 digits", with(FieldAccount, strings.Repeat("1", 30)), ""},
		{"31 digits", with(FieldAccount, strings.Repeat("1", 31)), FieldAccount},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := CheckSubsidy(c.in, caseT0)
			var fe *FormError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field == "":
				if f.Year != 2025 || strings.Contains(f.Account, " ") || f.Bank == "" {
					t.Fatalf("form read as %+v", f)
				}
			case !errors.As(err, &fe):
				t.Fatalf("err = %v, want a FormError on %s", err, c.field)
			case fe.Fields[c.field] == "" || len(fe.Fields) != 1:
				t.Fatalf("fields = %v, want only %s", fe.Fields, c.field)
			}
		})
	}
}

// payYear writes the unit's unemployment-insurance payments of months 1..months
// of 2025 for persons people, each 50 yuan of the unit's part a month.
func (f *caseFixture) payYear(t testing.TB, months, people int) {
	t.Helper()
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		for m := 1; m <= months; m++ {
			for p := 0; p < people; p++ {
				if _, err := tx.Exec(f.ctx, `INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base,
					unit_amount, personal_amount) VALUES (?, ?, 'unemployment', ?, 600000, 5000, 3000)`,
					f.unit.USCC, 202500+m, "P"+string(rune('A'+p))); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSubsidyLifecycle: the legal rep sees the computation, applies for 2025,
// staff accept and approve, and the case records the granted amount; a unit
// without 12 months is refused with the reason; a second application for the
// year is refused while the first is open and after it was granted.
func TestSubsidyLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		in := url.Values{FieldYear: {"2025"}, FieldBank: {"中国工商银行南京分行"}, FieldAccount: {"6222020200001234"}}
		f.payYear(t, 11, 10)
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemSubsidy, f.attached(t, f.repA, ItemSubsidy, in)); !errors.Is(err, ErrIneligible) ||
			!strings.Contains(Message(err), "缴费11个月") {
			t.Fatalf("11 months: %v (%s)", err, Message(err))
		}
		if _, err := db.Exec(context.Background(), `INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base,
			unit_amount, personal_amount) VALUES (?, 202512, 'unemployment', 'PA', 600000, 5000, 3000)`, f.unit.USCC); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.SubsidyPreview(f.ctx, f.unit.ID)
		if err != nil || !p.Eligible || p.Basis.Insured != 9 || p.Amount != (11*10+1)*5000*60/100 {
			t.Fatalf("preview %+v, %v", p, err)
		}
		if _, err := f.svc.Apply(f.ctx, f.agentA, ItemSubsidy, f.attached(t, f.agentA, ItemSubsidy, in)); err == nil {
			t.Fatal("an agent without the grant applied")
		}
		c, err := f.svc.Apply(f.ctx, f.repA, ItemSubsidy, f.attached(t, f.repA, ItemSubsidy, in))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemSubsidy, f.attached(t, f.repA, ItemSubsidy, in)); !errors.Is(err, ErrPending) {
			t.Fatalf("second application: %v", err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		// More payments arrive before the approval: the amount granted is the one of
		// the data at approval.
		if _, err := db.Exec(f.ctx, `UPDATE insurance_payments SET unit_amount = 6000 WHERE uscc = ? AND id_number = 'PA'`,
			f.unit.USCC); err != nil {
			t.Fatal(err)
		}
		if c, err = f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		d, ok := c.Details()
		g := d.(SubsidyForm)
		if !ok || g.Granted != ((11*10+1)*5000+12*1000)*60/100 || g.Amount != g.Granted || g.Contributions != (11*10+1)*5000+12*1000 {
			t.Fatalf("granted %+v", g)
		}
		if now, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID); err != nil || !strings.Contains(string(now.Form), `"granted"`) {
			t.Fatalf("stored form %s, %v", now.Form, err)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemSubsidy, f.attached(t, f.repA, ItemSubsidy, in)); !errors.Is(err, ErrGranted) {
			t.Fatalf("after the grant: %v", err)
		}
	})
}
