package staff

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// TestStartSessionContendsWithReset: StartSession's check of the verified
// password holds the account's row until the session is inserted. A reset waits
// for an open start (PostgreSQL: the row lock; SQLite: the one writer) and then
// ends the session it made, so no session outlives the password it rests on.
// Then many starts with the password Login verified race one reset by the
// security administrator: none deadlocks, each starts before the reset or is
// refused after it (ErrBadCredentials), and no session of the account survives.
func TestStartSessionContendsWithReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		clerk, _ := f.create(t, sec, "clerk.contend", RoleClerk)
		live := func() int {
			t.Helper()
			var n int
			if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ? AND ended_at IS NULL`,
				clerk.StaffID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The pair: the start held open, a reset (as ResetCredentials takes the
		// rows: the account, then its sessions) behind it.
		st := f.verified(t, clerk.StaffID)
		now := f.svc.dbNow()
		sess := Session{ID: token.Hash(token.New()), CreatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: now.Add(time.Hour)}
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			return f.svc.startIn(ctx, tx, st, sess, "", "192.0.2.40", "test")
		}, func(db *store.DB) error {
			return db.Tx(f.ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(f.ctx, `UPDATE staff SET password_hash = 'reset' || password_hash WHERE id = ?`, clerk.StaffID); err != nil {
					return err
				}
				_, err := tx.Exec(f.ctx, `UPDATE staff_sessions SET ended_at = ? WHERE staff_id = ? AND ended_at IS NULL`,
					now, clerk.StaffID)
				return err
			})
		}, "UPDATE staff")
		if err != nil {
			t.Fatalf("the reset behind the start: %v", err)
		}
		if n := live(); n != 0 {
			t.Fatalf("%d live sessions after the reset, want 0", n)
		}

		// The crowd: starts with the password stored now, until the reset.
		st = f.verified(t, clerk.StaffID)
		ctx, cancel := context.WithTimeout(f.ctx, time.Minute)
		defer cancel()
		const starters = 8
		errs := storetest.CrowdAndChange(ctx, starters,
			func(ctx context.Context, _ int) error {
				_, _, err := f.svc.StartSession(ctx, st, "", "192.0.2.41", "test")
				return err
			},
			func(err error) bool { return errors.Is(err, ErrBadCredentials) },
			func(ctx context.Context) error {
				_, err := f.svc.ResetCredentials(ctx, sec, clerk.StaffID, "遗失动态口令")
				return err
			})
		for _, err := range errs {
			t.Errorf("a start or the reset failed (a deadlock would end the context): %v", err)
		}
		if n := live(); n != 0 {
			t.Errorf("%d live sessions of the reset account, want 0", n)
		}
	})
}
