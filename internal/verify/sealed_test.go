package verify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// TestSessionsSealedAtRest: what `select * from verify_sessions` shows holds neither
// the ID number nor the name of a session's expected person, on both engines, while
// Status, Lookup, the development screen's result and Consume still see that person;
// a sealed name moved to another session does not open there.
func TestSessionsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, dev := devService(db, clk, Config{})
		who := people(7, 2)
		first := mustStart(t, svc, PurposeRecover, who[0])
		second := mustStart(t, svc, PurposeUpgrade, who[1])
		if n := len(storetest.RawRows(t, db, "SELECT * FROM verify_sessions")); n != 2 {
			t.Fatalf("%d rows, want 2", n)
		}
		for _, p := range who {
			storetest.HoldsNone(t, db, "verify_sessions", p.IDNumber, p.Name)
		}
		if got, err := svc.Status(ctx, first.ID, browserA); err != nil || got.Expected != who[0] {
			t.Errorf("Status = %+v, %v; want %+v", got, err, who[0])
		}
		if got, err := svc.Lookup(ctx, second.ID); err != nil || got.Expected != who[1] {
			t.Errorf("Lookup = %+v, %v; want %+v", got, err, who[1])
		}
		if done, err := dev.CompleteInApp(ctx, first.ID, who[0], true); err != nil || done.Status != Passed {
			t.Fatalf("CompleteInApp by the expected person = %+v, %v", done, err)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			got, err := svc.Consume(ctx, tx, first.ID, browserA)
			if err == nil && got.Expected != who[0] {
				t.Errorf("Consume = %+v; want %+v", got, who[0])
			}
			return err
		})
		if err != nil {
			t.Fatalf("Consume: %v", err)
		}

		// The first session's sealed name copied onto the second does not open there:
		// nobody can make a session expect someone else by moving values around.
		if _, err := db.Exec(ctx, `UPDATE verify_sessions SET name = (SELECT name FROM verify_sessions WHERE id = ?) WHERE id = ?`,
			first.ID, second.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Lookup(ctx, second.ID); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("Lookup of a moved name: %v, want %v", err, sealed.ErrAuthentication)
		} else if strings.Contains(err.Error(), second.ID) {
			// The id is the QR code's token: an error that may reach a log names no session.
			t.Errorf("the refusal names the session: %v", err)
		}
		if _, err := dev.CompleteInApp(ctx, second.ID, who[0], true); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("CompleteInApp on a moved name: %v, want %v", err, sealed.ErrAuthentication)
		}
	})
}

// TestMigrationSealsClearSessions: sessions kept in clear (the schema before 0044),
// one of them in progress during the upgrade, are sealed by migration 0044's Go half:
// each reads back with its expected person, the pending one still completes, and no
// clear value is left; without a data key the migration is refused.
func TestMigrationSealsClearSessions(t *testing.T) {
	storetest.EachBefore(t, 44, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		now := store.Time(clk.Now())
		who := people(11, 3)
		ids := make([]string, len(who))
		for i, p := range who {
			ids[i] = token.New()
			status, completed := "pending", any(nil)
			if i > 0 {
				status, completed = "failed", now
			}
			if _, err := db.Exec(ctx, `INSERT INTO verify_sessions (id, purpose, binding_hash, id_type, id_number, name,
				status, created_at, expires_at, completed_at, provider) VALUES (?, 'recover', ?, ?, ?, ?, ?, ?, ?, ?, 'dev')`,
				ids[i], token.Hash(browserA), string(p.IDType), p.IDNumber, p.Name, status, now, now.Add(5*time.Minute),
				completed); err != nil {
				t.Fatal(err)
			}
		}
		storetest.MigrateSealing(t, db, 44)
		svc, dev := devService(db, clk, Config{})
		for i, p := range who {
			got, err := svc.Status(ctx, ids[i], browserA)
			if err != nil || got.Expected != p {
				t.Errorf("session %d after the migration: %+v, %v; want %+v", i, got, err, p)
			}
		}
		if done, err := dev.CompleteInApp(ctx, ids[0], who[0], true); err != nil || done.Status != Passed {
			t.Errorf("the session pending during the upgrade: %+v, %v", done, err)
		}
		for _, p := range who {
			storetest.HoldsNone(t, db, "verify_sessions", p.IDNumber, p.Name)
		}
	})
}
