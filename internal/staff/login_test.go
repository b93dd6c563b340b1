package staff

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/throttle"
)

// TestLoginRules: the answers of the staff login, as a table; every refusal is the
// same ErrBadCredentials.
func TestLoginRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, c := f.bootstrap(t)
		secret := c.Enrolment.Secret
		step := func(d int) string { return Code(secret, f.clk.Now().Add(time.Duration(d)*totpPeriod*time.Second)) }
		cases := []struct {
			name          string
			login, pw     string
			code          func() string
			want          error
			advanceBefore bool
		}{
			{"right password and code", "secadmin", knownPassword, func() string { return step(0) }, nil, true},
			{"the same code again (replay)", "secadmin", knownPassword, func() string { return step(0) }, ErrBadCredentials, false},
			{"the code of the step before, after a later one was used", "secadmin", knownPassword, func() string { return step(-1) }, ErrBadCredentials, false},
			{"login name in capitals", "SECADMIN", knownPassword, func() string { return step(1) }, nil, false},
			{"a code two steps ahead (too far)", "secadmin", knownPassword, func() string { return step(3) }, ErrBadCredentials, true},
			{"wrong password", "secadmin", "Wrong#2026pw", func() string { return step(0) }, ErrBadCredentials, true},
			{"no code", "secadmin", knownPassword, func() string { return "" }, ErrBadCredentials, true},
			{"unknown login", "nobody", knownPassword, func() string { return step(0) }, ErrBadCredentials, true},
			{"malformed login", "一二三", knownPassword, func() string { return step(0) }, ErrBadCredentials, true},
		}
		for _, c := range cases {
			if c.advanceBefore {
				f.clk.Add(totpPeriod * time.Second)
			}
			_, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: c.login, Password: c.pw, Code: c.code(), ClientIP: "192.0.2.10"})
			if err != c.want {
				t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			}
		}
		es := f.entries(t, "staff.login")
		var unknown audit.Entry
		for _, e := range es {
			if e.Target == "staff:unknown" {
				unknown = e
			}
		}
		if unknown.Result != audit.Failure || unknown.StaffID != 0 || strings.Contains(unknown.Detail["login"], "nobody") {
			t.Errorf("audit of the unknown login: %+v", unknown)
		}
	})
}

// TestLoginLockout: five failures pause an account for fifteen minutes, with the
// same answer for an unknown login; the right password and code are not checked
// while paused.
func TestLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, c := f.bootstrap(t)
		for _, login := range []string{"secadmin", "ghost"} {
			for i := range 5 {
				f.clk.Add(time.Second)
				_, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: login, Password: "Wrong#2026pw", Code: "123456",
					ClientIP: "198.51.100." + string(rune('1'+i))})
				if err != ErrBadCredentials {
					t.Fatalf("%s failure %d: %v", login, i+1, err)
				}
			}
			f.clk.Add(totpPeriod * time.Second)
			_, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: login, Password: knownPassword,
				Code: Code(c.Enrolment.Secret, f.clk.Now()), ClientIP: "198.51.100.9"})
			var locked *throttle.LockedError
			if !errors.As(err, &locked) || !errors.Is(err, throttle.ErrLocked) {
				t.Fatalf("%s after five failures: %v, want a lock", login, err)
			}
			if d := locked.Until.Sub(f.clk.Now()); d < 14*time.Minute || d > 15*time.Minute {
				t.Fatalf("%s locked for %s", login, d)
			}
		}
		f.clk.Add(16 * time.Minute)
		f.login(t, "secadmin", knownPassword, c.Enrolment.Secret)
	})
}

// TestLoginSameCodeConcurrently: of twenty logins racing with one valid code, exactly
// one gets in (the step is spent by a conditional UPDATE).
func TestLoginSameCodeConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, c := f.bootstrap(t)
		f.clk.Add(totpPeriod * time.Second)
		code := Code(c.Enrolment.Secret, f.clk.Now())
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, bad := 0, 0
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: "secadmin", Password: knownPassword, Code: code, ClientIP: "192.0.2.1"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrBadCredentials), errors.Is(err, throttle.ErrLocked):
					bad++
				default:
					t.Errorf("login: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || bad != 19 {
			t.Fatalf("%d logins got in with one code, %d refused; want exactly one", ok, bad)
		}
	})
}

// TestSessions: lifetimes, rotation at login and the account read at every look-up.
func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		st := f.verified(t, sec.StaffID)
		tok, sess, err := f.svc.StartSession(f.ctx, st, "", "192.0.2.1", "Mozilla/5.0")
		if err != nil {
			t.Fatal(err)
		}
		if sess.IdleExpiresAt.Sub(sess.CreatedAt) != DefaultIdle {
			t.Fatalf("idle timeout %s", sess.IdleExpiresAt.Sub(sess.CreatedAt))
		}
		got, err := f.svc.Lookup(f.ctx, tok)
		if err != nil || got.Actor.StaffID != sec.StaffID || !got.Actor.Roles.Has(RoleSecurity) {
			t.Fatalf("lookup: %+v, %v", got, err)
		}
		// Active use keeps it alive past the idle timeout, not past the absolute one.
		for range 40 {
			f.clk.Add(14 * time.Minute)
			if _, err := f.svc.Lookup(f.ctx, tok); err != nil {
				if f.clk.Now().Sub(sess.CreatedAt) < DefaultAbsolute {
					t.Fatalf("session ended early at %s: %v", f.clk.Now().Sub(sess.CreatedAt), err)
				}
				break
			}
		}
		if _, err := f.svc.Lookup(f.ctx, tok); err != ErrNoSession {
			t.Fatalf("after the absolute lifetime: %v", err)
		}
		// Idle.
		tok2, _, _ := f.svc.StartSession(f.ctx, st, "", "", "")
		f.clk.Add(DefaultIdle + time.Second)
		if _, err := f.svc.Lookup(f.ctx, tok2); err != ErrNoSession {
			t.Fatalf("after the idle timeout: %v", err)
		}
		// Rotation: a login ends the session the browser had.
		tok3, _, _ := f.svc.StartSession(f.ctx, st, "", "", "")
		tok4, _, _ := f.svc.StartSession(f.ctx, st, tok3, "", "")
		if _, err := f.svc.Lookup(f.ctx, tok3); err != ErrNoSession {
			t.Fatalf("old token after rotation: %v", err)
		}
		if err := f.svc.EndSession(f.ctx, tok4); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Lookup(f.ctx, tok4); err != ErrNoSession {
			t.Fatalf("after logout: %v", err)
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", 43)} {
			if _, err := f.svc.Lookup(f.ctx, bad); err != ErrNoSession {
				t.Fatalf("lookup %q: %v", bad, err)
			}
		}
	})
}

// TestChangePassword: the current password is checked through the throttle; the new
// one follows the policy; other sessions end; must-change clears.
func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		st := f.verified(t, sec.StaffID)
		keep, kept, _ := f.svc.StartSession(f.ctx, st, "", "", "")
		other, _, _ := f.svc.StartSession(f.ctx, st, "", "", "")
		cases := []struct {
			name string
			c    PasswordChange
			want error
		}{
			{"confirmation differs", PasswordChange{knownPassword, "Newer#2026pw", "Newer#2026px"}, ErrPasswordMismatch},
			{"same as current", PasswordChange{knownPassword, knownPassword, knownPassword}, ErrPasswordSame},
			{"wrong current", PasswordChange{"Wrong#2026pw", "Newer#2026pw", "Newer#2026pw"}, ErrBadCredentials},
		}
		for _, c := range cases {
			if err := f.svc.ChangePassword(f.ctx, sec, c.c, kept.ID); err != c.want {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if err := f.svc.ChangePassword(f.ctx, sec, PasswordChange{knownPassword, "short", "short"}, kept.ID); err == nil {
			t.Error("a password the policy refuses was accepted")
		}
		if err := f.svc.ChangePassword(f.ctx, sec, PasswordChange{knownPassword, "Newer#2026pw", "Newer#2026pw"}, kept.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Lookup(f.ctx, keep); err != nil {
			t.Fatalf("the session making the change: %v", err)
		}
		if _, err := f.svc.Lookup(f.ctx, other); err != ErrNoSession {
			t.Fatalf("another session after the change: %v", err)
		}
	})
}

// TestLoginRealHasher: the login with argon2id, as production runs it.
func TestLoginRealHasher(t *testing.T) {
	h, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureWith(t, storetest.SQLite(t), h)
	c, err := f.svc.Bootstrap(f.ctx, "secadmin", "安全管理员甲", "首次部署", false)
	if err != nil {
		t.Fatal(err)
	}
	f.login(t, "secadmin", c.InitialPassword, c.Enrolment.Secret)
	f.clk.Add(totpPeriod * time.Second)
	if _, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: "secadmin", Password: c.InitialPassword + "x",
		Code: Code(c.Enrolment.Secret, f.clk.Now())}); err != ErrBadCredentials {
		t.Fatalf("wrong password: %v", err)
	}
}

// TestSealer: sealed secrets open only for their account and key.
func TestSealer(t *testing.T) {
	s := NewSealer("key one")
	sealed := s.Seal(5, "JBSWY3DPEHPK3PXP")
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatal("the sealed form holds the secret")
	}
	if got, err := s.Open(5, sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := s.Open(6, sealed); err == nil {
		t.Fatal("opened for another account")
	}
	if _, err := NewSealer("key two").Open(5, sealed); err == nil {
		t.Fatal("opened with another key")
	}
	if _, err := NewSealer("").Open(5, sealed); err == nil {
		t.Fatal("opened without a key")
	}
	plain := NewSealer("").Seal(5, "ABC")
	if got, err := s.Open(5, plain); err != nil || got != "ABC" {
		t.Fatalf("development secret: %q, %v", got, err)
	}
}

// TestCheckReason: the reason typed for a write.
func TestCheckReason(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"持营业执照办理", "持营业执照办理", nil},
		{"  法人\n到场\t办理 ", "法人 到场 办理", nil},
		{"", "", ErrReasonRequired},
		{" \n\t\u200b ", "", ErrReasonRequired},
		{strings.Repeat("因", MaxReasonRunes), strings.Repeat("因", MaxReasonRunes), nil},
		{strings.Repeat("因", MaxReasonRunes+1), "", ErrReasonTooLong},
		{"a\x00b", "a b", nil},
	}
	for _, c := range cases {
		got, err := CheckReason(c.in)
		if got != c.want || err != c.err {
			t.Errorf("CheckReason(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

// TestStartSessionAfterPasswordChange: a back-office session starts only while the
// password Login verified is still the stored one of an enabled account. A change
// of the account's own password, a reset by the security administrator or a
// disabling that commits between Login and StartSession leaves no session
// (ErrBadCredentials, answered as a failed login); so does an account that did
// not come from Login. Without any of them, the session starts (the control).
func TestStartSessionAfterPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		clerk, created := f.create(t, sec, "clerk.race", RoleClerk)
		login := func() Staff { return f.login(t, "clerk.race", knownPassword, created.Enrolment.Secret) }
		live := func() int {
			var n int
			if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ? AND ended_at IS NULL`,
				clerk.StaffID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		tok, _, err := f.svc.StartSession(f.ctx, login(), "", "192.0.2.1", "test")
		if err != nil {
			t.Fatalf("the control: %v", err)
		}
		if err := f.svc.EndSession(f.ctx, tok); err != nil {
			t.Fatal(err)
		}
		st := login()
		// The account's own change, from another of its sessions.
		other := knownPassword + "x"
		if err := f.svc.ChangePassword(f.ctx, clerk, PasswordChange{Current: knownPassword, New: other, Confirm: other}, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.StartSession(f.ctx, st, "", "", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("session after a password change: %v, want ErrBadCredentials", err)
		}
		if err := f.svc.ChangePassword(f.ctx, clerk, PasswordChange{Current: other, New: knownPassword, Confirm: knownPassword}, ""); err != nil {
			t.Fatal(err)
		}
		// A reset by the security administrator.
		st = login()
		if _, err := f.svc.ResetCredentials(f.ctx, sec, clerk.StaffID, "遗失动态口令"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.StartSession(f.ctx, st, "", "", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("session after a reset: %v, want ErrBadCredentials", err)
		}
		// An account that did not come from Login.
		got, err := f.svc.Get(f.ctx, clerk.StaffID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.StartSession(f.ctx, got, "", "", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("session for an account read by Get: %v, want ErrBadCredentials", err)
		}
		// A disabled account, its password unchanged.
		st = f.verified(t, clerk.StaffID)
		if err := f.svc.Disable(f.ctx, sec, clerk.StaffID, "离职"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.StartSession(f.ctx, st, "", "", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("session for a disabled account: %v, want ErrBadCredentials", err)
		}
		if n := live(); n != 0 {
			t.Errorf("%d live sessions after the refused starts, want 0", n)
		}
	})
}

// TestLoginAuditsOnceAfterStart: a login is audited once, after LoginInput.Start.
// A start refused because the password changed during the check (StartSession's
// ErrBadCredentials) leaves one failure record, with its reason and the request
// ID, and no success: the account's last login stays the one that signed in. A
// login whose session starts leaves one success record; a login without Start is
// refused before any check or record.
func TestLoginAuditsOnceAfterStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, c := f.bootstrap(t)
		login := func(requestID string, start func(context.Context, Staff) error) error {
			f.clk.Add(totpPeriod * time.Second)
			_, err := f.svc.Login(f.ctx, LoginInput{Login: "secadmin", Password: knownPassword,
				Code: Code(c.Enrolment.Secret, f.clk.Now()), ClientIP: "192.0.2.30", RequestID: requestID, Start: start})
			return err
		}
		var tok string
		if err := login("req-signed-in", func(ctx context.Context, st Staff) error {
			var err error
			tok, _, err = f.svc.StartSession(ctx, st, "", "192.0.2.30", "test")
			return err
		}); err != nil || tok == "" {
			t.Fatalf("login with its session: %v", err)
		}
		signedIn := f.clk.Now()
		before := len(f.entries(t, "staff.login"))

		// The race: the password is replaced between the check and the session.
		err := login("req-raced", func(ctx context.Context, st Staff) error {
			if _, err := db.Exec(ctx, `UPDATE staff SET password_hash = 'replaced' || password_hash WHERE id = ?`, sec.StaffID); err != nil {
				return err
			}
			_, _, err := f.svc.StartSession(ctx, st, "", "192.0.2.30", "test")
			return err
		})
		if !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("login whose start was refused: %v, want ErrBadCredentials", err)
		}
		es := f.entries(t, "staff.login")[before:]
		if len(es) != 1 {
			t.Fatalf("%d staff.login records for the refused start, want 1: %+v", len(es), es)
		}
		if e := es[0]; e.Result != audit.Failure || e.StaffID != sec.StaffID || e.RequestID != "req-raced" ||
			e.Detail["reason"] != "credential_changed" {
			t.Errorf("the refused start's record: %+v, want a failure with reason credential_changed and the request ID", e)
		}
		// ...and the throttle counted it as the failure it was: the staff member's
		// counter holds one failure (the successful login before cleared it).
		var failures int
		if err := db.QueryRow(f.ctx, `SELECT COALESCE(SUM(failures), 0) FROM throttle_counters WHERE scope = ?`,
			ScopeLogin).Scan(&failures); err != nil {
			t.Fatal(err)
		}
		if failures != 1 {
			t.Errorf("the login throttle holds %d failures after the refused start, want 1", failures)
		}
		acc, err := f.svc.Account(f.ctx, sec, sec.StaffID)
		if err != nil {
			t.Fatal(err)
		}
		if !acc.LastLoginAt.Equal(store.Time(signedIn)) {
			t.Errorf("last login %v after the refused start, want the one that signed in (%v)", acc.LastLoginAt, store.Time(signedIn))
		}

		// Without Start nothing is checked or recorded.
		if _, err := f.svc.Login(f.ctx, LoginInput{Login: "secadmin", Password: knownPassword, Code: "000000"}); !errors.Is(err, errNoStart) {
			t.Errorf("login without Start: %v, want errNoStart", err)
		}
		if n := len(f.entries(t, "staff.login")); n != before+1 {
			t.Errorf("%d staff.login records after a login without Start, want %d", n, before+1)
		}
	})
}

// TestLoginStartFailureAfterCheck: when the password and code were right but the
// session could not start for another reason (the database), the check has
// happened and succeeded, so the throttle hears a success — the account's earlier
// failures are forgotten (ResetOnSuccess) — not a cancellation, which would give
// back only this attempt as if nothing had been checked.
func TestLoginStartFailureAfterCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, c := f.bootstrap(t)
		failures := func() int {
			t.Helper()
			var n int
			if err := db.QueryRow(f.ctx, `SELECT COALESCE(SUM(failures), 0) FROM throttle_counters WHERE scope = ?`,
				ScopeLogin).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		noStart := func(context.Context, Staff) error {
			t.Error("a refused login started a session")
			return nil
		}
		for range 2 {
			f.clk.Add(totpPeriod * time.Second)
			if _, err := f.svc.Login(f.ctx, LoginInput{Login: "secadmin", Password: "wrong" + knownPassword,
				Code: Code(c.Enrolment.Secret, f.clk.Now()), ClientIP: "192.0.2.31", Start: noStart}); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if n := failures(); n != 2 {
			t.Fatalf("the login throttle holds %d failures after two wrong passwords, want 2", n)
		}
		broken := errors.New("the database is gone")
		f.clk.Add(totpPeriod * time.Second)
		_, err := f.svc.Login(f.ctx, LoginInput{Login: "secadmin", Password: knownPassword,
			Code: Code(c.Enrolment.Secret, f.clk.Now()), ClientIP: "192.0.2.31",
			Start: func(context.Context, Staff) error { return broken }})
		if !errors.Is(err, broken) {
			t.Fatalf("login whose start failed: %v, want the start's error", err)
		}
		if n := failures(); n != 0 {
			t.Errorf("the login throttle holds %d failures after a right password whose start failed, want 0 (a success resets)", n)
		}
	})
}
