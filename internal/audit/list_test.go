package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

var listActions = []string{"login.password", "login.sms", "grant.add", "logout"}

// seedList records 30 entries one minute apart: unit 1 or 2, person 1–3, four actions.
func seedList(t *testing.T, l *Log) []Entry {
	t.Helper()
	var all []Entry
	for i := range 30 {
		e := Entry{UnitID: int64(i%2 + 1), PersonID: int64(i%3 + 1), Action: listActions[i%4], Result: Success}
		if i%5 == 0 {
			e.UnitID = 0 // a personal action outside any unit
		}
		if i%7 == 0 {
			e.StaffID = int64(i%2 + 1) // a back-office action
		}
		seq, err := l.Record(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		e.Seq = seq
		all = append(all, e)
	}
	got, _, err := l.List(context.Background(), Filter{PerPage: 100})
	if err != nil || len(got) != 30 {
		t.Fatalf("List all = %d, %v", len(got), err)
	}
	slices.Reverse(got)
	for i := range all {
		all[i].At = got[i].At
	}
	return all
}

func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, clock())
		if got, total, err := l.List(ctx, Filter{}); err != nil || total != 0 || len(got) != 0 {
			t.Fatalf("empty List = %v, %d, %v", got, total, err)
		}
		all := seedList(t, l)
		since, until := all[10].At, all[20].At
		for _, tc := range []struct {
			f     Filter
			match func(Entry) bool
		}{
			{Filter{}, func(Entry) bool { return true }},
			{Filter{UnitID: 1}, func(e Entry) bool { return e.UnitID == 1 }},
			{Filter{PersonID: 2}, func(e Entry) bool { return e.PersonID == 2 }},
			{Filter{UnitID: 2, PersonID: 3}, func(e Entry) bool { return e.UnitID == 2 && e.PersonID == 3 }},
			{Filter{Action: "login."}, func(e Entry) bool { return strings.HasPrefix(e.Action, "login.") }},
			{Filter{Action: "log"}, func(e Entry) bool { return strings.HasPrefix(e.Action, "log") }},
			{Filter{Action: "login.sms"}, func(e Entry) bool { return e.Action == "login.sms" }},
			{Filter{Action: "LOGIN"}, func(Entry) bool { return false }},
			{Filter{Action: "z\x00\xff"}, func(Entry) bool { return false }},
			{Filter{Since: since}, func(e Entry) bool { return !e.At.Before(since) }},
			{Filter{Until: until}, func(e Entry) bool { return e.At.Before(until) }},
			{Filter{Since: since, Until: until.In(time.FixedZone("CST", 8*3600))},
				func(e Entry) bool { return !e.At.Before(since) && e.At.Before(until) }},
			{Filter{UnitID: 1, Action: "login", Since: since},
				func(e Entry) bool {
					return e.UnitID == 1 && strings.HasPrefix(e.Action, "login") && !e.At.Before(since)
				}},
			{Filter{UnitID: 99}, func(Entry) bool { return false }},
			{Filter{StaffID: 1}, func(e Entry) bool { return e.StaffID == 1 }},
			{Filter{ExcludeStaffID: 1}, func(e Entry) bool { return e.StaffID != 1 }},
			{Filter{StaffID: 2, ExcludeStaffID: 2}, func(Entry) bool { return false }},
		} {
			var want []int64
			for i := len(all) - 1; i >= 0; i-- {
				if tc.match(all[i]) {
					want = append(want, all[i].Seq)
				}
			}
			for _, perPage := range []int{7, 100} {
				var got []int64
				for page := 1; ; page++ {
					f := tc.f
					f.Page, f.PerPage = page, perPage
					es, total, err := l.List(ctx, f)
					if err != nil {
						t.Fatalf("List(%+v): %v", f, err)
					}
					if total != len(want) {
						t.Errorf("List(%+v) total = %d, want %d", f, total, len(want))
					}
					for _, e := range es {
						got = append(got, e.Seq)
					}
					if len(es) < perPage {
						break
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("List(%+v) per %d = %v, want %v", tc.f, perPage, got, want)
				}
			}
		}
	})
}

func TestListPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, clock())
		for range MaxPerPage + 5 {
			if _, err := l.Record(ctx, Entry{Action: "login.password", Result: Failure}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			f         Filter
			n         int
			first     int64
			wantTotal int
		}{
			{Filter{}, DefaultPerPage, MaxPerPage + 5, MaxPerPage + 5},
			{Filter{PerPage: 1000}, MaxPerPage, MaxPerPage + 5, MaxPerPage + 5},
			{Filter{Page: 2, PerPage: 1000}, 5, 5, MaxPerPage + 5},
			{Filter{Page: -3, PerPage: 10}, 10, MaxPerPage + 5, MaxPerPage + 5},
			{Filter{Page: 1 << 40, PerPage: 10}, 0, 0, MaxPerPage + 5},
			{Filter{Action: "login", Page: 11, PerPage: 10}, 5, 5, MaxPerPage + 5},
		} {
			es, total, err := l.List(ctx, tc.f)
			if err != nil || len(es) != tc.n || total != tc.wantTotal || (tc.n > 0 && es[0].Seq != tc.first) {
				t.Errorf("List(%+v) = %d entries, total %d, %v", tc.f, len(es), total, err)
			}
		}
	})
}

// TestListUsesIndexes asks each engine for its plan with sequential scans discouraged
// (PostgreSQL picks them on tiny tables whatever the indexes).
func TestListUsesIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := New(db, testKey, clock())
		seedList(t, l)
		now := time.Now()
		for _, tc := range []struct {
			f     Filter
			index string
		}{
			{Filter{UnitID: 1}, "audit_log_unit"},
			{Filter{PersonID: 1}, "audit_log_person"},
			{Filter{Action: "login."}, "audit_log_action"},
			{Filter{Since: now.Add(-time.Hour), Until: now}, "audit_log_at"},
			{Filter{}, "audit_log_at"},
		} {
			where, args := tc.f.where()
			for _, q := range []string{
				"SELECT " + columns + " FROM audit_log" + where + " ORDER BY at DESC, seq DESC LIMIT 20 OFFSET 0",
				"SELECT COUNT(*) FROM audit_log" + where,
			} {
				if tc.f == (Filter{}) && strings.Contains(q, "COUNT") {
					continue // answered from audit_head
				}
				plan := explain(t, db, q, args)
				if !strings.Contains(plan, tc.index) {
					t.Errorf("%s\nplan does not use %s:\n%s", q, tc.index, plan)
				}
			}
		}
	})
}

func explain(t *testing.T, db *store.DB, q string, args []any) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := db.Tx(ctx, func(tx *store.Tx) error {
		prefix := "EXPLAIN QUERY PLAN "
		if tx.Engine() == store.Postgres {
			prefix = "EXPLAIN "
			if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, prefix+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			for _, v := range vals {
				fmt.Fprint(&b, *(v.(*any)), " ")
			}
			b.WriteString("\n")
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	return b.String()
}
