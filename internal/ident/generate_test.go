package ident

import (
	"testing"
	"time"
)

// TestGeneratorsValidate: every generated value passes its own validator,
// over many seeds, and the parts come back as asked.
func TestGeneratorsValidate(t *testing.T) {
	for seed := uint64(0); seed < 2000; seed++ {
		r := newRand(seed)
		male := seed%2 == 0

		id := GenerateResidentID(r, "", time.Time{}, male)
		got, err := ParseResidentID(id, testNow)
		if err != nil || got.Number != id {
			t.Fatalf("seed %d: ParseResidentID(%s) = %+v, %v", seed, id, got, err)
		}
		if (got.Sex == SexMale) != male {
			t.Fatalf("seed %d: %s sex %v, want male=%v", seed, id, got.Sex, male)
		}

		birth := time.Date(1950+int(seed%70), time.Month(1+seed%12), 1+int(seed%28), 0, 0, 0, 0, time.UTC)
		id = GenerateResidentID(r, "321322", birth, male)
		got, err = ParseResidentID(id, testNow)
		if err != nil || !got.BirthDate.Equal(birth) || got.RegionCode != "321322" {
			t.Fatalf("seed %d: %s → %+v, %v", seed, id, got, err)
		}

		uscc := GenerateUSCC(r, "")
		if n, err := ValidateUSCC(uscc); err != nil || n != uscc || uscc[:2] != "91" {
			t.Fatalf("seed %d: ValidateUSCC(%s) = %s, %v", seed, uscc, n, err)
		}
		uscc = GenerateUSCCWithPrefix(r, "52", "320583")
		if n, err := ValidateUSCC(uscc); err != nil || n != uscc || USCCRegion(uscc) != "320583" {
			t.Fatalf("seed %d: ValidateUSCC(%s) = %s, %v", seed, uscc, n, err)
		}

		m := GenerateMobile(r)
		if n, err := NormalizeMobile(m); err != nil || n != m {
			t.Fatalf("seed %d: NormalizeMobile(%s) = %s, %v", seed, m, n, err)
		}

		region := jiangsuCounties[seed%uint64(len(jiangsuCounties))].Code
		unit := NewUnitNumber(region, 1+r.IntN(MaxUnitSeq))
		if n, err := ValidateUnitNumber(unit); err != nil || n != unit {
			t.Fatalf("seed %d: ValidateUnitNumber(%s) = %s, %v", seed, unit, n, err)
		}
		inst := NewInstitutionNumber(unit, 1+r.IntN(MaxInstitutionSeq))
		if n, err := ValidateInstitutionNumber(inst); err != nil || n != inst || InstitutionUnitNumber(inst) != unit {
			t.Fatalf("seed %d: ValidateInstitutionNumber(%s) = %s, %v", seed, inst, n, err)
		}
		if ValidateIDOK(IDTypeResidencePermit, GenerateResidencePermit(r, "", time.Time{}, male)) != nil {
			t.Fatalf("seed %d: generated residence permit refused", seed)
		}
	}
}

// ValidateIDOK is ValidateID without the value, for brevity above.
func ValidateIDOK(typ IDType, s string) error {
	_, err := ValidateID(typ, s, testNow)
	return err
}

func TestGeneratorsDeterministic(t *testing.T) {
	a, b := newRand(42), newRand(42)
	for i := 0; i < 50; i++ {
		if x, y := GenerateResidentID(a, "", time.Time{}, true), GenerateResidentID(b, "", time.Time{}, true); x != y {
			t.Fatalf("resident ID differs: %s %s", x, y)
		}
		if x, y := GenerateUSCC(a, ""), GenerateUSCC(b, ""); x != y {
			t.Fatalf("USCC differs: %s %s", x, y)
		}
		if x, y := GenerateMobile(a), GenerateMobile(b); x != y {
			t.Fatalf("mobile differs: %s %s", x, y)
		}
	}
}

func TestGeneratorsPanicOnBadArguments(t *testing.T) {
	r := newRand(1)
	for name, f := range map[string]func(){
		"region":       func() { GenerateResidentID(r, "99", time.Time{}, true) },
		"province":     func() { GenerateUSCC(r, "990000") },
		"birth year":   func() { GenerateResidentID(r, "320102", time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), true) },
		"USCC prefix":  func() { GenerateUSCCWithPrefix(r, "9I", "") },
		"permit":       func() { GenerateResidencePermit(r, "320102", time.Time{}, true) },
		"permit short": func() { GenerateResidencePermit(r, "8", time.Time{}, true) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestRegions(t *testing.T) {
	if name, ok := ProvinceName("320102"); !ok || name != "江苏省" {
		t.Errorf("ProvinceName(320102) = %s, %v", name, ok)
	}
	for _, bad := range []string{"", "3", "99", "830000"} {
		if _, ok := ProvinceName(bad); ok {
			t.Errorf("ProvinceName(%q) known", bad)
		}
	}
	list := JiangsuCounties()
	for _, r := range list {
		if !validRegion(r.Code) || r.Code[:2] != "32" || r.Name == "" {
			t.Errorf("bad region %+v", r)
		}
	}
	list[0].Code = "x"
	if JiangsuCounties()[0].Code == "x" {
		t.Error("JiangsuCounties must return a copy")
	}
}
