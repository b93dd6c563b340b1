package registry

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
)

func TestParseUnitTypeAndStatus(t *testing.T) {
	types := []struct {
		in   string
		want UnitType
	}{
		{"企业", UnitEnterprise}, {"enterprise", UnitEnterprise}, {"ENTERPRISE", UnitEnterprise},
		{" 机关 ", UnitGovernment}, {"事业单位", UnitPublicInstitution}, {"事业", UnitPublicInstitution},
		{"社会团体", UnitSocialOrganization}, {"民办非企业单位", UnitPrivateNonEnterprise},
		{"民非", UnitPrivateNonEnterprise}, {"个体工商户", UnitIndividualBusiness},
		{"基金会", UnitFoundation}, {"农民专业合作社", UnitCooperative}, {"其他组织", UnitOther},
		{"", ""}, {"公司企业", ""}, {"企 业", ""},
	}
	for _, tc := range types {
		got, err := ParseUnitType(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseUnitType(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if err != nil && !errors.Is(err, errUnitType) {
			t.Errorf("ParseUnitType(%q) error %v is not the unit type FieldError", tc.in, err)
		}
		if tc.want != "" && (!got.Valid() || got.Label() == "") {
			t.Errorf("%q has no label", got)
		}
	}
	statuses := []struct {
		in   string
		want Status
	}{
		{"存续", StatusActive}, {"在业", StatusActive}, {"开业", StatusActive}, {"active", StatusActive},
		{"注销", StatusCancelled}, {"吊销", StatusRevoked}, {"吊销，未注销", StatusRevoked},
		{"迁出", ""}, {"", ""}, {"正常营业", ""},
	}
	for _, tc := range statuses {
		got, err := ParseStatus(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	base := activeEntry(7)
	cases := []struct {
		name     string
		edit     func(e *Entry)
		wantCode string // "" means accepted
		check    func(t *testing.T, got Entry)
	}{
		{"valid", nil, "", func(t *testing.T, got Entry) { assertSame(t, got, base) }},
		{"lower-case USCC is normalised", func(e *Entry) { e.USCC = strings.ToLower(e.USCC) }, "",
			func(t *testing.T, got Entry) {
				if got.USCC != base.USCC {
					t.Fatalf("USCC %q", got.USCC)
				}
			}},
		{"empty region comes from the USCC", func(e *Entry) { e.Region = "" }, "",
			func(t *testing.T, got Entry) {
				if got.Region != ident.USCCRegion(base.USCC) {
					t.Fatalf("region %q", got.Region)
				}
			}},
		{"name is trimmed", func(e *Entry) { e.Name = "  " + e.Name + "\t" }, "",
			func(t *testing.T, got Entry) {
				if got.Name != base.Name {
					t.Fatalf("name %q", got.Name)
				}
			}},
		{"date in another zone keeps its calendar day", func(e *Entry) {
			e.RegisteredAt = time.Date(2015, 3, 7, 0, 0, 0, 0, chinatime.Zone)
		}, "", func(t *testing.T, got Entry) {
			if !got.RegisteredAt.Equal(base.RegisteredAt) {
				t.Fatalf("date %v", got.RegisteredAt)
			}
		}},
		{"bad USCC check", func(e *Entry) { e.USCC = flipLast(e.USCC) }, ident.CodeUSCCCheck, nil},
		{"empty USCC", func(e *Entry) { e.USCC = "" }, CodeRequired, nil},
		{"empty name", func(e *Entry) { e.Name = " " }, CodeRequired, nil},
		{"NUL in name", func(e *Entry) { e.Name = "江苏\x00科技" }, CodeText, nil},
		{"invalid UTF-8 in name", func(e *Entry) { e.Name = "江苏\xff科技" }, CodeText, nil},
		{"replacement char in name", func(e *Entry) { e.Name = "江苏\uFFFD科技" }, CodeText, nil},
		{"long name", func(e *Entry) { e.Name = strings.Repeat("长", maxNameRunes+1) }, CodeText, nil},
		{"unknown unit type", func(e *Entry) { e.UnitType = "company" }, CodeUnitType, nil},
		{"unknown ID type", func(e *Entry) { e.LegalRepIDType = "passport" }, ident.CodeIDType, nil},
		{"bad ID check digit", func(e *Entry) { e.LegalRepIDNumber = flipLast(e.LegalRepIDNumber) }, ident.CodeIDCheck, nil},
		{"empty legal rep name", func(e *Entry) { e.LegalRepName = "" }, CodeRequired, nil},
		{"missing date", func(e *Entry) { e.RegisteredAt = time.Time{} }, CodeRequired, nil},
		{"future date", func(e *Entry) { e.RegisteredAt = testNow.AddDate(0, 0, 2) }, CodeDate, nil},
		{"date before 1900", func(e *Entry) { e.RegisteredAt = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC) }, CodeDate, nil},
		{"bad region", func(e *Entry) { e.Region = "99010" }, CodeRegion, nil},
		{"unknown province", func(e *Entry) { e.Region = "990102" }, CodeRegion, nil},
		{"unknown status", func(e *Entry) { e.Status = "moved" }, CodeStatus, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			if tc.edit != nil {
				tc.edit(&e)
			}
			got, err := Normalize(e, testNow)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Normalize: %v", err)
				}
				tc.check(t, got)
				return
			}
			var fe *ident.FieldError
			if !errors.Is(err, ErrInvalidEntry) || !errors.As(err, &fe) || fe.Code != tc.wantCode {
				t.Fatalf("Normalize error = %v, want code %s", err, tc.wantCode)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2015, 3, 7, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"2015-03-07", "20150307", "2015-3-7", "2015/3/7", "2015/03/07", " ２０１５-０３-０７ "} {
		got, err := parseDate(s, testNow)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"2015.03.07", "07/03/2015", "2015-02-30", "2015-13-01", "201537", "二〇一五年三月七日", "2015-03-07T00:00:00Z"} {
		if _, err := parseDate(s, testNow); err == nil {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
	// "Today" is the day in China: at 17:00 UTC on 1 June it is already 2 June there.
	late := time.Date(2025, 6, 1, 17, 0, 0, 0, time.UTC)
	if _, err := parseDate("2025-06-02", late); err != nil {
		t.Errorf("today in China refused: %v", err)
	}
	if _, err := parseDate("2025-06-03", late); err == nil {
		t.Error("tomorrow in China accepted")
	}
}

func TestEntryDoesNotLeakPersonalData(t *testing.T) {
	e := activeEntry(9)
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("lookup", "entry", e)
	for _, out := range []string{b.String(), e.String()} {
		if strings.Contains(out, e.LegalRepIDNumber) || strings.Contains(out, e.LegalRepName) {
			t.Fatalf("output leaks the legal rep: %s", out)
		}
		if !strings.Contains(out, e.USCC) {
			t.Fatalf("output lacks the USCC: %s", out)
		}
	}
}

// flipLast replaces the check character with another valid-looking one.
func flipLast(s string) string {
	last := s[len(s)-1]
	c := byte('1')
	if last == '1' {
		c = '2'
	}
	return s[:len(s)-1] + string(c)
}
