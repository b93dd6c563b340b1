package ident

import (
	"testing"
	"time"
)

// TestNumberedGenerators: every number passes its validator, and each sequence rises
// strictly with n (so it is distinct), across its county and segment boundaries and
// at its ends; outside the range the generators panic.
func TestNumberedGenerators(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, g := range []struct {
		name     string
		count    int
		make     func(int) string
		validate func(string) error
		around   []int // ns whose neighbours cross a boundary
	}{
		{"resident ID", NumberedResidentIDs, NumberedResidentID,
			func(s string) error { _, err := ValidateID(IDTypeResident, s, now); return err },
			[]int{numberedBirthDays * 100, 2 * numberedBirthDays * 100, 99, 100}},
		{"mobile", NumberedMobiles, NumberedMobile,
			func(s string) error { _, err := NormalizeMobile(s); return err },
			[]int{100_000_000, 2 * 100_000_000}},
		{"USCC", NumberedUSCCs, NumberedUSCC,
			func(s string) error { _, err := ValidateUSCC(s); return err },
			[]int{NumberedUSCCsPerRegion, 2 * NumberedUSCCsPerRegion}},
	} {
		t.Run(g.name, func(t *testing.T) {
			var ns []int
			for n := 0; n < 3000; n++ {
				ns = append(ns, n)
			}
			for _, b := range g.around {
				ns = append(ns, b-2, b-1, b, b+1)
			}
			ns = append(ns, g.count-2, g.count-1)
			prev, prevN := "", -1
			for _, n := range ns {
				s := g.make(n)
				if err := g.validate(s); err != nil {
					t.Fatalf("%d: %q: %v", n, s, err)
				}
				if n > prevN && prevN >= 0 && s <= prev {
					t.Fatalf("%d: %q does not follow %d's %q", n, s, prevN, prev)
				}
				prev, prevN = s, n
			}
			for _, n := range []int{-1, g.count} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%d outside the range did not panic", n)
						}
					}()
					g.make(n)
				}()
			}
		})
	}
	if NumberedResidentIDs < 10_000_000 || NumberedMobiles < 10_000_000 || NumberedUSCCs < 1_000_000 {
		t.Errorf("too few numbers for national scale: %d IDs, %d mobiles, %d USCCs", NumberedResidentIDs, NumberedMobiles, NumberedUSCCs)
	}
}
