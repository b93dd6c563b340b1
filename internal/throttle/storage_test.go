package throttle

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// storedRow is a throttle_counters row as text, for asserting on the table.
type storedRow struct{ scope, key string }

func allRows(t *testing.T, db *store.DB) []storedRow {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT scope, key FROM throttle_counters ORDER BY scope, key")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedRow
	for rows.Next() {
		var r storedRow
		if err := rows.Scan(&r.scope, &r.key); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestTableHoldsNoIdentifiers: the keys are keyed hashes; no ID number, mobile or
// address (in any spelling, or any long run of its digits) is stored.
func TestTableHoldsNoIdentifiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		th, _ := newThrottle(db)
		ids := people(5, 3)
		ms := mobiles(5, 3)
		addrs := []string{"192.0.2.44", "198.51.100.7:40222", "2001:db8:aa:bb::17"}
		var raws []string
		for i := range 3 {
			keys := []Key{
				th.AccountKey(ScopeLoginAccount, strings.ToLower(ids[i])),
				th.AccountKey(ScopeSMSGuess, "+86 "+ms[i]),
				th.AddrKey(ScopeLoginAddr, addrs[i]),
			}
			if err := attempt(t, th, keys, false, false); err != nil {
				t.Fatal(err)
			}
			raws = append(raws, ids[i], ms[i], AddrGroup(addrs[i]), "192.0.2.44", "198.51.100.7", "2001:db8:aa:bb")
		}
		rows := allRows(t, db)
		if len(rows) != 9 {
			t.Fatalf("%d rows, want 9", len(rows))
		}
		for _, r := range rows {
			if !hexKey.MatchString(r.key) {
				t.Errorf("key %q is not 64 hex digits", r.key)
			}
			for _, raw := range raws {
				for _, part := range []string{raw, raw[:8], raw[len(raw)-8:]} {
					if strings.Contains(strings.ToUpper(r.key), strings.ToUpper(part)) || strings.Contains(r.scope, part) {
						t.Errorf("row %+v contains %q from an identifier", r, part)
					}
				}
			}
		}
	})
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		th, clock := newThrottle(db)
		ids := people(6, 4)
		key := func(i int) Key { return th.AccountKey(ScopeLoginAccount, ids[i]) }
		fail := func(k Key, n int) {
			for range n {
				if err := attempt(t, th, []Key{k}, true, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		fail(key(0), 2) // window will end: stale
		fail(key(1), 5) // lock will end: stale
		clock.Add(6 * time.Minute)
		fail(key(2), 5) // still locked at the sweep
		fail(key(3), 1) // window still open
		// A row of a scope no longer configured, last written long ago.
		old := clock.Now().UTC().Truncate(time.Microsecond).Add(-orphanAge - time.Hour)
		if _, err := db.Exec(ctx, `INSERT INTO throttle_counters (scope, key, failures, window_start, updated_at)
			VALUES ('retired-scope', ?, 1, ?, ?)`, strings.Repeat("ab", 32), old, old); err != nil {
			t.Fatal(err)
		}
		clock.Add(9 * time.Minute) // 15 min since key 0's window began; key 2 locked for 1 min more

		before := map[Key]State{}
		for i := range 4 {
			before[key(i)] = status(t, th, key(i))
		}
		n, err := th.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("Sweep deleted %d rows, want 3", n)
		}
		left := map[string]bool{}
		for _, r := range allRows(t, db) {
			left[r.key] = true
		}
		for i, want := range []bool{false, false, true, true} {
			if left[key(i).hash] != want {
				t.Errorf("key %d kept = %v, want %v", i, left[key(i).hash], want)
			}
			if after := status(t, th, key(i)); after != before[key(i)] {
				t.Errorf("key %d: Sweep changed the state from %+v to %+v", i, before[key(i)], after)
			}
		}
		if left[strings.Repeat("ab", 32)] {
			t.Error("the row of the retired scope was kept")
		}
	})
}
