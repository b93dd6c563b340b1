package person

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// fakeEnder is a SessionEnder that records its calls and writes inside the
// change's transaction, so a rollback of the change shows in the table too.
type fakeEnder struct {
	mu    sync.Mutex
	calls []*int64
	fail  error
}

// EndPersonalTx records a nil unit: the person's own sessions.
func (e *fakeEnder) EndPersonalTx(ctx context.Context, tx *store.Tx, personID int64) (int, error) {
	return e.EndAllTx(ctx, tx, personID, nil)
}

func (e *fakeEnder) EndAllTx(ctx context.Context, tx *store.Tx, personID int64, unitID *int64) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, unitID)
	if e.fail != nil {
		return 0, e.fail
	}
	return 2, nil
}

// reauth is a Reauth that accepts want and counts its calls.
type reauth struct {
	want  string
	calls int
	err   error // returned instead when set
}

func (r *reauth) check(_ context.Context, current string) error {
	r.calls++
	if r.err != nil {
		return r.err
	}
	if current != r.want {
		return ErrBadCredentials
	}
	return nil
}

func auditActions(t *testing.T, f *fixture, action string) []audit.Entry {
	t.Helper()
	es, _, err := f.audit.List(context.Background(), audit.Filter{Action: action, PerPage: audit.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

const newPassword = "Nw5#kLp9Tq"

func TestChangePasswordInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p, _ := f.register(t)
		cases := []struct {
			name                  string
			current, new, confirm string
			words                 []string
			want                  map[string]string // field → message part
		}{
			{"all empty", "", "", "", nil, map[string]string{FieldCurrentPassword: "请输入当前密码",
				FieldNewPassword: "请输入新密码", FieldConfirm: "请再次输入新密码"}},
			{"same as current", testPassword, testPassword, testPassword, nil, map[string]string{FieldNewPassword: "不能与当前密码相同"}},
			{"too short", testPassword, "Ab1!", "Ab1!", nil, map[string]string{FieldNewPassword: "8"}},
			{"two classes", testPassword, "abcdefgh12", "abcdefgh12", nil, map[string]string{FieldNewPassword: "三"}},
			{"contains ID number", testPassword, "Aa!" + p.IDNumber[12:], "Aa!" + p.IDNumber[12:], nil, map[string]string{FieldNewPassword: ""}},
			{"contains mobile", testPassword, "Aa!" + p.Mobile, "Aa!" + p.Mobile, nil, map[string]string{FieldNewPassword: ""}},
			{"contains context word", testPassword, "Aa!ma1xyz0q", "Aa!ma1xyz0q", []string{"MA1XYZ0Q"}, map[string]string{FieldNewPassword: ""}},
			{"confirm differs", testPassword, newPassword, newPassword + "x", nil, map[string]string{FieldConfirm: "不一致"}},
			{"confirm missing", "", newPassword, "", nil, map[string]string{FieldCurrentPassword: "", FieldConfirm: "请再次输入新密码"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ra := &reauth{want: testPassword}
				ender := &fakeEnder{}
				_, err := f.svc.ChangePassword(context.Background(), PasswordChange{PersonID: p.ID, Current: tc.current,
					New: tc.new, Confirm: tc.confirm, ContextWords: tc.words, Reauth: ra.check, Sessions: ender})
				fe := formError(t, err)
				if len(fe.Fields) != len(tc.want) {
					t.Errorf("fields %s, want %v", fieldsOf(fe), tc.want)
				}
				for field, part := range tc.want {
					if msg, ok := fe.Fields[field]; !ok || !strings.Contains(msg, part) {
						t.Errorf("%s: %q, want one containing %q (all: %s)", field, msg, part, fieldsOf(fe))
					}
				}
				if ra.calls != 0 || len(ender.calls) != 0 {
					t.Errorf("re-authenticated %d times, ended sessions %d times on a refused form", ra.calls, len(ender.calls))
				}
			})
		}
		if _, err := f.svc.Authenticate(context.Background(), p.IDNumber, testPassword); err != nil {
			t.Fatalf("password changed by refused forms: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		change := func(current string, ra *reauth, ender *fakeEnder) (PasswordChanged, error) {
			return f.svc.ChangePassword(ctx, PasswordChange{PersonID: p.ID, Current: current, New: newPassword,
				Confirm: newPassword, Reauth: ra.check, Sessions: ender,
				Actor: Actor{UnitID: 0, ClientAddr: "203.0.113.8", RequestID: "req-1"}})
		}

		// A wrong current password: refused by Reauth, nothing written.
		ender := &fakeEnder{}
		if _, err := change("Wrong-Pass-9", &reauth{want: testPassword}, ender); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong current: %v, want ErrBadCredentials", err)
		}
		// Any other Reauth error comes back as it is (the web layer's captcha).
		errCaptcha := errors.New("captcha wanted")
		if _, err := change(testPassword, &reauth{err: errCaptcha}, ender); !errors.Is(err, errCaptcha) {
			t.Fatalf("reauth error: %v", err)
		}
		// The session ender fails: the change rolls back.
		if _, err := change(testPassword, &reauth{want: testPassword}, &fakeEnder{fail: errors.New("db down")}); err == nil {
			t.Fatal("change succeeded although its sessions could not be ended")
		}
		if len(ender.calls) != 0 || len(auditActions(t, f, "person.password")) != 0 {
			t.Fatal("a refused change ended sessions or was audited")
		}
		if _, err := f.svc.Authenticate(ctx, p.IDNumber, testPassword); err != nil {
			t.Fatalf("old password after refused changes: %v", err)
		}

		f.clock.Add(3600e9)
		changed, err := change(testPassword, &reauth{want: testPassword}, ender)
		if err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		// The hash it returns is the one stored: the browser is signed in again
		// with it, which fails if it is not.
		var stored string
		if err := db.QueryRow(ctx, `SELECT password_hash FROM persons WHERE id = ?`, p.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if changed.Hash == "" || changed.Hash != stored {
			t.Errorf("returned hash %q, stored %q", changed.Hash, stored)
		}
		if n := changed.SessionsEnded; n != 2 || len(ender.calls) != 1 || ender.calls[0] != nil {
			t.Fatalf("sessions: ended %d, calls %v; want the person's own sessions", changed.SessionsEnded, ender.calls)
		}
		if _, err := f.svc.Authenticate(ctx, p.Mobile, testPassword); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("old password still works: %v", err)
		}
		got, err := f.svc.Authenticate(ctx, p.Mobile, newPassword)
		if err != nil {
			t.Fatalf("new password: %v", err)
		}
		if !got.PasswordChangedAt.Equal(store.Time(f.clock.Now())) {
			t.Errorf("password_changed_at %s, want %s", got.PasswordChangedAt, store.Time(f.clock.Now()))
		}
		es := auditActions(t, f, "person.password.change")
		if len(es) != 1 || es[0].PersonID != p.ID || es[0].ClientIP != "203.0.113.8" || es[0].Detail["sessions_ended"] != "2" {
			t.Fatalf("audit: %+v", es)
		}
		if _, err := f.svc.ChangePassword(ctx, PasswordChange{PersonID: p.ID + 99, Current: "x", New: newPassword + "1",
			Confirm: newPassword + "1", Reauth: (&reauth{}).check, Sessions: ender}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown person: %v", err)
		}
	})
}

// mobileForm is a complete mobile change for p to a new invented number, with both
// codes issued.
func (f *fixture) mobileForm(p Person, binding string) MobileChange {
	m := ident.GenerateMobile(f.rnd)
	return MobileChange{
		PersonID: p.ID, Current: testPassword, NewMobile: m, Binding: binding,
		OldCode: f.codes.issue(PurposeMobileOld, binding, p.Mobile, "135790"),
		NewCode: f.codes.issue(PurposeMobileNew, binding, m, "864200"),
		Actor:   Actor{ClientAddr: "198.51.100.3"},
	}
}

func TestChangeMobileInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p, _ := f.register(t)
		cases := []struct {
			name string
			mod  func(*MobileChange)
			want map[string]string
		}{
			{"no current password", func(c *MobileChange) { c.Current = "" }, map[string]string{FieldCurrentPassword: "请输入当前密码"}},
			{"old code short", func(c *MobileChange) { c.OldCode = "12345" }, map[string]string{FieldOldCode: "6位"}},
			{"new mobile missing", func(c *MobileChange) { c.NewMobile = "" }, map[string]string{FieldNewMobile: "请输入新手机号码"}},
			{"new mobile malformed", func(c *MobileChange) { c.NewMobile = "12345678901" }, map[string]string{FieldNewMobile: ""}},
			{"new mobile is the old", func(c *MobileChange) { c.NewMobile = "+86 " + p.Mobile }, map[string]string{FieldNewMobile: "相同"}},
			{"new code letters", func(c *MobileChange) { c.NewCode = "12345a" }, map[string]string{FieldNewCode: "6位"}},
			{"everything", func(c *MobileChange) { *c = MobileChange{PersonID: p.ID} }, map[string]string{FieldCurrentPassword: "",
				FieldOldCode: "", FieldNewMobile: "", FieldNewCode: ""}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := f.mobileForm(p, "b-"+tc.name)
				tc.mod(&c)
				ra := &reauth{want: testPassword}
				c.Reauth = ra.check
				before := f.codes.Calls()
				_, err := f.svc.ChangeMobile(context.Background(), c)
				fe := formError(t, err)
				if len(fe.Fields) != len(tc.want) {
					t.Errorf("fields %s, want %v", fieldsOf(fe), tc.want)
				}
				for field, part := range tc.want {
					if msg, ok := fe.Fields[field]; !ok || !strings.Contains(msg, part) {
						t.Errorf("%s: %q, want one containing %q", field, msg, part)
					}
				}
				if ra.calls != 0 || f.codes.Calls() != before {
					t.Error("a refused form re-authenticated or checked a code")
				}
			})
		}
	})
}

func TestChangeMobile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		other, _ := f.register(t)
		oldMobile := p.Mobile

		type outcome struct {
			err       error  // errors.Is target, nil for success
			field     string // FormError field, "" for none
			codeCalls int    // codes checked
		}
		cases := []struct {
			name string
			mod  func(*MobileChange)
			want outcome
		}{
			{"wrong password", func(c *MobileChange) { c.Current = "Wrong-Pass-9" }, outcome{ErrBadCredentials, "", 0}},
			{"wrong old code", func(c *MobileChange) { c.OldCode = "000001" }, outcome{&FormError{}, FieldOldCode, 1}},
			{"wrong new code", func(c *MobileChange) { c.NewCode = "000001" }, outcome{&FormError{}, FieldNewCode, 2}},
			{"code of another browser", func(c *MobileChange) { c.Binding = "another" }, outcome{&FormError{}, FieldOldCode, 1}},
			{"new mobile taken", func(c *MobileChange) {
				c.NewMobile = other.Mobile
				c.NewCode = f.codes.issue(PurposeMobileNew, c.Binding, other.Mobile, "864200")
			}, outcome{ErrMobileTaken, FieldNewMobile, 2}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := f.mobileForm(p, "b-"+tc.name)
				tc.mod(&c)
				c.Reauth = (&reauth{want: testPassword}).check
				before := f.codes.Calls()
				_, err := f.svc.ChangeMobile(ctx, c)
				if !errors.Is(err, tc.want.err) {
					t.Fatalf("ChangeMobile = %v, want %v", err, tc.want.err)
				}
				if tc.want.field != "" {
					if fe := formError(t, err); fe.Fields[tc.want.field] == "" {
						t.Errorf("no message on %s: %s", tc.want.field, fieldsOf(fe))
					}
				}
				if got := f.codes.Calls() - before; got != tc.want.codeCalls {
					t.Errorf("%d codes checked, want %d", got, tc.want.codeCalls)
				}
				if q, err := f.svc.Get(ctx, p.ID); err != nil || q.Mobile != oldMobile {
					t.Fatalf("mobile changed by a refused change: %v %s", err, ident.MaskMobile(q.Mobile))
				}
			})
		}
		if n := len(auditActions(t, f, "person.mobile")); n != 0 {
			t.Fatalf("%d audit records of refused changes", n)
		}

		c := f.mobileForm(p, "b-ok")
		c.Reauth = (&reauth{want: testPassword}).check
		got, err := f.svc.ChangeMobile(ctx, c)
		if err != nil {
			t.Fatalf("ChangeMobile: %v", err)
		}
		if got.Mobile != c.NewMobile {
			t.Fatalf("returned mobile %s", ident.MaskMobile(got.Mobile))
		}
		if q, err := f.svc.ByMobile(ctx, c.NewMobile); err != nil || q.ID != p.ID {
			t.Fatalf("ByMobile(new) = %v, %v", q.ID, err)
		}
		if _, err := f.svc.ByMobile(ctx, oldMobile); !errors.Is(err, ErrNotFound) {
			t.Fatalf("old mobile still names an account: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, c.NewMobile, testPassword); err != nil {
			t.Fatalf("login by the new mobile: %v", err)
		}
		es := auditActions(t, f, "person.mobile.change")
		if len(es) != 1 || es[0].Detail["old_mobile"] != ident.MaskMobile(oldMobile) || es[0].Detail["new_mobile"] != ident.MaskMobile(c.NewMobile) {
			t.Fatalf("audit: %+v", es)
		}
		// The codes were single use.
		c.Reauth = (&reauth{want: testPassword}).check
		if _, err := f.svc.ChangeMobile(ctx, c); err == nil {
			t.Fatal("the same codes changed the mobile twice")
		}
	})
}

// TestChangeMobileConcurrent: two people race for one new number; the database
// lets exactly one have it (SPEC §9: a mobile belongs to one person).
func TestChangeMobileConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		target := ident.GenerateMobile(f.rnd)
		const n = 6
		forms := make([]MobileChange, n)
		for i := range forms {
			p, _ := f.register(t)
			c := f.mobileForm(p, "race-"+p.Mobile)
			c.NewMobile = target
			c.NewCode = f.codes.issue(PurposeMobileNew, c.Binding, target, "864200")
			c.Reauth = func(context.Context, string) error { return nil }
			forms[i] = c
		}
		errs := together(len(forms), func(i int) error {
			_, err := f.svc.ChangeMobile(context.Background(), forms[i])
			return err
		})
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrMobileTaken):
			default:
				t.Errorf("change %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d changes to one number succeeded, want exactly 1", ok)
		}
	})
}

func TestCheckNewMobile(t *testing.T) {
	const current = "13912345678"
	cases := []struct {
		raw, want, msg string
	}{
		{"13812345678", "13812345678", ""},
		{" +86 138-1234-5678 ", "13812345678", ""},
		{"１３８１２３４５６７８", "13812345678", ""},
		{"", "", "请输入新手机号码"},
		{"   ", "", "请输入新手机号码"},
		{"12812345678", "", "手机号码"},
		{"1381234567", "", "手机号码"},
		{current, "", "相同"},
		{"+8613912345678", "", "相同"},
	}
	for _, tc := range cases {
		got, err := CheckNewMobile(current, tc.raw)
		if tc.msg == "" {
			if err != nil || got != tc.want {
				t.Errorf("CheckNewMobile(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
			continue
		}
		var fe *FormError
		if !errors.As(err, &fe) || !strings.Contains(fe.Fields[FieldNewMobile], tc.msg) || got != "" {
			t.Errorf("CheckNewMobile(%q) = %q, %v; want a message with %q", tc.raw, got, err, tc.msg)
		}
	}
}

func FuzzCheckNewMobile(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "", "１３８", "13912345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CheckNewMobile("13912345678", raw)
		if err != nil {
			var fe *FormError
			if !errors.As(err, &fe) || fe.Fields[FieldNewMobile] == "" || got != "" {
				t.Fatalf("CheckNewMobile(%q) = %q, %v", raw, got, err)
			}
			return
		}
		if m, nerr := ident.NormalizeMobile(got); nerr != nil || m != got || got == "13912345678" {
			t.Fatalf("CheckNewMobile(%q) = %q: not a new normalised mobile", raw, got)
		}
	})
}
