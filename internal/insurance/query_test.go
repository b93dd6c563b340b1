package insurance

import (
	"context"
	"slices"
	"strings"
	"testing"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// pageAll pages through a list with the given page size and returns every row,
// failing on a row seen twice (by key).
func pageAll[T any](t *testing.T, q Query, page func(context.Context, Query) (Result[T], error), key func(T) string) []T {
	t.Helper()
	var all []T
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		res, err := page(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) > q.limit() {
			t.Fatalf("page of %d rows, limit %d", len(res.Rows), q.limit())
		}
		for _, r := range res.Rows {
			k := key(r)
			if seen[k] {
				t.Fatalf("row %s returned twice", k)
			}
			seen[k] = true
			all = append(all, r)
		}
		if res.Next == "" {
			return all
		}
		if len(res.Rows) != q.limit() {
			t.Fatalf("page of %d rows before the last, limit %d", len(res.Rows), q.limit())
		}
		q.After = res.Next
	}
}

// TestLargeUnit loads one 3,000-employee unit with 36 months of payments per engine
// (about 324,000 rows: the slow part under the race detector) and runs on it every
// check that needs a unit of that size. The checks only read. The unit's payments
// are read once, by the paging check, and the others compare the lists they check
// with those rows: under the race detector each pass over them costs about as much
// as loading them.
func TestLargeUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		u, st := loadLargeUnit(t, db, 3000)
		var all []Payment
		t.Run("paging returns each row once", func(t *testing.T) { all = checkPagingReturnsEachRowOnce(t, db, u, st) })
		if all == nil {
			t.Fatal("the paging check read no payments to compare the other lists with")
		}
		t.Run("paid persons match payments", func(t *testing.T) { checkPaidPersonsMatchPayments(t, db, u, all) })
		t.Run("monthly totals match payments", func(t *testing.T) { checkMonthlyTotalsMatchPayments(t, db, u, all) })
	})
}

// checkPagingReturnsEachRowOnce: every tab's keyset paging through the large unit
// gives each row once, in order. It returns the unit's payments, newest first.
func checkPagingReturnsEachRowOnce(t *testing.T, db *store.DB, u DemoUnit, st DemoStats) []Payment {
	ctx := context.Background()
	s := New(db)
	last := MonthOf(testNow).Add(-1)

	// 人员缴费基数 of the last month: every active person once per type, in
	// pages of 100; the count matches the table.
	var want int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM insurance_payments WHERE uscc = ? AND month = ?", u.USCC, int64(last)).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want < 3*2900 {
		t.Fatalf("only %d payments in the last month; the unit should have about 3,000 employees", want)
	}
	rows := pageAll(t, Query{USCC: u.USCC, Month: last, Page: Page{Limit: 100, Oldest: true}}, s.Bases,
		func(p Payment) string { return p.IDNumber + string(p.Type) })
	if len(rows) != want {
		t.Fatalf("paged %d bases, the table has %d", len(rows), want)
	}
	for i := 1; i < len(rows); i++ {
		if a, b := rows[i-1], rows[i]; a.Type > b.Type || a.Type == b.Type && a.IDNumber >= b.IDNumber {
			t.Fatalf("bases not in type, ID order at %d", i)
		}
	}
	for _, p := range rows {
		if p.Name == "" || p.Base < DefaultBounds.Floor || p.Base > DefaultBounds.Ceiling {
			t.Fatalf("payment %+v: no name or base outside the bounds", p)
		}
	}

	// 缴费信息 over all 36 months, newest first, in pages of MaxLimit: all rows once.
	var all []Payment
	err := Stream(ctx, Query{USCC: u.USCC}, s.Payments, func(p Payment) error {
		if n := len(all); n > 0 && !paymentBefore(p, all[n-1]) {
			t.Fatalf("payments not newest first: %+v after %+v", p, all[n-1])
		}
		all = append(all, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != st.Payments {
		t.Fatalf("streamed %d payments, loaded %d", len(all), st.Payments)
	}

	// Three months of them, oldest first: the same rows, the other way round.
	from, to := last.Add(-20), last.Add(-18)
	var window []Payment
	for _, p := range slices.Backward(all) {
		if p.Month >= from && p.Month <= to {
			window = append(window, p)
		}
	}
	i := 0
	err = Stream(ctx, Query{USCC: u.USCC, From: from, To: to, Page: Page{Oldest: true}}, s.Payments, func(p Payment) error {
		if i >= len(window) || p != window[i] {
			t.Fatalf("payments of %s..%s oldest first: row %d is %+v, not the row read newest first", from, to, i, p)
		}
		i++
		return nil
	})
	if err != nil || i != len(window) || i < 3*3*2900 {
		t.Fatalf("payments of %s..%s oldest first: %d rows of %d, %v", from, to, i, len(window), err)
	}

	// 人员月度变更, oldest first, pages of 37.
	changes := pageAll(t, Query{USCC: u.USCC, Page: Page{Limit: 37, Oldest: true}}, s.Changes,
		func(c Change) string { return c.Month.String() + c.IDNumber + string(c.Kind) })
	if len(changes) != st.Changes || len(changes) == 0 {
		t.Fatalf("paged %d changes, loaded %d", len(changes), st.Changes)
	}
	for i := 1; i < len(changes); i++ {
		if changes[i-1].Month > changes[i].Month {
			t.Fatalf("changes not oldest first at %d", i)
		}
	}

	// Filter by person: one person's payments, by ID number and by name.
	p := rows[0]
	byID := pageAll(t, Query{USCC: u.USCC, Person: p.IDNumber, Page: Page{Limit: 10}}, s.Payments,
		func(x Payment) string { return x.Month.String() + string(x.Type) })
	if len(byID) == 0 {
		t.Fatal("no payments for the person")
	}
	for _, x := range byID {
		if x.IDNumber != p.IDNumber {
			t.Fatalf("filter by ID returned %s", x.IDNumber)
		}
	}
	byName, err := s.Payments(ctx, Query{USCC: u.USCC, Person: p.Name, Page: Page{Limit: MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range byName.Rows {
		if x.Name != p.Name {
			t.Fatalf("filter by name returned %s", x.Name)
		}
	}

	// Filter by the masks the pages show: the ID number's mask keeps the
	// person among the few whose IDs fit it, the name's mask likewise, in a list
	// with names of its own (Reaching's) and in one through the employees.
	idMask := ident.MaskID(p.IDNumber)
	for _, mask := range []string{idMask, ident.MaskName(p.Name)} {
		fits, err := s.Payments(ctx, Query{USCC: u.USCC, Person: mask, Month: last, Page: Page{Limit: MaxLimit}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range fits.Rows {
			found = found || x.IDNumber == p.IDNumber
			if ident.MaskID(x.IDNumber) != idMask && ident.MaskName(x.Name) != ident.MaskName(p.Name) {
				t.Fatalf("mask %q kept %s %s", mask, x.IDNumber, x.Name)
			}
		}
		if !found || len(fits.Rows) >= len(rows) {
			t.Fatalf("mask %q: %d rows of %d, the person's among them: %v", mask, len(fits.Rows), len(rows), found)
		}
	}

	// 到龄人员 in the next 12 months and 超龄人员 now: each retirement month is
	// what Retirement says, in range, and they are enrolled.
	reaching := pageAll(t, Query{USCC: u.USCC, From: last.Add(1), To: last.Add(12), Page: Page{Limit: 7, Oldest: true}},
		s.Reaching, func(e Employee) string { return e.IDNumber })
	over := pageAll(t, Query{USCC: u.USCC, Month: last, Page: Page{Limit: 7}}, s.OverAge, func(e Employee) string { return e.IDNumber })
	if len(reaching) == 0 || len(over) == 0 {
		t.Fatalf("%d reaching, %d over age: the demo should have both", len(reaching), len(over))
	}
	for _, e := range append(reaching, over...) {
		birth, ok := ParseMonth(e.BirthDate[:7])
		if _, at := Retirement(birth, e.Sex, e.Category); !ok || at != e.RetireMonth {
			t.Fatalf("%+v: stored retirement month differs from Retirement's %s", e, at)
		}
	}
	for _, e := range reaching {
		if e.RetireMonth <= last || e.RetireMonth > last.Add(12) {
			t.Fatalf("reaching %+v outside the range", e)
		}
	}
	for _, e := range over {
		if e.RetireMonth > last {
			t.Fatalf("over age %+v not over age", e)
		}
	}

	// The small lists.
	enr, err := s.Enrolments(ctx, Query{USCC: u.USCC})
	if err != nil || len(enr.Rows) != 3 {
		t.Fatalf("enrolments %v, %v", enr.Rows, err)
	}
	for _, f := range []func() (int, error){
		func() (int, error) { r, err := s.Pensioners(ctx, Query{USCC: u.USCC}); return len(r.Rows), err },
		func() (int, error) { r, err := s.Exemptions(ctx, Query{USCC: u.USCC}); return len(r.Rows), err },
		func() (int, error) { r, err := s.Projects(ctx, Query{USCC: u.USCC}); return len(r.Rows), err },
		func() (int, error) { r, err := s.Subsidiaries(ctx, Query{USCC: u.USCC}); return len(r.Rows), err },
	} {
		if n, err := f(); err != nil || n == 0 {
			t.Fatalf("list: %d rows, %v", n, err)
		}
	}

	// A cursor of another list, or garbage, is refused.
	res, err := s.Changes(ctx, Query{USCC: u.USCC})
	if err != nil || res.Next == "" {
		t.Fatal(err)
	}

	// Paging back: from the second page, the rows before its First in the
	// reversed order are the first page, nearest first.
	second, err := s.Changes(ctx, Query{USCC: u.USCC, Page: Page{After: res.Next}})
	if err != nil || len(second.Rows) == 0 || second.First == "" {
		t.Fatalf("second page: %d rows, first %q, %v", len(second.Rows), second.First, err)
	}
	back, err := s.Changes(ctx, Query{USCC: u.USCC, Page: Page{After: second.First, Oldest: true}})
	if err != nil || len(back.Rows) != len(res.Rows) || back.Next != "" {
		t.Fatalf("back from the second page: %d rows (want %d), next %q, %v", len(back.Rows), len(res.Rows), back.Next, err)
	}
	for i, c := range back.Rows {
		if c != res.Rows[len(res.Rows)-1-i] {
			t.Fatalf("back row %d is %+v, want %+v", i, c, res.Rows[len(res.Rows)-1-i])
		}
	}
	if _, err := s.Payments(ctx, Query{USCC: u.USCC, Page: Page{After: res.Next}}); err != ErrBadCursor {
		t.Fatalf("another list's cursor: %v", err)
	}
	if _, err := s.Payments(ctx, Query{USCC: u.USCC, Page: Page{After: "%%%"}}); err != ErrBadCursor {
		t.Fatalf("garbage cursor: %v", err)
	}
	return all
}

// paymentBefore says whether a comes before b newest first: by month, type and ID
// number, all descending.
func paymentBefore(b, a Payment) bool {
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	if a.Type != b.Type {
		return a.Type > b.Type
	}
	return a.IDNumber > b.IDNumber
}

// BenchmarkPages measures one page of 20 rows of the 3,000-employee unit's largest
// lists, deep in the list (after 200 pages), on both engines.
func BenchmarkPages(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := storetest.SQLite(b)
			if engine == "postgres" {
				db = storetest.Postgres(b)
			}
			u, _ := loadLargeUnit(b, db, 3000)
			s := New(db)
			ctx := context.Background()
			last := MonthOf(testNow).Add(-1)
			deep := func(q Query, page func(context.Context, Query) (Result[Payment], error)) Query {
				q.Limit = 20
				for range 200 {
					res, err := page(ctx, q)
					if err != nil || res.Next == "" {
						b.Fatal(err)
					}
					q.After = res.Next
				}
				return q
			}
			for _, l := range []struct {
				name string
				q    Query
				page func(context.Context, Query) (Result[Payment], error)
			}{
				{"payments", Query{USCC: u.USCC}, s.Payments},
				{"bases", Query{USCC: u.USCC, Month: last}, s.Bases},
			} {
				q := deep(l.q, l.page)
				b.Run(l.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := l.page(ctx, q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("payments-by-person", func(b *testing.B) {
				res, err := s.Bases(ctx, Query{USCC: u.USCC, Month: last})
				if err != nil {
					b.Fatal(err)
				}
				q := Query{USCC: u.USCC, Person: res.Rows[0].IDNumber}
				for b.Loop() {
					if _, err := s.Payments(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func TestMaskPattern(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"3***************12", "3_______________12", true},
		{"*三", "_三", true},
		{"王_5%!*", "王!_5!%!!_", true},
		{"****", "", false},
		{"王伟", "", false},
		{"", "", false},
	} {
		got, ok := maskPattern(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("maskPattern(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestCursorNarrowsTheRange: a page after a cursor of a list with a date range
// bounds the date by the cursor inside that range, the one pair of bounds it has.
// With the cursor's bound beside the range's, SQLite seeked by the range's, and
// each page read the list from the top of the range down to its cursor: the 324th
// page of 1,000 of the large unit's payments read 324,000 rows.
func TestCursorNarrowsTheRange(t *testing.T) {
	type check struct {
		name      string
		query     func() (string, []any, error)
		key       string // the list's first key
		wantRange [2]int64
	}
	cursor := func(name string, key ...any) string { return encodeCursor(name, key) }
	q := func(after string, oldest bool) Query {
		return Query{USCC: unitUSCC, Page: Page{After: after, Oldest: oldest}}
	}
	for _, c := range []check{
		{"payments newest first", func() (string, []any, error) {
			return payments.query(store.SQLite, q(cursor("payments", 202406, "pension", "X"), false), []any{int64(0), int64(999912)})
		}, "p.month", [2]int64{0, 202406}},
		{"payments newest first, To before the cursor", func() (string, []any, error) {
			return payments.query(store.SQLite, q(cursor("payments", 202406, "pension", "X"), false), []any{int64(202301), int64(202403)})
		}, "p.month", [2]int64{202301, 202403}},
		{"payments oldest first", func() (string, []any, error) {
			return payments.query(store.Postgres, q(cursor("payments", 202406, "pension", "X"), true), []any{int64(202401), int64(202412)})
		}, "p.month", [2]int64{202406, 202412}},
		{"over age newest first", func() (string, []any, error) {
			return overAge.query(store.SQLite, q(cursor("overage", 201905, "X"), false), []any{int64(0), int64(202611)})
		}, "m.retire_month", [2]int64{0, 201905}},
		{"reaching oldest first", func() (string, []any, error) {
			return reaching.query(store.SQLite, q(cursor("reaching", 202702, "X"), true), []any{int64(202612), int64(202711)})
		}, "m.retire_month", [2]int64{202702, 202711}},
	} {
		sql, args, err := c.query()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		bounds := strings.Count(sql, c.key+" BETWEEN ")
		for _, cmp := range []string{" < ", " <= ", " > ", " >= ", " = "} {
			bounds += strings.Count(sql, c.key+cmp)
		}
		if bounds != 1 || !strings.Contains(sql, c.key+" BETWEEN ") {
			t.Errorf("%s: %s has %d bounds, want its range alone: %s", c.name, c.key, bounds, sql)
		}
		if len(args) < 3 || args[1] != c.wantRange[0] || args[2] != c.wantRange[1] {
			t.Errorf("%s: range %v, want %v", c.name, args[1:3], c.wantRange)
		}
	}
}
