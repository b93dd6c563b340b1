package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// seed records n entries and returns them newest first.
func seed(t *testing.T, l *Log, n int) []Entry {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		e := Entry{PersonID: int64(i + 1), Action: "login.password", Result: Success, ClientIP: "198.51.100.1"}
		if i%2 == 1 {
			e.UnitID = 9
		}
		if _, err := l.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := l.List(ctx, Filter{PerPage: n})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// dropGuards removes the append-only triggers, as an attacker with database access can.
func dropGuards(t *testing.T, db *store.DB) {
	t.Helper()
	if db.Engine == store.Postgres {
		exec(t, db, "ALTER TABLE audit_log DISABLE TRIGGER USER")
		exec(t, db, "ALTER TABLE audit_head DISABLE TRIGGER USER")
		return
	}
	for _, tr := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_extends_head",
		"audit_head_advance", "audit_head_no_delete"} {
		exec(t, db, "DROP TRIGGER "+tr)
	}
}

func TestTamperingIsFound(t *testing.T) {
	const forged = "INSERT INTO audit_log (" + columns + ") SELECT 6, at, person_id, unit_id, role, staff_id, " +
		"action, target, result, client_ip, request_id, detail, hash, hash FROM audit_log WHERE seq = 5"
	type tamperCase struct {
		name   string
		tamper func(t *testing.T, db *store.DB, rows []Entry)
		at     int64
		reason Reason
	}
	cases := []tamperCase{
		{"action changed", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "UPDATE audit_log SET action = 'login.sms' WHERE seq = 3")
		}, 3, ReasonHash},
		{"unit set", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "UPDATE audit_log SET unit_id = 9 WHERE seq = 1")
		}, 1, ReasonHash},
		{"unit cleared", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "UPDATE audit_log SET unit_id = NULL WHERE seq = 2")
		}, 2, ReasonHash},
		{"NULL id stored as 0", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "UPDATE audit_log SET unit_id = 0 WHERE seq = 3")
		}, 3, ReasonHash},
		{"time moved by a microsecond", func(t *testing.T, db *store.DB, rows []Entry) {
			exec(t, db, "UPDATE audit_log SET at = ? WHERE seq = 4", rows[1].At.Add(time.Microsecond))
		}, 4, ReasonHash},
		{"detail edited", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, `UPDATE audit_log SET detail = '{"x":"y"}' WHERE seq = 2`)
		}, 2, ReasonHash},
		{"row deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "DELETE FROM audit_log WHERE seq = 3")
		}, 3, ReasonGap},
		{"first row deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "DELETE FROM audit_log WHERE seq = 1")
		}, 1, ReasonGap},
		{"prev_hash edited", func(t *testing.T, db *store.DB, rows []Entry) {
			exec(t, db, "UPDATE audit_log SET prev_hash = ? WHERE seq = 3", rows[0].Hash)
		}, 3, ReasonPrev},
		{"hash edited", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "UPDATE audit_log SET hash = ? WHERE seq = 2", strings.Repeat("ab", 32))
		}, 2, ReasonHash},
		{"last row deleted", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, "DELETE FROM audit_log WHERE seq = 5")
		}, 5, ReasonHead},
		{"head hash edited", func(t *testing.T, db *store.DB, rows []Entry) {
			exec(t, db, "UPDATE audit_head SET hash = ? WHERE id = 1", rows[1].Hash)
		}, 5, ReasonHead},
		{"head moved back", func(t *testing.T, db *store.DB, rows []Entry) {
			exec(t, db, "UPDATE audit_head SET seq = 4, hash = ? WHERE id = 1", rows[1].Hash)
		}, 5, ReasonHead},
		{"row forged without the key", func(t *testing.T, db *store.DB, _ []Entry) {
			exec(t, db, forged)
		}, 6, ReasonHash},
		{"row added behind the head", func(t *testing.T, db *store.DB, rows []Entry) {
			// A well-hashed row 6 whose head update is then undone.
			if _, err := New(db, testKey, nil).Record(context.Background(), Entry{Action: "x", Result: Success}); err != nil {
				t.Fatal(err)
			}
			exec(t, db, "UPDATE audit_head SET seq = 5, hash = ? WHERE id = 1", rows[0].Hash)
		}, 6, ReasonHead},
		{"time made unreadable or moved", func(t *testing.T, db *store.DB, _ []Entry) {
			if db.Engine == store.SQLite {
				exec(t, db, "UPDATE audit_log SET at = 'yesterday' WHERE seq = 2")
			} else {
				exec(t, db, "UPDATE audit_log SET at = at + interval '1 hour' WHERE seq = 2")
			}
		}, 2, ReasonHash},
	}
	// One database per engine: the guards are dropped once and the log is reset
	// between cases (creating a PostgreSQL database per case is slow).
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dropGuards(t, db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				exec(t, db, "DELETE FROM audit_log")
				exec(t, db, "UPDATE audit_head SET seq = 0, hash = ? WHERE id = 1", genesisHash)
				l := New(db, testKey, clock())
				rows := seed(t, l, 5)
				mustVerifyOK(t, l, 5)
				tc.tamper(t, db, rows)
				res, err := l.Verify(context.Background())
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if res.OK || res.BrokenAt != tc.at || res.Reason != tc.reason {
					t.Fatalf("Verify = %s; want broken at %d: %s", res, tc.at, tc.reason)
				}
				if want := "audit log BROKEN at seq "; !strings.HasPrefix(res.String(), want) {
					t.Errorf("String() = %q", res)
				}
			})
		}
	})
}

func TestDatabaseRefusesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, clock())
		rows := seed(t, l, 3)
		forge := func(seq, prev string) string {
			return "INSERT INTO audit_log (" + columns + ") SELECT " + seq + ", at, person_id, unit_id, role, " +
				"staff_id, action, target, result, client_ip, request_id, detail, " + prev + ", hash " +
				"FROM audit_log WHERE seq = 3"
		}
		refused := []string{
			"UPDATE audit_log SET action = 'login.sms' WHERE seq = 2",
			"UPDATE audit_log SET result = 'success'",
			"DELETE FROM audit_log WHERE seq = 3",
			"DELETE FROM audit_log",
			"DELETE FROM audit_head",
			"UPDATE audit_head SET hash = '" + rows[1].Hash + "' WHERE id = 1",
			"UPDATE audit_head SET seq = 4 WHERE id = 1",
			"UPDATE audit_head SET seq = 2, hash = '" + rows[1].Hash + "' WHERE id = 1",
			// Rows that do not extend the head: seq taken, seq skipped, wrong link.
			forge("3", "hash"),
			forge("5", "hash"),
			forge("4", "'x'"),
		}
		if db.Engine == store.Postgres {
			refused = append(refused, "TRUNCATE audit_log", "TRUNCATE audit_head")
		}
		for _, q := range refused {
			_, err := db.Exec(ctx, q)
			if err == nil || !store.IsConstraintViolation(err) {
				t.Errorf("%s: err = %v, want a refusal by the database", q, err)
			}
			if strings.HasPrefix(q, "INSERT") && (err == nil || !strings.Contains(err.Error(), "audit_head")) {
				t.Errorf("forged insert not refused by the head check: %v", err)
			}
		}
		mustVerifyOK(t, l, 3)
		if seq, err := l.Record(ctx, Entry{Action: "login.password", Result: Success}); err != nil || seq != 4 {
			t.Fatalf("Record after refusals = %d, %v", seq, err)
		}
		mustVerifyOK(t, l, 4)
	})
}
