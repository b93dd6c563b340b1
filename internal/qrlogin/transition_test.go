package qrlogin

import (
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// start is where a transition case begins: a personal ticket driven there by the
// person p who scanned it.
type start string

const (
	fromWaiting        start = "waiting"
	fromScanned        start = "scanned"
	fromConfirmed      start = "confirmed"
	fromCancelled      start = "cancelled"
	fromConsumed       start = "consumed"
	fromExpiredWaiting start = "expired waiting"
	fromExpiredScanned start = "expired scanned"
	fromLateConfirmed  start = "confirmed, not consumed in time"
)

// reach drives a new personal ticket of binding to from, scanned by p.
func (f *fixture) reach(t *testing.T, from start, binding string, p int64) Ticket {
	t.Helper()
	tk := f.create(t, KindPerson, binding)
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("reach %s: %s: %v", from, what, err)
		}
	}
	if from == fromExpiredWaiting {
		f.clk.Add(f.svc.cfg.TTL)
		return tk
	}
	if from == fromWaiting {
		return tk
	}
	_, err := f.svc.Scan(f.ctx, tk.ID, p)
	step("scan", err)
	switch from {
	case fromExpiredScanned:
		f.clk.Add(f.svc.cfg.TTL)
	case fromConfirmed, fromConsumed, fromLateConfirmed:
		_, err = f.svc.Confirm(f.ctx, tk.ID, p, 0, app)
		step("confirm", err)
		if from == fromConsumed {
			_, err = f.svc.Consume(f.ctx, tk.ID, binding, pc)
			step("consume", err)
		}
		if from == fromLateConfirmed {
			f.clk.Add(f.svc.cfg.ConsumeWindow)
		}
	case fromCancelled:
		_, err = f.svc.Cancel(f.ctx, tk.ID, p, app)
		step("cancel", err)
	}
	return tk
}

// TestTransitions is the state table: every step from every state, by the person
// who scanned (P), by another (Q) and by the browser (with its own binding or
// another's), with the error it gets and the state it leaves.
func TestTransitions(t *testing.T) {
	type act func(f *fixture, tk Ticket, binding string, p, q int64) error
	scan := func(who int) act {
		return func(f *fixture, tk Ticket, _ string, p, q int64) error {
			_, err := f.svc.Scan(f.ctx, tk.ID, []int64{p, q}[who])
			return err
		}
	}
	confirm := func(who int) act {
		return func(f *fixture, tk Ticket, _ string, p, q int64) error {
			_, err := f.svc.Confirm(f.ctx, tk.ID, []int64{p, q}[who], 0, app)
			return err
		}
	}
	cancel := func(who int) act {
		return func(f *fixture, tk Ticket, _ string, p, q int64) error {
			_, err := f.svc.Cancel(f.ctx, tk.ID, []int64{p, q}[who], app)
			return err
		}
	}
	consume := func(f *fixture, tk Ticket, binding string, _, _ int64) error {
		_, err := f.svc.Consume(f.ctx, tk.ID, binding, pc)
		return err
	}
	consumeElsewhere := func(f *fixture, tk Ticket, _ string, _, _ int64) error {
		_, err := f.svc.Consume(f.ctx, tk.ID, browser(), pc)
		return err
	}
	const P, Q = 0, 1
	cases := []struct {
		from start
		name string
		do   act
		err  error
		then State
	}{
		{fromWaiting, "scan", scan(P), nil, StateScanned},
		{fromWaiting, "confirm unscanned", confirm(P), ErrNotScanned, StateWaiting},
		{fromWaiting, "cancel unscanned", cancel(P), ErrNotScanned, StateWaiting},
		{fromWaiting, "consume", consume, ErrPending, StateWaiting},
		{fromWaiting, "consume in another browser", consumeElsewhere, ErrNotFound, StateWaiting},

		{fromScanned, "scan again", scan(P), nil, StateScanned},
		{fromScanned, "scan by another", scan(Q), ErrOtherPerson, StateScanned},
		{fromScanned, "confirm", confirm(P), nil, StateConfirmed},
		{fromScanned, "confirm by another", confirm(Q), ErrOtherPerson, StateScanned},
		{fromScanned, "cancel", cancel(P), nil, StateCancelled},
		{fromScanned, "cancel by another", cancel(Q), ErrOtherPerson, StateScanned},
		{fromScanned, "consume", consume, ErrPending, StateScanned},

		{fromConfirmed, "scan again", scan(P), ErrDecided, StateConfirmed},
		{fromConfirmed, "scan by another", scan(Q), ErrOtherPerson, StateConfirmed},
		{fromConfirmed, "confirm again", confirm(P), ErrDecided, StateConfirmed},
		{fromConfirmed, "cancel after confirming", cancel(P), ErrDecided, StateConfirmed},
		{fromConfirmed, "cancel by another", cancel(Q), ErrOtherPerson, StateConfirmed},
		{fromConfirmed, "consume in another browser", consumeElsewhere, ErrNotFound, StateConfirmed},
		{fromConfirmed, "consume", consume, nil, StateConsumed},

		{fromCancelled, "scan again", scan(P), ErrDecided, StateCancelled},
		{fromCancelled, "scan by another", scan(Q), ErrOtherPerson, StateCancelled},
		{fromCancelled, "confirm after cancelling", confirm(P), ErrDecided, StateCancelled},
		{fromCancelled, "cancel again", cancel(P), ErrDecided, StateCancelled},
		{fromCancelled, "consume", consume, ErrCancelled, StateCancelled},

		{fromConsumed, "scan again", scan(P), ErrDecided, StateConsumed},
		{fromConsumed, "confirm again", confirm(P), ErrDecided, StateConsumed},
		{fromConsumed, "cancel", cancel(P), ErrDecided, StateConsumed},
		{fromConsumed, "consume again", consume, ErrUsed, StateConsumed},

		{fromExpiredWaiting, "scan", scan(P), ErrExpired, StateExpired},
		{fromExpiredWaiting, "confirm", confirm(P), ErrExpired, StateExpired},
		{fromExpiredWaiting, "consume", consume, ErrExpired, StateExpired},
		{fromExpiredScanned, "scan again", scan(P), ErrExpired, StateExpired},
		{fromExpiredScanned, "confirm", confirm(P), ErrExpired, StateExpired},
		{fromExpiredScanned, "cancel", cancel(P), ErrExpired, StateExpired},
		{fromExpiredScanned, "consume", consume, ErrExpired, StateExpired},
		{fromLateConfirmed, "consume", consume, ErrExpired, StateExpired},
		{fromLateConfirmed, "confirm again", confirm(P), ErrExpired, StateExpired},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		p, q := f.person(t), f.person(t)
		for _, c := range cases {
			t.Run(string(c.from)+"/"+c.name, func(t *testing.T) {
				f.clk.Add(time.Hour) // the tickets of earlier cases have expired
				binding := browser()
				tk := f.reach(t, c.from, binding, p)
				wantErr(t, c.name, c.do(f, tk, binding, p, q), c.err)
				got, err := f.svc.Status(f.ctx, tk.ID, binding)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != c.then {
					t.Errorf("then %s, want %s", got.State, c.then)
				}
			})
		}
	})
}

// TestUnitChoiceMatchesKind: a personal ticket takes no unit, a unit ticket needs
// one.
func TestUnitChoiceMatchesKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		rep := f.person(t)
		u := f.unit(t, rep)
		for _, c := range []struct {
			kind Kind
			unit int64
		}{{KindPerson, u}, {KindUnit, 0}} {
			tk := f.create(t, c.kind, browser())
			if _, err := f.svc.Scan(f.ctx, tk.ID, rep); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Confirm(f.ctx, tk.ID, rep, c.unit, app)
			wantErr(t, string(c.kind), err, ErrUnitChoice)
		}
	})
}

// TestExpiry moves an injected clock over a ticket's life: scannable until its
// expiry, not a moment after; a confirmation usable until ConsumeWindow after it.
func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{TTL: time.Minute, ConsumeWindow: 10 * time.Second})
		p := f.person(t)
		b := browser()
		tk := f.create(t, KindPerson, b)
		if want := store.Time(f.clk.Now().Add(time.Minute)); !tk.ExpiresAt.Equal(want) {
			t.Fatalf("expires at %v, want %v", tk.ExpiresAt, want)
		}
		f.clk.Add(time.Minute - time.Millisecond)
		if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
			t.Fatalf("scan a moment before the expiry: %v", err)
		}
		f.clk.Add(time.Millisecond)
		_, err := f.svc.Confirm(f.ctx, tk.ID, p, 0, app)
		wantErr(t, "confirm at the expiry", err, ErrExpired)

		tk = f.create(t, KindPerson, b)
		if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(50 * time.Second)
		if _, err := f.svc.Confirm(f.ctx, tk.ID, p, 0, app); err != nil {
			t.Fatalf("confirm before the expiry: %v", err)
		}
		// The confirmation outlives the ticket's expiry by its window, no more.
		f.clk.Add(10*time.Second - time.Millisecond)
		if s, err := f.svc.Status(f.ctx, tk.ID, b); err != nil || s.State != StateConfirmed {
			t.Fatalf("a moment before the window ends: %v, %v", s.State, err)
		}
		f.clk.Add(time.Millisecond)
		_, err = f.svc.Consume(f.ctx, tk.ID, b, pc)
		wantErr(t, "consume after the window", err, ErrExpired)
	})
}

// TestBinding: the browser's side answers only to the binding the ticket was made
// for; a malformed ID or binding costs no read and is not found either.
func TestBinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{WaitMax: time.Second})
		p := f.person(t)
		b := browser()
		tk := f.create(t, KindPerson, b)
		other := browser()
		for _, c := range []struct{ name, id, binding string }{
			{"another browser", tk.ID, other},
			{"no binding", tk.ID, ""},
			{"short binding", tk.ID, b[:10]},
			{"binding with a space", tk.ID, b[:20] + " " + b[21:]},
			{"unknown ID", browser(), b},
			{"ID not canonical", tk.ID[:42] + "B", b},
			{"ID too short", tk.ID[:40], b},
		} {
			_, err := f.svc.Status(f.ctx, c.id, c.binding)
			wantErr(t, c.name+": status", err, ErrNotFound)
			_, err = f.svc.Wait(f.ctx, c.id, c.binding, StateWaiting)
			wantErr(t, c.name+": wait", err, ErrNotFound)
			_, err = f.svc.Consume(f.ctx, c.id, c.binding, pc)
			wantErr(t, c.name+": consume", err, ErrNotFound)
		}
		// The app's side knows no binding, but not a malformed ID either.
		_, err := f.svc.Scan(f.ctx, tk.ID[:42]+"!", p)
		wantErr(t, "scan a malformed ID", err, ErrNotFound)
		_, err = f.svc.Scan(f.ctx, browser(), p)
		wantErr(t, "scan an unknown ID", err, ErrNotFound)

		// With all that tried, the right browser still signs in.
		if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Confirm(f.ctx, tk.ID, p, 0, app); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Consume(f.ctx, tk.ID, other, pc)
		wantErr(t, "consume a confirmed ticket in another browser", err, ErrNotFound)
		id, err := f.svc.Consume(f.ctx, tk.ID, b, pc)
		if err != nil || id.Subject.PersonID != p || id.Subject.UnitID != 0 || id.Kind != KindPerson {
			t.Fatalf("consume: %+v, %v", id, err)
		}
	})
}
