package flow

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

func newClock() *clock {
	return storetest.NewClock(time.Date(2025, 3, 14, 1, 2, 3, 456789000, time.UTC))
}

type regData struct {
	USCC   string `json:"uscc"`
	Mobile string `json:"mobile,omitempty"`
}

const browser = "session-token-of-browser-A"

func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		s := NewStore(db, clk.Now)

		f, err := s.Create(ctx, KindUnitRegister, browser, "unit", regData{USCC: "91320102MA1XXXXX0Y"}, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !token.Valid(f.ID) || f.Version != 1 || f.Step != "unit" {
			t.Fatalf("created %+v", f)
		}
		clk.Add(time.Minute)
		got, err := s.Get(ctx, f.ID, KindUnitRegister, browser)
		if err != nil {
			t.Fatal(err)
		}
		var d regData
		if err := got.Decode(&d); err != nil || d.USCC != "91320102MA1XXXXX0Y" {
			t.Fatalf("Decode = %+v, %v", d, err)
		}
		if !got.ExpiresAt.Equal(f.ExpiresAt) || !got.CreatedAt.Equal(f.CreatedAt) || got.ExpiresAt.Location() != time.UTC {
			t.Errorf("times: got %v/%v, want %v/%v", got.CreatedAt, got.ExpiresAt, f.CreatedAt, f.ExpiresAt)
		}

		d.Mobile = "13800001111"
		if err := s.Advance(ctx, got, "unit", "verify", d); err != nil {
			t.Fatal(err)
		}
		if got.Step != "verify" || got.Version != 2 {
			t.Fatalf("after Advance: step %s version %d", got.Step, got.Version)
		}
		// nil data keeps what is there.
		if err := s.Advance(ctx, got, "verify", "account", nil); err != nil {
			t.Fatal(err)
		}
		again, err := s.Get(ctx, f.ID, KindUnitRegister, browser)
		if err != nil {
			t.Fatal(err)
		}
		var d2 regData
		if err := again.Decode(&d2); err != nil || d2 != d || again.Step != "account" || again.Version != 3 {
			t.Fatalf("read back step %s version %d data %+v (%v)", again.Step, again.Version, d2, err)
		}

		err = db.Tx(ctx, func(tx *store.Tx) error { return s.Complete(ctx, tx, again, "account") })
		if err != nil {
			t.Fatal(err)
		}
		if again.CompletedAt.IsZero() {
			t.Error("Complete did not set CompletedAt")
		}
		if _, err := s.Get(ctx, f.ID, KindUnitRegister, browser); !errors.Is(err, ErrCompleted) {
			t.Errorf("Get after Complete: %v, want ErrCompleted", err)
		}
	})
}

func TestGetRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		s := NewStore(db, clk.Now)
		f, err := s.Create(ctx, KindRecover, browser, "account", nil, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, id, kind, binding string
		}{
			{"other browser", f.ID, KindRecover, "session-token-of-browser-B"},
			{"other kind", f.ID, KindRegister, browser},
			{"unknown id", token.New(), KindRecover, browser},
			{"malformed id", f.ID[:42] + "!", KindRecover, browser},
			{"empty id", "", KindRecover, browser},
			{"empty binding", f.ID, KindRecover, ""},
		}
		for _, c := range cases {
			if _, err := s.Get(ctx, c.id, c.kind, c.binding); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: Get error = %v, want ErrNotFound", c.name, err)
			}
		}
	})
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		s := NewStore(db, clk.Now)
		f, err := s.Create(ctx, KindUpgrade, browser, "legacy", nil, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(10*time.Minute - time.Microsecond)
		live, err := s.Get(ctx, f.ID, KindUpgrade, browser)
		if err != nil {
			t.Fatalf("Get 1µs before expiry: %v", err)
		}
		clk.Add(time.Microsecond)
		if _, err := s.Get(ctx, f.ID, KindUpgrade, browser); !errors.Is(err, ErrExpired) {
			t.Errorf("Get at expiry: %v, want ErrExpired", err)
		}
		// A flow read just before expiry cannot be advanced or completed after it.
		if err := s.Advance(ctx, live, "legacy", "confirm", nil); !errors.Is(err, ErrExpired) {
			t.Errorf("Advance after expiry: %v, want ErrExpired", err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { return s.Complete(ctx, tx, live, "legacy") })
		if !errors.Is(err, ErrExpired) {
			t.Errorf("Complete after expiry: %v, want ErrExpired", err)
		}
	})
}

func TestStepOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, newClock().Now)
		f, err := s.Create(ctx, KindRegister, browser, "form", nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		stale := *f

		// Skip ahead: the caller claims a step the flow has not reached.
		if err := s.Advance(ctx, f, "sms", "done", nil); !errors.Is(err, ErrStep) {
			t.Errorf("skip ahead: %v, want ErrStep", err)
		}
		// Skip ahead with a doctored copy: the database refuses it too.
		doctored := *f
		doctored.Step = "sms"
		if err := s.Advance(ctx, &doctored, "sms", "done", nil); !errors.Is(err, ErrStep) {
			t.Errorf("skip ahead (doctored): %v, want ErrStep", err)
		}

		if err := s.Advance(ctx, f, "form", "sms", map[string]string{"mobile": "13900002222"}); err != nil {
			t.Fatal(err)
		}
		// Replay of the same form after a fresh read: the flow is past that step.
		cur, err := s.Get(ctx, f.ID, KindRegister, browser)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Advance(ctx, cur, "form", "sms", nil); !errors.Is(err, ErrStep) {
			t.Errorf("replay (fresh read): %v, want ErrStep", err)
		}
		// Replay with the copy read before the step ran: stale version.
		if err := s.Advance(ctx, &stale, "form", "sms", nil); !errors.Is(err, ErrConflict) {
			t.Errorf("replay (stale copy): %v, want ErrConflict", err)
		}
		if err := s.Advance(ctx, cur, "sms", "done", nil); err != nil {
			t.Errorf("next step after refused replays: %v", err)
		}
	})
}

func TestConcurrentAdvance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, newClock().Now)
		f, err := s.Create(ctx, KindQRLogin, browser, "shown", nil, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		copies := make([]*Flow, n)
		for i := range copies {
			if copies[i], err = s.Get(ctx, f.ID, KindQRLogin, browser); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = s.Advance(ctx, copies[i], "shown", "scanned", map[string]int{"by": i})
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrConflict):
				t.Errorf("submit %d: %v, want nil or ErrConflict", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d concurrent submits won, want exactly 1", won, n)
		}
		cur, err := s.Get(ctx, f.ID, KindQRLogin, browser)
		if err != nil || cur.Step != "scanned" || cur.Version != 2 {
			t.Fatalf("after the race: %+v, %v", cur, err)
		}
	})
}

func TestCompleteOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, newClock().Now)
		f, err := s.Create(ctx, KindRecover, browser, "password", nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// A rolled-back transaction leaves the flow open.
		boom := errors.New("boom")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := s.Complete(ctx, tx, f, "password"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rolled-back Complete: %v", err)
		}
		f, err = s.Get(ctx, f.ID, KindRecover, browser)
		if err != nil {
			t.Fatalf("Get after rollback: %v", err)
		}
		if err := s.Complete(ctx, nil, f, "password"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Complete without tx: %v, want ErrInvalid", err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return s.Complete(ctx, tx, f, "account") }); !errors.Is(err, ErrStep) {
			t.Errorf("Complete at the wrong step: %v, want ErrStep", err)
		}
		first := *f
		if err := db.Tx(ctx, func(tx *store.Tx) error { return s.Complete(ctx, tx, f, "password") }); err != nil {
			t.Fatal(err)
		}
		for name, g := range map[string]*Flow{"same copy": f, "earlier copy": &first} {
			err := db.Tx(ctx, func(tx *store.Tx) error { return s.Complete(ctx, tx, g, "password") })
			if !errors.Is(err, ErrCompleted) {
				t.Errorf("second Complete (%s): %v, want ErrCompleted", name, err)
			}
		}
		if err := s.Advance(ctx, &first, "password", "done", nil); !errors.Is(err, ErrCompleted) {
			t.Errorf("Advance after Complete: %v, want ErrCompleted", err)
		}
	})
}

// TestAdvanceTx: a step taken inside a transaction stays or goes with it.
func TestAdvanceTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, newClock().Now)
		f, err := s.Create(ctx, KindUnitRegister, browser, "verify", regData{USCC: "91320102MA1XXXXX0Y"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			g := *f
			if err := s.AdvanceTx(ctx, tx, &g, "verify", "account", regData{USCC: "x"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rolled-back AdvanceTx: %v", err)
		}
		if got, err := s.Get(ctx, f.ID, KindUnitRegister, browser); err != nil || got.Step != "verify" || got.Version != 1 {
			t.Fatalf("after the rollback: %+v %v, want the flow unchanged", got, err)
		}
		if err := s.AdvanceTx(ctx, nil, f, "verify", "account", nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("AdvanceTx without tx: %v, want ErrInvalid", err)
		}
		stale := *f
		if err := db.Tx(ctx, func(tx *store.Tx) error { return s.AdvanceTx(ctx, tx, f, "verify", "account", nil) }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, f.ID, KindUnitRegister, browser); err != nil || got.Step != "account" || got.Version != 2 {
			t.Fatalf("after AdvanceTx: %+v %v", got, err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { return s.AdvanceTx(ctx, tx, &stale, "verify", "account", nil) })
		if !errors.Is(err, ErrConflict) {
			t.Errorf("AdvanceTx of a stale copy: %v, want ErrConflict", err)
		}
	})
}

func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		s := NewStore(db, clk.Now)
		var ids []string
		for _, ttl := range []time.Duration{time.Minute, 2 * time.Minute, time.Hour} {
			f, err := s.Create(ctx, KindQRLogin, browser, "shown", nil, ttl)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, f.ID)
		}
		clk.Add(3 * time.Minute)
		n, err := s.Sweep(ctx, time.Minute) // removes flows expired before t+2m: the 1-minute one
		if err != nil || n != 1 {
			t.Fatalf("Sweep(1m) = %d, %v; want 1", n, err)
		}
		if _, err := s.Get(ctx, ids[1], KindQRLogin, browser); !errors.Is(err, ErrExpired) {
			t.Errorf("recently expired flow: %v, want ErrExpired (kept by Sweep)", err)
		}
		if _, err := s.Get(ctx, ids[0], KindQRLogin, browser); !errors.Is(err, ErrNotFound) {
			t.Errorf("swept flow: %v, want ErrNotFound", err)
		}
		n, err = s.Sweep(ctx, 0)
		if err != nil || n != 1 {
			t.Fatalf("Sweep(0) = %d, %v; want 1", n, err)
		}
		if _, err := s.Get(ctx, ids[2], KindQRLogin, browser); err != nil {
			t.Errorf("live flow after Sweep: %v", err)
		}
	})
}

func TestCreateRefuses(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	s := NewStore(db, newClock().Now)
	cases := []struct {
		name, kind, binding, step string
		data                      any
		ttl                       time.Duration
	}{
		{"empty binding", KindRegister, "", "form", nil, time.Minute},
		{"empty kind", "", browser, "form", nil, time.Minute},
		{"upper-case kind", "Register", browser, "form", nil, time.Minute},
		{"long step", KindRegister, browser, strings.Repeat("s", 33), nil, time.Minute},
		{"zero ttl", KindRegister, browser, "form", nil, 0},
		{"unencodable data", KindRegister, browser, "form", func() {}, time.Minute},
		{"huge data", KindRegister, browser, "form", strings.Repeat("x", MaxData), time.Minute},
	}
	for _, c := range cases {
		if _, err := s.Create(ctx, c.kind, c.binding, c.step, c.data, c.ttl); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Create error = %v, want ErrInvalid", c.name, err)
		}
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		s    string
		name bool
		id   bool
	}{
		{"unit-register", true, false},
		{"qr-login", true, false},
		{"step_2.b", true, false},
		{"", false, false},
		{"Unit", false, false},
		{"单位", false, false},
		{token.New(), false, true},
		{strings.Repeat("A", 43), false, true},
		{strings.Repeat("A", 42) + "=", false, false},
		{strings.Repeat("A", 44), false, false},
	}
	for _, c := range cases {
		if got := validName(c.s); got != c.name {
			t.Errorf("validName(%q) = %v", c.s, got)
		}
		if got := token.Valid(c.s); got != c.id {
			t.Errorf("token.Valid(%q) = %v", c.s, got)
		}
	}
	if a, b := token.New(), token.New(); a == b {
		t.Error("two IDs are equal")
	}
	if h := token.Hash(browser); len(h) != 64 || h == token.Hash(browser+"x") {
		t.Errorf("hashBinding = %q", h)
	}
}

// Load reads and decodes a flow for its binding, and answers with the caller's
// errors for the store's.
func TestLoad(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := t.Context()
	s := NewStore(db, newClock().Now)
	errNotFound, errCompleted := errors.New("pkg: not found"), errors.New("pkg: completed")
	errs := Errors{NotFound: errNotFound, Completed: errCompleted}
	f, err := s.Create(ctx, KindUnitRegister, browser, "unit", regData{USCC: "uscc-1", Mobile: "13800000000"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, data, err := Load[regData](ctx, s, f.ID, KindUnitRegister, browser, errs)
	if err != nil || got.ID != f.ID || got.Step != "unit" || data != (regData{USCC: "uscc-1", Mobile: "13800000000"}) {
		t.Fatalf("Load = %+v, %+v, %v", got, data, err)
	}
	if _, _, err := Load[regData](ctx, s, f.ID, KindUnitRegister, "another browser", errs); err != errNotFound {
		t.Errorf("Load for another browser = %v, want the caller's not-found error", err)
	}
	if _, _, err := Load[struct{ USCC int }](ctx, s, f.ID, KindUnitRegister, browser, errs); err == nil {
		t.Error("Load into a type the data does not decode into succeeded")
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error { return s.Complete(ctx, tx, got, "unit") }); err != nil {
		t.Fatal(err)
	}
	if _, data, err := Load[regData](ctx, s, f.ID, KindUnitRegister, browser, errs); err != errCompleted || data != (regData{}) {
		t.Errorf("Load of a completed flow = %+v, %v; want the caller's completed error", data, err)
	}
}
