package insurance

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// checkPaidPersonsMatchPayments checks the rights record's employee list against
// the payments it summarises: for a 3,000-employee unit and a 12-month period, every
// person who paid appears once, in ID order, with per type the first and last month
// and the count that the payment rows give; a type filter drops the other types.
// all is the unit's payments.
func checkPaidPersonsMatchPayments(t *testing.T, db *store.DB, u DemoUnit, all []Payment) {
	ctx := context.Background()
	s := New(db)
	last := MonthOf(testNow).Add(-1)
	from, to := last.Add(-17), last.Add(-6)

	want := map[string]map[Type]Span{}
	for _, p := range all {
		if p.Month < from || p.Month > to {
			continue
		}
		spans := want[p.IDNumber]
		if spans == nil {
			spans = map[Type]Span{}
			want[p.IDNumber] = spans
		}
		sp := spans[p.Type]
		if sp.Months == 0 || p.Month < sp.First {
			sp.First = p.Month
		}
		sp.Last = max(sp.Last, p.Month)
		sp.Months++
		spans[p.Type] = sp
	}

	start := time.Now()
	var got []PaidPerson
	err := Stream(ctx, Query{USCC: u.USCC, From: from, To: to},
		func(ctx context.Context, q Query) (Result[PaidPerson], error) { return s.PaidPersons(ctx, q, nil) },
		func(p PaidPerson) error { got = append(got, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d persons paid in %s..%s, listed in %v", db.Engine, len(got), from, to, time.Since(start).Round(time.Millisecond))
	if len(got) != len(want) || len(got) < 2900 {
		t.Fatalf("listed %d persons, the payments have %d", len(got), len(want))
	}
	for i, p := range got {
		if i > 0 && got[i-1].IDNumber >= p.IDNumber {
			t.Fatalf("not in ID order at %d", i)
		}
		if p.Name == "" || !maps.Equal(p.Spans, want[p.IDNumber]) {
			t.Fatalf("%s: name %q spans %v, payments give %v", p.IDNumber, p.Name, p.Spans, want[p.IDNumber])
		}
	}

	// Paged by 250 with one type: the same persons' injury spans, nothing else.
	res := Result[PaidPerson]{Next: ""}
	n := 0
	for page := 0; page == 0 || res.Next != ""; page++ {
		res, err = s.PaidPersons(ctx, Query{USCC: u.USCC, From: from, To: to, Page: Page{After: res.Next, Limit: 250}}, []Type{TypeInjury})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Rows {
			if len(p.Spans) != 1 || p.Spans[TypeInjury] != want[p.IDNumber][TypeInjury] {
				t.Fatalf("%s: injury only gave %v", p.IDNumber, p.Spans)
			}
			n++
		}
	}
	if n != len(want) {
		t.Fatalf("injury list has %d persons, want %d", n, len(want))
	}

	// One person by ID number.
	one, err := s.PaidPersons(ctx, Query{USCC: u.USCC, From: from, To: to, Person: got[7].IDNumber}, nil)
	if err != nil || len(one.Rows) != 1 || one.Rows[0].IDNumber != got[7].IDNumber {
		t.Fatalf("person filter: %v %v", one.Rows, err)
	}
}

func TestPaidPersonsNeedsAPeriod(t *testing.T) {
	s := New(storetest.SQLite(t))
	for _, q := range []Query{{USCC: unitUSCC}, {USCC: unitUSCC, From: 202501}, {USCC: unitUSCC, From: 202502, To: 202501}} {
		if _, err := s.PaidPersons(context.Background(), q, nil); !errors.Is(err, ErrPeriod) {
			t.Errorf("%+v: %v, want ErrPeriod", q, err)
		}
	}
}
