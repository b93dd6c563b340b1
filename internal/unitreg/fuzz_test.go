package unitreg

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/person"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"周明远", "周明远", true},
		{" 周 明远 ", "周明远", true},
		{"买买提・艾力", "买买提·艾力", true},
		{"买买提.艾力", "买买提·艾力", true},
		{"ＪＯＨＮ　SMITH", "JOHN SMITH", true},
		{"John  Smith", "John Smith", true},
		{"周", "", false},
		{"周明远1", "", false},
		{"·周明", "", false},
		{"周明·", "", false},
		{"周··明", "", false},
		{"周\n明", "", false},
		{strings.Repeat("周", 31), "", false},
		{"\xff周明", "", false},
	}
	for _, tt := range tests {
		got, ok := person.NormalizeName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("person.NormalizeName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzNormalizeName: no panic; an accepted name is valid UTF-8 of 2–30 runes and
// normalising it again changes nothing.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"周明远", "买买提・艾力", "ＪＯＨＮ　SMITH", "a\u0301b", "·", " ", "周 三 丰"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := person.NormalizeName(s)
		if !ok {
			return
		}
		if !utf8.ValidString(n) || utf8.RuneCountInString(n) < 2 || utf8.RuneCountInString(n) > 30 {
			t.Fatalf("accepted %q as %q", s, n)
		}
		if again, ok := person.NormalizeName(n); !ok || again != n {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, n, again, ok)
		}
	})
}

// FuzzValidateUnit: step 1's checks never panic, refuse with a FormError whose
// messages never echo the input, and accept only normalised, valid values.
func FuzzValidateUnit(f *testing.F) {
	f.Add("91320102MA1W2X3Y4K", "江苏澄睿信息技术有限公司", "resident", "320102197809140013", "周明远", true)
	f.Add("", "", "", "", "", false)
	f.Add("９１３２", "公司\x00", "foreign_passport", "E1234567", "JOHN", true)
	f.Add("91320102MA1W2X3Y4K", "x", "居民身份证", "32010219780914001x", "a·b", true)
	s := New(Deps{Now: func() time.Time { return time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC) }})
	f.Fuzz(func(t *testing.T, uscc, name, idType, idNumber, legalRep string, agreed bool) {
		c, err := s.validateUnit(UnitInput{USCC: uscc, Name: name, IDType: idType, IDNumber: idNumber,
			LegalRepName: legalRep, Agreed: agreed})
		if err != nil {
			fe, ok := err.(*FormError)
			if !ok || len(fe.Fields) == 0 {
				t.Fatalf("error %v (%T)", err, err)
			}
			for field, msg := range fe.Fields {
				if msg == "" {
					t.Fatalf("empty message for %s", field)
				}
				for _, in := range []string{uscc, name, idNumber, legalRep} {
					if len(in) >= 4 && strings.Contains(msg, in) {
						t.Fatalf("message %q echoes input %q", msg, in)
					}
				}
			}
			return
		}
		if _, err := ident.ValidateUSCC(c.uscc); err != nil || c.uscc != strings.ToUpper(c.uscc) {
			t.Fatalf("accepted USCC %q: %v", c.uscc, err)
		}
		if c.idType == ident.IDTypeForeignPassport || !c.idType.Valid() {
			t.Fatalf("accepted ID type %q", c.idType)
		}
		if n, err := ident.ValidateID(c.idType, c.idNumber, s.d.Now()); err != nil || n != c.idNumber {
			t.Fatalf("accepted ID number %q: %v", c.idNumber, err)
		}
		if c.name == "" || utf8.RuneCountInString(c.name) > maxUnitNameRunes || !agreed {
			t.Fatalf("accepted %+v, agreed %v", c, agreed)
		}
	})
}
