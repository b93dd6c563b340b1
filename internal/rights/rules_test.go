package rights

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/insurance"
)

func TestCheck(t *testing.T) {
	enterprise := []insurance.Type{insurance.TypePension, insurance.TypeInjury, insurance.TypeUnemployment}
	now := testNow // 2026-12 in China
	type fields map[string]string
	for _, tc := range []struct {
		name     string
		from, to string
		types    []string
		allowed  []insurance.Type
		want     Choice
		problems fields // field → a part of its message
	}{
		{name: "a year, all types", from: "2025-12", to: "2026-11", types: []string{"unemployment", "pension", "injury"},
			allowed: enterprise, want: Choice{From: 202512, To: 202611, Types: enterprise}},
		{name: "types put in page order, repeats dropped", from: "202601", to: "202601", types: []string{"injury", "pension", "injury"},
			allowed: enterprise, want: Choice{From: 202601, To: 202601, Types: []insurance.Type{insurance.TypePension, insurance.TypeInjury}}},
		{name: "this month is allowed", from: "2026-12", to: "2026-12", types: []string{"pension"}, allowed: enterprise,
			want: Choice{From: 202612, To: 202612, Types: []insurance.Type{insurance.TypePension}}},
		{name: "exactly 36 months", from: "2023-12", to: "2026-11", types: []string{" pension "}, allowed: enterprise,
			want: Choice{From: 202312, To: 202611, Types: []insurance.Type{insurance.TypePension}}},
		{name: "37 months", from: "2023-11", to: "2026-11", types: []string{"pension"}, allowed: enterprise,
			problems: fields{FieldTo: "最长36个月，当前选择了37个月"}},
		{name: "start after end", from: "2026-05", to: "2026-04", types: []string{"pension"}, allowed: enterprise,
			problems: fields{FieldFrom: "起始年月不能晚于截止年月"}},
		{name: "end in the future", from: "2026-01", to: "2027-01", types: []string{"pension"}, allowed: enterprise,
			problems: fields{FieldTo: "截止年月不能晚于本月（2026-12）"}},
		{name: "both in the future", from: "2027-01", to: "2027-02", types: []string{"pension"}, allowed: enterprise,
			problems: fields{FieldFrom: "不能晚于本月", FieldTo: "不能晚于本月"}},
		{name: "empty", allowed: enterprise,
			problems: fields{FieldFrom: "请选择查询起始年月", FieldTo: "请选择查询截止年月", FieldTypes: "请至少选择一个险种"}},
		{name: "malformed months", from: "2026-13", to: "next year", types: []string{"pension"}, allowed: enterprise,
			problems: fields{FieldFrom: "格式应为", FieldTo: "格式应为"}},
		{name: "unknown type", from: "2026-01", to: "2026-02", types: []string{"medical"}, allowed: enterprise,
			problems: fields{FieldTypes: "所选险种无效"}},
		{name: "type the unit is not enrolled in", from: "2026-01", to: "2026-02", types: []string{"public_pension"},
			allowed: enterprise, problems: fields{FieldTypes: "本单位未参加机关事业单位养老保险"}},
		{name: "public institution's pension", from: "2026-01", to: "2026-02", types: []string{"public_pension"},
			allowed: []insurance.Type{insurance.TypePublicPension},
			want:    Choice{From: 202601, To: 202602, Types: []insurance.Type{insurance.TypePublicPension}}},
		{name: "nothing allowed", from: "2026-01", to: "2026-02", types: []string{"pension"},
			problems: fields{FieldTypes: "本单位未参加企业基本养老保险"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DefaultRules.Check(tc.from, tc.to, tc.types, tc.allowed, now)
			if tc.problems == nil {
				if err != nil || got.From != tc.want.From || got.To != tc.want.To || !slices.Equal(got.Types, tc.want.Types) {
					t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			var fe *FormError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want *FormError", err)
			}
			if len(fe.Fields) != len(tc.problems) {
				t.Errorf("fields %v, want problems with %v", fe.Fields, tc.problems)
			}
			for field, part := range tc.problems {
				if !strings.Contains(fe.Fields[field], part) {
					t.Errorf("%s: %q, want it to say %q", field, fe.Fields[field], part)
				}
			}
		})
	}
}

// TestCheckUsesChinaMonth: at 2026-11-30 17:00 UTC it is already December in China.
func TestCheckUsesChinaMonth(t *testing.T) {
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	if _, err := DefaultRules.Check("2026-12", "2026-12", []string{"pension"}, []insurance.Type{insurance.TypePension}, now); err != nil {
		t.Fatalf("December refused on 1 December in China: %v", err)
	}
}

func TestAllowedTypes(t *testing.T) {
	e := func(ts ...insurance.Type) []insurance.Enrolment {
		var out []insurance.Enrolment
		for _, t := range ts {
			out = append(out, insurance.Enrolment{Type: t, Status: insurance.StatusTerminated})
		}
		return out
	}
	for _, tc := range []struct {
		in   []insurance.Enrolment
		want []insurance.Type
	}{
		{nil, nil},
		{e(insurance.TypeUnemployment, insurance.TypePension), []insurance.Type{insurance.TypePension, insurance.TypeUnemployment}},
		{e(insurance.TypeInjury, insurance.TypePublicPension), []insurance.Type{insurance.TypeInjury, insurance.TypePublicPension}},
	} {
		if got := AllowedTypes(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("AllowedTypes(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidUntil(t *testing.T) {
	cst := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, chinatime.Zone) }
	for _, tc := range []struct{ issued, want time.Time }{
		{cst(2026, 12, 4, 10), cst(2027, 6, 4, 10)},
		{cst(2026, 8, 31, 10), cst(2027, 2, 28, 10)},
		{cst(2027, 8, 31, 10), cst(2028, 2, 29, 10)}, // leap year
		{cst(2026, 3, 31, 23), cst(2026, 9, 30, 23)},
		{cst(2026, 1, 1, 0), cst(2026, 7, 1, 0)},
	} {
		if got := DefaultRules.validUntil(tc.issued); !got.Equal(tc.want) {
			t.Errorf("issued %v: valid until %v, want %v", tc.issued, got.In(chinatime.Zone), tc.want)
		}
	}
}

// FuzzCheck: the form's values are outside input. Check never panics; what it
// accepts keeps the rules.
func FuzzCheck(f *testing.F) {
	f.Add("2025-12", "2026-11", "pension,injury")
	f.Add("202601", "2026/02", "public_pension")
	f.Add("2026-13", "", "")
	f.Add("１９９９-０１", "2026年1月", "medical,injury,injury")
	all := insurance.Types
	f.Fuzz(func(t *testing.T, from, to, types string) {
		c, err := DefaultRules.Check(from, to, strings.Split(types, ","), all, testNow)
		if err != nil {
			var fe *FormError
			if !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("error %v is not a FormError with fields", err)
			}
			return
		}
		if c.From > c.To || c.Months() > DefaultRules.MaxMonths || c.To > insurance.MonthOf(testNow.In(chinatime.Zone)) ||
			len(c.Types) == 0 {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// TestSummaryWords: the verify pages' verdict and per-type lines.
func TestSummaryWords(t *testing.T) {
	for _, tt := range []struct {
		sm      Summary
		verdict string
		lines   []string
	}{
		{Summary{Valid: true, Counts: []TypeCount{{insurance.TypePension, 12}, {insurance.TypeUnemployment, 3}}},
			"有效", []string{"企业基本养老保险：12人", "失业保险：3人"}},
		{Summary{Counts: []TypeCount{{insurance.TypePension, 1}}}, "已过有效期", []string{"企业基本养老保险：1人"}},
		{Summary{Valid: true}, "有效", []string{}},
	} {
		if got := tt.sm.Verdict(); got != tt.verdict {
			t.Errorf("Verdict of %+v = %q, want %q", tt.sm, got, tt.verdict)
		}
		if got := tt.sm.CountLines(); !slices.Equal(got, tt.lines) {
			t.Errorf("CountLines of %+v = %q, want %q", tt.sm.Counts, got, tt.lines)
		}
	}
}

// TestFileKeptUntil: the keeping time is FileKeepMonths after the end of validity,
// and the sweep's bound (months back from now) never lets a file go before it.
func TestFileKeptUntil(t *testing.T) {
	cst := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, chinatime.Zone) }
	for _, tc := range []struct {
		keep             int
		validUntil, want time.Time
	}{
		{6, cst(2027, 6, 4, 10), cst(2027, 12, 4, 10)},
		{6, cst(2027, 8, 31, 10), cst(2028, 2, 29, 10)},
		{0, cst(2027, 8, 31, 10), cst(2027, 8, 31, 10)},
		{24, cst(2027, 2, 28, 9), cst(2029, 2, 28, 9)},
	} {
		r := DefaultRules
		r.FileKeepMonths = tc.keep
		if got := r.FileKeptUntil(tc.validUntil); !got.Equal(tc.want) {
			t.Errorf("valid until %v, kept %d months: until %v, want %v", tc.validUntil, tc.keep, got.In(chinatime.Zone), tc.want)
		}
	}
	// Every end of validity over two years (each day at 10:00 and 23:59 in China)
	// against every sweep time a day apart: a file the bound lets go is due, and
	// one due is let go within three days (months back from the end of March reach
	// no further than February 28th).
	for _, keep := range []int{0, 1, 6} {
		r := Rules{MaxMonths: 36, ValidMonths: 6, FileKeepMonths: keep}
		for day := range 2 * 366 {
			for _, hm := range [][2]int{{10, 0}, {23, 59}} {
				v := time.Date(2026, 1, 1+day, hm[0], hm[1], 0, 0, chinatime.Zone)
				due := r.FileKeptUntil(v)
				for now := due.AddDate(0, 0, -3); now.Before(due.AddDate(0, 0, 5)); now = now.Add(6 * time.Hour) {
					gone := !v.After(addMonths(now, -keep))
					if gone && now.Before(due) {
						t.Fatalf("keep %d, valid until %v: swept at %v, before %v", keep, v, now, due)
					}
					if !gone && !now.Before(due.AddDate(0, 0, 3)) {
						t.Fatalf("keep %d, valid until %v: still kept at %v, due %v", keep, v, now, due)
					}
				}
			}
		}
	}
}
