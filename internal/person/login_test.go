package person

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// residentIDWithX generates resident ID numbers until one ends in X, so that
// the lower-case x login can be tested.
func (f *fixture) residentIDWithX() string {
	for {
		id := ident.GenerateResidentID(f.rnd, "", time.Time{}, true)
		if id[17] == 'X' {
			return id
		}
	}
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		in := f.validInput()
		in.IDNumber = f.residentIDWithX()
		p, err := f.svc.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		passport := f.validInput()
		passport.IDType, passport.IDNumber, passport.Name = string(ident.IDTypeForeignPassport), "E1234567", "ANNA MÜLLER"
		q, err := f.svc.Register(ctx, passport)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, login, password string
			want                  int64 // 0: ErrBadCredentials
		}{
			{"resident ID", p.IDNumber, testPassword, p.ID},
			{"lower-case x", strings.ToLower(p.IDNumber), testPassword, p.ID},
			{"full-width", toFullWidth(p.IDNumber), testPassword, p.ID},
			{"spaces around", "  " + p.IDNumber + " ", testPassword, p.ID},
			{"mobile", p.Mobile, testPassword, p.ID},
			{"mobile with +86", "+86 " + p.Mobile, testPassword, p.ID},
			{"passport", "e1234567", testPassword, q.ID},
			{"passport's mobile", q.Mobile, testPassword, q.ID},
			{"wrong password", p.IDNumber, testPassword + "1", 0},
			{"wrong case", p.Mobile, strings.ToLower(testPassword), 0},
			{"empty password", p.IDNumber, "", 0},
			{"huge password", p.IDNumber, strings.Repeat("A", 10000), 0},
			{"unknown ID", ident.GenerateResidentID(f.rnd, "", time.Time{}, false), testPassword, 0},
			{"unknown mobile", ident.GenerateMobile(f.rnd), testPassword, 0},
			{"malformed login", "'; DROP TABLE persons; --", testPassword, 0},
			{"empty login", "", testPassword, 0},
		} {
			got, err := f.svc.Authenticate(ctx, tc.login, tc.password)
			if tc.want == 0 {
				// The very same error value for every failure.
				if err != ErrBadCredentials || got != (Person{}) {
					t.Errorf("%s: = %+v, %v; want ErrBadCredentials", tc.name, got, err)
				}
				continue
			}
			if err != nil || got.ID != tc.want {
				t.Errorf("%s: = %d, %v; want person %d", tc.name, got.ID, err, tc.want)
			}
		}
	})
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// TestAuthenticateUnknownCostsAHash shows that an unknown account does the work
// of a verify: with the only hashing slot taken, it waits for it (and gets
// ErrBusy) exactly like a known account with a wrong password.
func TestAuthenticateUnknownCostsAHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		cfg := DefaultHashConfig()
		cfg.Memory, cfg.Time, cfg.MaxConcurrent, cfg.MaxWait = 64, 1, 1, 10*time.Millisecond
		h, err := newHasher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		svc := New(db, h, f.codes, ident.DefaultPasswordPolicy(), f.audit, f.clock.Now)
		h.sem <- struct{}{}
		for _, login := range []string{p.IDNumber, ident.GenerateResidentID(f.rnd, "", time.Time{}, true), "nobody"} {
			if _, err := svc.Authenticate(ctx, login, "Wrong#pass1"); !errors.Is(err, ErrBusy) {
				t.Errorf("Authenticate(%s) with hashing saturated = %v, want ErrBusy", login, err)
			}
		}
		<-h.sem
		for _, login := range []string{p.IDNumber, "nobody"} {
			if _, err := svc.Authenticate(ctx, login, "Wrong#pass1"); err != ErrBadCredentials {
				t.Errorf("Authenticate(%s) = %v, want ErrBadCredentials", login, err)
			}
		}
	})
}

// strongerService is the fixture's service with argon2id parameters raised
// (m=128, t=2), so that every stored hash is outdated and a login rehashes it.
func (f *fixture) strongerService(t *testing.T, db *store.DB) (*Hasher, *Service) {
	t.Helper()
	cfg := DefaultHashConfig()
	cfg.Memory, cfg.Time = 128, 2
	stronger, err := newHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return stronger, New(db, stronger, f.codes, ident.DefaultPasswordPolicy(), f.audit, f.clock.Now)
}

func TestAuthenticateRehash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		_, svc := f.strongerService(t, db)
		stored := func() string {
			var h string
			if err := db.QueryRow(ctx, "SELECT password_hash FROM persons WHERE id = ?", p.ID).Scan(&h); err != nil {
				t.Fatal(err)
			}
			return h
		}
		before := stored()
		if _, err := svc.Authenticate(ctx, p.Mobile, "Wrong#pass1"); err != ErrBadCredentials {
			t.Fatalf("wrong password: %v", err)
		}
		if stored() != before {
			t.Fatal("a failed login changed the hash")
		}
		if _, err := svc.Authenticate(ctx, p.Mobile, testPassword); err != nil {
			t.Fatal(err)
		}
		after := stored()
		if !strings.HasPrefix(after, "$argon2id$v=19$m=128,t=2,p=1$") {
			t.Fatalf("hash after login = %q, want the new parameters", after)
		}
		if _, err := svc.Authenticate(ctx, p.Mobile, testPassword); err != nil || stored() != after {
			t.Fatalf("login after rehash: %v (hash changed again: %v)", err, stored() != after)
		}
	})
}

// TestRehashRace: two logins of one person verify the same outdated hash; the
// first rehashes it. The second's rehash finds another hash stored: it returns
// that hash when it is of the same password (so the session's credential check
// passes), and the outdated one when the password was changed meanwhile (so the
// check refuses).
func TestRehashRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		stronger, svc := f.strongerService(t, db)
		var outdated string
		if err := db.QueryRow(ctx, "SELECT password_hash FROM persons WHERE id = ?", p.ID).Scan(&outdated); err != nil {
			t.Fatal(err)
		}
		storeHash := func(password string) string {
			h, err := stronger.Hash(ctx, password)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, "UPDATE persons SET password_hash = ? WHERE id = ?", h, p.ID); err != nil {
				t.Fatal(err)
			}
			return h
		}
		// The first login's rehash, of the same password.
		first := storeHash(testPassword)
		if got := svc.rehash(ctx, p.ID, outdated, testPassword); got != first {
			t.Errorf("rehash after a concurrent rehash returned %.30q…, want the stored hash", got)
		}
		// A password changed meanwhile.
		storeHash("Changed#pass9")
		if got := svc.rehash(ctx, p.ID, outdated, testPassword); got != outdated {
			t.Errorf("rehash after a password change returned %.30q…, want the verified (outdated) hash", got)
		}
	})
}

func TestAuthenticateBySMS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		const binding = "login-page-1"

		code := f.codes.issue(PurposeLogin, binding, p.Mobile, "424242")
		got, err := f.svc.AuthenticateBySMS(ctx, "+86"+p.Mobile, code, binding)
		if err != nil || got.ID != p.ID {
			t.Fatalf("AuthenticateBySMS = %+v, %v", got, err)
		}
		if _, err := f.svc.AuthenticateBySMS(ctx, p.Mobile, code, binding); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("reused code: %v", err)
		}

		// A register code does not log in.
		code = f.codes.issue(PurposeRegister, binding, p.Mobile, "515151")
		if _, err := f.svc.AuthenticateBySMS(ctx, p.Mobile, code, binding); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("register code: %v", err)
		}

		// A refused code keeps the checker's error reachable for the login layer.
		f.codes.refuse = msgError{}
		_, err = f.svc.AuthenticateBySMS(ctx, p.Mobile, "123456", binding)
		f.codes.refuse = nil
		var fm interface{ FieldMessage() string }
		if !errors.Is(err, ErrBadCredentials) || !errors.As(err, &fm) {
			t.Fatalf("refused code: %v", err)
		}

		// Unknown mobile: the code is checked first (and spent), then the same error.
		stranger := ident.GenerateMobile(f.rnd)
		calls := f.codes.Calls()
		if _, err := f.svc.AuthenticateBySMS(ctx, stranger, "999999", binding); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown mobile, wrong code: %v", err)
		}
		code = f.codes.issue(PurposeLogin, binding, stranger, "606060")
		if _, err := f.svc.AuthenticateBySMS(ctx, stranger, code, binding); err != ErrBadCredentials {
			t.Fatalf("unknown mobile, right code: %v", err)
		}
		if f.codes.Calls() != calls+2 {
			t.Fatalf("code checks %d, want 2", f.codes.Calls()-calls)
		}

		// Malformed input never reaches the checker.
		calls = f.codes.Calls()
		for _, tc := range [][2]string{{"12345", "424242"}, {p.Mobile, "42424"}, {p.Mobile, ""}} {
			if _, err := f.svc.AuthenticateBySMS(ctx, tc[0], tc[1], binding); err != ErrBadCredentials {
				t.Errorf("AuthenticateBySMS(%q, %q) = %v", tc[0], tc[1], err)
			}
		}
		if f.codes.Calls() != calls {
			t.Fatal("malformed input was checked")
		}
	})
}

func TestLookupsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := f.svc.Get(ctx, 42); !errors.Is(err, ErrNotFound) || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get: %v", err)
		}
		if _, err := f.svc.ByIdentity(ctx, ident.IDTypeResident, ident.GenerateResidentID(f.rnd, "", time.Time{}, true)); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByIdentity: %v", err)
		}
		if _, err := f.svc.ByIdentity(ctx, "bogus", "123"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByIdentity(bogus): %v", err)
		}
		if _, err := f.svc.ByMobile(ctx, "not a mobile"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByMobile: %v", err)
		}
	})
}

func TestSetPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		// Pretend a counter registration: the password must be changed.
		if _, err := db.Exec(ctx, "UPDATE persons SET must_change_password = ? WHERE id = ?", true, p.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		uscc := ident.GenerateUSCC(f.rnd, "")
		set := func(id int64, pw string, words ...string) error {
			return db.Tx(ctx, func(tx *store.Tx) error { return f.svc.SetPassword(ctx, tx, id, pw, words...) })
		}
		for _, tc := range []struct {
			name, pw string
			words    []string
		}{
			{"empty", "", nil},
			{"short", "Ab1!", nil},
			{"contains mobile", "Zz!" + p.Mobile, nil},
			{"contains USCC", "z!" + uscc, []string{uscc}},
		} {
			err := set(p.ID, tc.pw, tc.words...)
			if fe := formError(t, err); fe.Fields[FieldPassword] == "" || len(fe.Fields) != 1 {
				t.Errorf("%s: %s", tc.name, fieldsOf(fe))
			}
		}
		if err := set(999, "New#Pass2026"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown person: %v", err)
		}
		if err := set(p.ID, "New#Pass2026"); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Get(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.MustChangePassword || !got.PasswordChangedAt.Equal(f.clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("after SetPassword: %+v", got)
		}
		if _, err := f.svc.Authenticate(ctx, p.Mobile, testPassword); err != ErrBadCredentials {
			t.Fatalf("old password: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, p.Mobile, "New#Pass2026"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		// A rolled-back transaction leaves the password alone.
		boom := errors.New("boom")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := f.svc.SetPassword(ctx, tx, p.ID, "Other#Pass2026"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, p.Mobile, "New#Pass2026"); err != nil {
			t.Fatalf("password after rollback: %v", err)
		}
	})
}
