package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// replacePassword is a writer that replaces the person's password and takes back
// the proofs the old one made, in the order the hall's changes take the rows (the
// account, then its sessions), without ending the sessions: what a proof recorded
// with the old password would survive if nothing made the two wait for each other.
func replacePassword(ctx context.Context, db *store.DB, personID int64, hash string) error {
	return db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE persons SET password_hash = ? WHERE id = ?`, hash, personID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sessions SET proof = ? WHERE person_id = ? AND proof = ?`,
			string(ProofSMS), personID, string(ProofPassword))
		return err
	})
}

// passwordProofs counts the person's sessions whose proof is the password.
func passwordProofs(t *testing.T, db *store.DB, personID int64) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM sessions WHERE person_id = ? AND proof = ?`,
		personID, string(ProofPassword)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProveContendsWithPasswordChange: Prove's check of the verified password
// holds the account's row until the proof is recorded. A change of the password
// waits for an open Prove (PostgreSQL: the row lock; SQLite: the one writer), so
// the proof it records rests on the password stored at its commit and the change
// takes it back. Then many re-authentications with the old password race one
// change: none deadlocks, each is recorded before the change or refused after it
// (ErrCredentialChanged), and no proof of the old password survives the change.
func TestProveContendsWithPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 70)
		pid := w.admin.ID
		sms := func() string {
			t.Helper()
			tok, _, err := w.ss.Create(ctx, Subject{PersonID: pid}, Meta{Proof: ProofSMS})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		old := w.verified(t, Subject{PersonID: pid}, ProofPassword)

		// The pair: the Prove held open, the change behind it.
		tok := sms()
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			now := w.ss.dbNow()
			_, err := w.ss.updateLiveIn(ctx, tx, tok, now, ProofPassword, old, proofSet, string(ProofPassword), now)
			return err
		}, func(db *store.DB) error {
			return replacePassword(ctx, db, pid, old.hash+"1")
		}, "UPDATE persons")
		if err != nil {
			t.Fatalf("the change behind the Prove: %v", err)
		}
		if n := passwordProofs(t, db, pid); n != 0 {
			t.Fatalf("%d password proofs survive the change, want 0", n)
		}

		// The crowd: re-authentications with the password stored now, until the
		// change has replaced it.
		current := w.verified(t, Subject{PersonID: pid}, ProofPassword)
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		const provers = 8
		tokens := make([]string, provers)
		for i := range tokens {
			tokens[i] = sms()
		}
		errs := storetest.CrowdAndChange(ctx, provers,
			func(ctx context.Context, i int) error {
				_, err := w.ss.Prove(ctx, tokens[i], ProofPassword, current)
				return err
			},
			func(err error) bool { return errors.Is(err, ErrCredentialChanged) },
			func(ctx context.Context) error { return replacePassword(ctx, db, pid, current.hash+"2") })
		for _, err := range errs {
			t.Errorf("a re-authentication or the change failed (a deadlock would end the context): %v", err)
		}
		if n := passwordProofs(t, db, pid); n != 0 {
			t.Errorf("%d password proofs of the replaced password survive the change, want 0", n)
		}
	})
}
