package cases

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"hall/internal/insurance"
	"hall/internal/unit"
)

// FuzzCheckEnrolment: any typed form is either refused with a FormError whose
// fields are the form's, or read into a form that keeps every rule.
func FuzzCheckEnrolment(f *testing.F) {
	f.Add("张三", "11010519491231002X", "2026-04", "6000", "pension")
	f.Add("", "x", "2026-13", "-1", "public_pension")
	f.Fuzz(func(t *testing.T, name, id, month, base, typ string) {
		in := url.Values{FieldName: {name}, FieldIDNumber: {id}, FieldStartMonth: {month}, FieldBase: {base}, FieldTypes: {typ}}
		got, err := CheckEnrolment(in, caseT0, insurance.DefaultBounds)
		var fe *FormError
		if err != nil {
			if !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("err = %v", err)
			}
			for k := range fe.Fields {
				if _, ok := in[k]; !ok {
					t.Fatalf("message on unknown field %q", k)
				}
			}
			return
		}
		if len(got.IDNumber) != 18 || !unit.NameLike(got.Name) || got.Base < insurance.DefaultBounds.Floor ||
			got.Base > insurance.DefaultBounds.Ceiling || len(got.Types) != 1 || got.StartMonth < 202603 || got.StartMonth > 202605 {
			t.Fatalf("accepted %+v", got)
		}
	})
}

// FuzzCheckLeave: any typed leave form is either refused with a FormError whose
// fields are the form's, or read into a form that keeps every rule.
func FuzzCheckLeave(f *testing.F) {
	f.Add("", "张三", "11010519491231002X", "2026-04-10", "2026-04", "resigned")
	f.Add("0123456789abcdef", "", "", "2026-04-13", "2026-05", "other")
	f.Add("x", "张", "1", "2026-13-01", "2026-13", "fired")
	f.Fuzz(func(t *testing.T, key, name, id, leave, stop, reason string) {
		in := url.Values{FieldEmployee: {key}, FieldName: {name}, FieldIDNumber: {id}, FieldLeaveDate: {leave},
			FieldStopMonth: {stop}, FieldReason: {reason}}
		got, err := CheckLeave(in, caseT0)
		var fe *FormError
		if err != nil {
			if !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("err = %v", err)
			}
			for k := range fe.Fields {
				if _, ok := in[k]; !ok {
					t.Fatalf("message on unknown field %q", k)
				}
			}
			return
		}
		if (got.Employee == "") == (got.IDNumber == "") || (got.IDNumber != "" && !unit.NameLike(got.Name)) ||
			got.LeaveDate < "2026-04-03" || got.LeaveDate > "2026-05-13" || got.StopMonth < 202604 || got.StopMonth > 202606 ||
			got.Reason.Label() == "" {
			t.Fatalf("accepted %+v", got)
		}
	})
}

// FuzzCheckSubsidy: any typed subsidy form is either refused with a FormError
// whose fields are the form's, or read into a form that keeps every rule.
func FuzzCheckSubsidy(f *testing.F) {
	f.Add("2025", "中国工商银行南京分行", "6222 0202 0000 1234")
	f.Add("2026", "", "62x")
	f.Fuzz(func(t *testing.T, year, bank, account string) {
		in := url.Values{FieldYear: {year}, FieldBank: {bank}, FieldAccount: {account}}
		got, err := CheckSubsidy(in, caseT0)
		var fe *FormError
		if err != nil {
			if !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("err = %v", err)
			}
			for k := range fe.Fields {
				if _, ok := in[k]; !ok {
					t.Fatalf("message on unknown field %q", k)
				}
			}
			return
		}
		if got.Year != 2025 || len(got.Account) < 8 || len(got.Account) > 30 || strings.Trim(got.Account, "0123456789") != "" ||
			utf8.RuneCountInString(got.Bank) < 2 || utf8.RuneCountInString(got.Bank) > MaxBankRunes {
			t.Fatalf("accepted %+v", got)
		}
	})
}

// FuzzCheckUnitChange: any typed unit change is either refused with a FormError
// whose fields are the form's, or read into a contact unit.NormalizeContact keeps.
func FuzzCheckUnitChange(f *testing.F) {
	f.Add("南京市玄武区中山路1号", "周联络", "025-83123456")
	f.Add("路", "", "x")
	f.Fuzz(func(t *testing.T, address, name, phone string) {
		in := url.Values{unit.FieldAddress: {address}, unit.FieldContactName: {name}, unit.FieldContactPhone: {phone}}
		got, err := CheckUnitChange(in)
		var fe *FormError
		if err != nil {
			if !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("err = %v", err)
			}
			for k := range fe.Fields {
				if _, ok := in[k]; !ok {
					t.Fatalf("message on unknown field %q", k)
				}
			}
			return
		}
		c := got.After
		if got.KeepPhone {
			c.ContactPhone = "13800000000"
		}
		if again, err := unit.NormalizeContact(c); err != nil || again != c {
			t.Fatalf("accepted %+v: %v", got, err)
		}
	})
}
