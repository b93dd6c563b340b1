package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid, other := f.person(t), f.person(t)
		meta := Meta{ClientAddr: "203.0.113.5"}

		// Login without any session, and with garbage for the old token.
		for _, old := range []string{"", "garbage"} {
			tok, _, err := f.ss.Rotate(ctx, old, Subject{PersonID: pid}, meta, RotateLogin)
			if err != nil {
				t.Fatalf("RotateLogin(%q): %v", old, err)
			}
			f.mustLive(t, tok)
		}

		personTok, personSess := f.create(t, Subject{PersonID: pid})
		for range 6 { // two hours of activity
			f.clock.Add(20 * time.Minute)
			f.mustLive(t, personTok)
		}

		// Unit switch: old token dead, new one live, absolute deadline kept.
		unit := Subject{PersonID: pid, UnitID: 11, Role: RoleAdmin}
		unitTok, unitSess, err := f.ss.Rotate(ctx, personTok, unit, meta, RotateSwitch)
		if err != nil {
			t.Fatal(err)
		}
		f.mustDead(t, personTok)
		if got := f.mustLive(t, unitTok); got.Subject != unit {
			t.Fatalf("rotated session %+v", got)
		}
		if !unitSess.AbsoluteExpiresAt.Equal(personSess.AbsoluteExpiresAt) {
			t.Fatalf("switch moved the absolute deadline from %v to %v", personSess.AbsoluteExpiresAt, unitSess.AbsoluteExpiresAt)
		}
		// Switching again with the old token fails; with the ended one too.
		if _, _, err := f.ss.Rotate(ctx, personTok, unit, meta, RotateSwitch); !errors.Is(err, ErrNoSession) {
			t.Fatalf("switch from an ended session: %v", err)
		}
		// Switching to another person is refused, and the session survives.
		if _, _, err := f.ss.Rotate(ctx, unitTok, Subject{PersonID: other}, meta, RotateSwitch); !errors.Is(err, ErrInvalidSubject) {
			t.Fatalf("switch to another person: %v", err)
		}
		f.mustLive(t, unitTok)

		// A login on top: fresh absolute deadline, old token dead.
		loginTok, loginSess, err := f.ss.Rotate(ctx, unitTok, Subject{PersonID: other}, meta, RotateLogin)
		if err != nil {
			t.Fatal(err)
		}
		f.mustDead(t, unitTok)
		want := f.clock.Now().UTC().Truncate(time.Microsecond).Add(12 * time.Hour)
		if !loginSess.AbsoluteExpiresAt.Equal(want) {
			t.Fatalf("login absolute deadline %v, want %v", loginSess.AbsoluteExpiresAt, want)
		}
		f.mustLive(t, loginTok)

		// An expired session cannot be switched.
		f.clock.Add(31 * time.Minute)
		if _, _, err := f.ss.Rotate(ctx, loginTok, Subject{PersonID: other, UnitID: 3, Role: RoleAgent}, meta, RotateSwitch); !errors.Is(err, ErrNoSession) {
			t.Fatalf("switch from an idle session: %v", err)
		}
		if _, _, err := f.ss.Rotate(ctx, loginTok, Subject{PersonID: other}, meta, Rotation(9)); err == nil {
			t.Fatal("unknown rotation accepted")
		}
	})
}

// TestRotateConcurrent: one token, many simultaneous switches; exactly one may
// win, or a stolen token could be forked into several sessions.
func TestRotateConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		pid := f.person(t)
		tok, _ := f.create(t, Subject{PersonID: pid})
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, _, errs[i] = f.ss.Rotate(context.Background(), tok,
					Subject{PersonID: pid, UnitID: int64(100 + i), Role: RoleAgent}, Meta{}, RotateSwitch)
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrNoSession):
				t.Errorf("Rotate: %v", err)
			}
		}
		var live int
		if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL").Scan(&live); err != nil {
			t.Fatal(err)
		}
		if won != 1 || live != 1 {
			t.Fatalf("%d rotations won, %d live sessions; want 1 and 1", won, live)
		}
	})
}

func TestEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tok, _ := f.create(t, Subject{PersonID: f.person(t)})
		other, _ := f.create(t, Subject{PersonID: f.person(t)})
		if err := f.ss.End(ctx, tok); err != nil {
			t.Fatal(err)
		}
		f.mustDead(t, tok)
		f.mustLive(t, other)
		for _, again := range []string{tok, "", "garbage", strings.Repeat("A", 43)} {
			if err := f.ss.End(ctx, again); err != nil {
				t.Errorf("End(%q) = %v, want nil", again, err)
			}
		}
	})
}

func TestEndAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid, other := f.person(t), f.person(t)
		u1, u2 := int64(1), int64(2)
		personal, _ := f.create(t, Subject{PersonID: pid})
		inU1, _ := f.create(t, Subject{PersonID: pid, UnitID: u1, Role: RoleAgent})
		inU1b, _ := f.create(t, Subject{PersonID: pid, UnitID: u1, Role: RoleAgent})
		inU2, _ := f.create(t, Subject{PersonID: pid, UnitID: u2, Role: RoleLegalRep})
		othersU1, _ := f.create(t, Subject{PersonID: other, UnitID: u1, Role: RoleAdmin})

		// Agent removed from unit 1: only those sessions end.
		n, err := f.ss.EndAll(ctx, pid, &u1)
		if err != nil || n != 2 {
			t.Fatalf("EndAll(unit 1) = %d, %v; want 2", n, err)
		}
		f.mustDead(t, inU1)
		f.mustDead(t, inU1b)
		f.mustLive(t, personal)
		f.mustLive(t, inU2)
		f.mustLive(t, othersU1)

		// Password reset, inside the caller's transaction: every session of the person.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			n, err = f.ss.EndAllTx(ctx, tx, pid, nil)
			return err
		})
		if err != nil || n != 2 {
			t.Fatalf("EndAllTx(all) = %d, %v; want 2", n, err)
		}
		f.mustDead(t, personal)
		f.mustDead(t, inU2)
		f.mustLive(t, othersU1)
		if n, err := f.ss.EndAll(ctx, pid, nil); err != nil || n != 0 {
			t.Fatalf("EndAll again = %d, %v; want 0", n, err)
		}
	})
}

func TestInvalidSubject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)
		for _, s := range []Subject{
			{},
			{PersonID: -1},
			{PersonID: pid, Role: RoleAdmin},
			{PersonID: pid, UnitID: 5},
			{PersonID: pid, UnitID: 5, Role: "owner"},
			{PersonID: pid, UnitID: -5, Role: RoleAgent},
		} {
			if _, _, err := f.ss.Create(ctx, s, Meta{}); !errors.Is(err, ErrInvalidSubject) {
				t.Errorf("Create(%+v) = %v, want ErrInvalidSubject", s, err)
			}
			if _, _, err := f.ss.Rotate(ctx, "", s, Meta{}, RotateLogin); !errors.Is(err, ErrInvalidSubject) {
				t.Errorf("Rotate(%+v) = %v, want ErrInvalidSubject", s, err)
			}
		}
		// A person who does not exist is refused by the foreign key.
		if _, _, err := f.ss.Create(ctx, Subject{PersonID: pid + 1000}, Meta{}); !store.IsConstraintViolation(err) {
			t.Errorf("Create for a missing person = %v, want a constraint violation", err)
		}
	})
}

func TestMetaStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ua := "Mozilla/5.0 \x00" + strings.Repeat("浏览器", 200) + "\xff"
		tok, s, err := f.ss.Create(context.Background(), Subject{PersonID: f.person(t)}, Meta{ClientAddr: "2001:db8::7", UserAgent: ua})
		if err != nil {
			t.Fatal(err)
		}
		got := f.mustLive(t, tok)
		if got.UserAgent != s.UserAgent || len(got.UserAgent) > maxUserAgent || strings.ContainsRune(got.UserAgent, 0) ||
			!strings.HasPrefix(got.UserAgent, "Mozilla/5.0 浏览器") || got.ClientAddr != "2001:db8::7" {
			t.Fatalf("stored meta %q %q", got.ClientAddr, got.UserAgent)
		}
	})
}

func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)
		old, _ := f.create(t, Subject{PersonID: pid})
		f.clock.Add(13 * time.Hour)
		fresh, _ := f.create(t, Subject{PersonID: pid})
		if n, err := f.ss.Sweep(ctx, 2*time.Hour); err != nil || n != 0 {
			t.Fatalf("Sweep within keep = %d, %v", n, err)
		}
		f.clock.Add(2 * time.Hour)
		if n, err := f.ss.Sweep(ctx, 2*time.Hour); err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1", n, err)
		}
		f.mustDead(t, old)
		var left int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM sessions WHERE token_hash = ?", hashToken(fresh)).Scan(&left); err != nil || left != 1 {
			t.Fatalf("fresh session gone: %d, %v", left, err)
		}
	})
}

func TestSessionConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg SessionConfig
		ok  bool
	}{
		{SessionConfig{}, true},
		{SessionConfig{Idle: 15 * time.Minute, Absolute: 8 * time.Hour}, true},
		{SessionConfig{Idle: 2 * time.Hour, Absolute: 2 * time.Hour}, true},
		{SessionConfig{Idle: time.Minute}, false},
		{SessionConfig{Idle: -time.Hour}, false},
		{SessionConfig{Idle: time.Hour, Absolute: 30 * time.Minute}, false},
		{SessionConfig{Absolute: 10 * time.Minute}, false},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tc.cfg, err, tc.ok)
		}
		if _, err := NewSessions(nil, tc.cfg, nil); (err == nil) != tc.ok {
			t.Errorf("NewSessions(%+v) = %v, want ok=%v", tc.cfg, err, tc.ok)
		}
	}
}

func TestRoleLabels(t *testing.T) {
	for r, want := range map[Role]string{RoleLegalRep: "法定代表人", RoleAdmin: "管理员", RoleAgent: "经办人", "x": ""} {
		if got := r.Label(); got != want {
			t.Errorf("%s.Label() = %q, want %q", r, got, want)
		}
	}
}

func ExampleSessions_Lookup() {
	// A request handler: the cookie value is looked up; ErrNoSession sends the
	// browser to the login page, any other error is a server failure.
	var ss *Sessions
	handle := func(ctx context.Context, cookie string) string {
		s, err := ss.Lookup(ctx, cookie)
		switch {
		case errors.Is(err, ErrNoSession):
			return "redirect to /login"
		case err != nil:
			return "500"
		}
		return fmt.Sprintf("person %d", s.Subject.PersonID)
	}
	fmt.Println(handle(context.Background(), "not a token"))
	// Output: redirect to /login
}
