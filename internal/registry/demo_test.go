package registry

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestDemoEntriesDeterministicAndValid(t *testing.T) {
	t.Parallel()
	a := DemoEntries(rand.New(rand.NewPCG(42, 7)), 500)
	b := DemoEntries(rand.New(rand.NewPCG(42, 7)), 500)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different entries")
	}
	if c := DemoEntries(rand.New(rand.NewPCG(43, 7)), 500); reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same entries")
	}
	if len(DemoEntries(rand.New(rand.NewPCG(1, 1)), 0)) != 0 {
		t.Fatal("n = 0 gives entries")
	}

	types := map[UnitType]int{}
	statuses := map[Status]int{}
	idTypes := map[ident.IDType]int{}
	seen := map[string]bool{}
	for _, e := range a {
		n, err := Normalize(e, testNow)
		if err != nil {
			t.Fatalf("demo entry %v invalid: %v", e, err)
		}
		assertSame(t, n, e) // demo entries are already normalised
		if seen[e.USCC] {
			t.Fatalf("duplicate USCC %s", e.USCC)
		}
		seen[e.USCC] = true
		if ident.USCCRegion(e.USCC) != e.Region {
			t.Fatalf("%s registered in %s", e.USCC, e.Region)
		}
		if !strings.HasPrefix(e.Address, "江苏省") {
			t.Fatalf("address %q", e.Address)
		}
		types[e.UnitType]++
		statuses[e.Status]++
		idTypes[e.LegalRepIDType]++
	}
	if len(types) < 6 || statuses[StatusActive] < 400 || statuses[StatusCancelled] == 0 || statuses[StatusRevoked] == 0 {
		t.Fatalf("poor mix: types %v statuses %v", types, statuses)
	}
	if idTypes[ident.IDTypeForeignPassport] == 0 || idTypes[ident.IDTypeResidencePermit] == 0 {
		t.Fatalf("no foreign legal reps: %v", idTypes)
	}
	for _, e := range a[:5] {
		t.Logf("%s %s %s", e.USCC, e.Name, e.UnitType.Label())
	}
}

// Demo data goes through the same import as a real file: a CSV of 2,000 units loads
// and re-loads unchanged on both engines.
func TestDemoEntriesRoundTripThroughImport(t *testing.T) {
	t.Parallel()
	es := DemoEntries(rand.New(rand.NewPCG(2024, 1)), 2000)
	file := entriesFile(t, es)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		if rep, err := importBytes(t, tb, file); err != nil || rep.Inserted != len(es) {
			t.Fatalf("Import: %+v %v", rep.Errors, err)
		}
		if rep, err := importBytes(t, tb, file); err != nil || rep.Unchanged != len(es) {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		for _, e := range es[:50] {
			got, err := tb.Lookup(context.Background(), e.USCC)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, got, e)
			if e.Active() && Match(got, Claim{e.USCC, e.Name, e.LegalRepIDType, e.LegalRepIDNumber, e.LegalRepName}) != nil {
				t.Fatalf("demo unit %v does not match itself", e)
			}
		}
	})
}
