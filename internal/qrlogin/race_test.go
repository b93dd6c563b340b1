package qrlogin

import (
	"context"
	"errors"
	"sync"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
	"hall/internal/unit"
)

// confirmed returns a unit ticket the legal rep of a new unit confirmed, and its
// binding.
func (f *fixture) confirmed(t *testing.T) (Ticket, string) {
	t.Helper()
	rep := f.person(t)
	return f.confirmedBy(t, rep, f.unit(t, rep))
}

// TestConsumeContended: while one consumer's transaction holds the ticket, a
// second consumer (another process: another handle and Service) is shut out by the
// database, and once the first commits it is told the ticket is used.
func TestConsumeContended(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		tk, b := f.confirmed(t)
		k, _ := parseKey(tk.ID, b)
		read, _, err := f.svc.read(f.ctx, f.db, tk.ID, k)
		if err != nil {
			t.Fatal(err)
		}
		err = storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			won, err := f.svc.consumeIn(ctx, tx, k, read, nil, pc)
			if err == nil && !won {
				err = errors.New("the first consumer did not win")
			}
			return err
		}, func(other *store.DB) error {
			_, err := f.service(t, other, Config{}).Consume(context.Background(), tk.ID, b, pc)
			return err
		}, "UPDATE qr_tickets")
		wantErr(t, "the second consumer", err, ErrUsed)
		// The statement itself refuses a consumer that read the ticket before the
		// first committed.
		if err := db.Tx(f.ctx, func(tx *store.Tx) error {
			won, err := f.svc.consumeIn(f.ctx, tx, k, read, nil, pc)
			if err == nil && won {
				err = errors.New("a stale read consumed the ticket again")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		logins := 0
		for _, e := range f.audits(t) {
			if e.Action == "login.unit.qr" {
				logins++
			}
		}
		if logins != 1 {
			t.Errorf("%d logins audited, want 1", logins)
		}
	})
}

// TestConsumeOnce: many tabs of the browser consume one confirmed ticket at once;
// exactly one signs in.
func TestConsumeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		tk, b := f.confirmed(t)
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { _, errs[i] = f.svc.Consume(f.ctx, tk.ID, b, pc) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrUsed):
				t.Errorf("a losing consumer got %v, want ErrUsed", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d consumers signed in, want 1", won)
		}
	})
}

// TestDecisionRace: a confirmation whose read came before a cancellation (two
// taps, two phones of the same person) does not overwrite it.
func TestDecisionRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		p := f.person(t)
		b := browser()
		tk := f.reach(t, fromScanned, b, p)
		stale, err := f.svc.open(f.ctx, tk.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cancel(f.ctx, tk.ID, p, app); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.decide(f.ctx, stale, p, f.svc.entry(stale.Ticket, p, "qr.confirm", app), "state = 'confirmed'")
		wantErr(t, "a stale confirmation", err, ErrDecided)
		if got, _ := f.svc.Status(f.ctx, tk.ID, b); got.State != StateCancelled {
			t.Fatalf("the ticket is %s, want cancelled", got.State)
		}
	})
}

// TestScanRace: several people scan one code at once; one gets it, the others are
// told someone else did.
func TestScanRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		tk := f.create(t, KindPerson, browser())
		const n = 8
		people := make([]int64, n)
		for i := range people {
			people[i] = f.person(t)
		}
		var wg sync.WaitGroup
		got := make([]Ticket, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { got[i], errs[i] = f.svc.Scan(f.ctx, tk.ID, people[i]) })
		}
		wg.Wait()
		var winner int64
		for i, err := range errs {
			switch {
			case err == nil && winner == 0:
				winner = got[i].PersonID
				if winner != people[i] {
					t.Errorf("scan by %d returned the ticket of %d", people[i], winner)
				}
			case err == nil:
				t.Errorf("two people scanned: %d and %d", winner, people[i])
			case !errors.Is(err, ErrOtherPerson):
				t.Errorf("a losing scan got %v, want ErrOtherPerson", err)
			}
		}
		if winner == 0 {
			t.Fatal("nobody scanned")
		}
	})
}

// TestSchemaRefusesInconsistentRows: the table's checks keep the state and its
// columns together whatever code writes to it.
func TestSchemaRefusesInconsistentRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		p := f.person(t)
		u := f.unit(t, p)
		m, err := f.units.Membership(f.ctx, u, p)
		if err != nil {
			t.Fatal(err)
		}
		now := store.Time(f.clk.Now())
		later := store.Time(now.Add(DefaultTTL))
		insert := func(kind, state string, person, unitID, membership, role any, scanned, decided, consumed any) error {
			_, err := db.Exec(f.ctx, `INSERT INTO qr_tickets (id_hash, binding_hash, kind, state, created_at, expires_at,
				person_id, scanned_at, unit_id, membership_id, role, decided_at, consumed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, token.Hash(token.New()), token.Hash(token.New()),
				kind, state, now, later, person, scanned, unitID, membership, role, decided, consumed)
			return err
		}
		role := string(unit.RoleLegalRep)
		for _, c := range []struct {
			name string
			ok   bool
			err  error
		}{
			{"waiting", true, insert("unit", "waiting", nil, nil, nil, nil, nil, nil, nil)},
			{"confirmed unit", true, insert("unit", "confirmed", p, u, m.ID, role, now, now, nil)},
			{"confirmed person", true, insert("person", "confirmed", p, nil, nil, nil, now, now, nil)},
			{"waiting with a person", false, insert("unit", "waiting", p, nil, nil, nil, now, nil, nil)},
			{"scanned without a person", false, insert("unit", "scanned", nil, nil, nil, nil, nil, nil, nil)},
			{"scanned with a decision", false, insert("person", "scanned", p, nil, nil, nil, now, now, nil)},
			{"confirmed unit without a unit", false, insert("unit", "confirmed", p, nil, nil, nil, now, now, nil)},
			{"personal with a unit", false, insert("person", "confirmed", p, u, m.ID, role, now, now, nil)},
			{"unit without its membership", false, insert("unit", "confirmed", p, u, nil, role, now, now, nil)},
			{"consumed without a time", false, insert("person", "consumed", p, nil, nil, nil, now, now, nil)},
			{"confirmed with a consumption", false, insert("person", "confirmed", p, nil, nil, nil, now, now, now)},
			{"unknown state", false, insert("person", "expired", p, nil, nil, nil, now, now, nil)},
			{"unknown kind", false, insert("staff", "waiting", nil, nil, nil, nil, nil, nil, nil)},
		} {
			if (c.err == nil) != c.ok {
				t.Errorf("%s: insert error %v, want ok=%v", c.name, c.err, c.ok)
			}
		}
	})
}
