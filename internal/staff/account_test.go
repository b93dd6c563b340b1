package staff

import (
	"errors"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestBootstrap: `hall staff add` makes the first security administrator once; a
// second needs force; both are audited with the reason.
func TestBootstrap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, err := f.svc.Bootstrap(f.ctx, " SecAdmin ", "安全管理员甲", "首次部署", false)
		if err != nil {
			t.Fatal(err)
		}
		if c.Staff.Login != "secadmin" || !c.Staff.Roles.Has(RoleSecurity) || !c.Staff.MustChangePassword {
			t.Fatalf("created %+v", c.Staff)
		}
		if c.InitialPassword == "" || c.Enrolment.Secret == "" || c.Enrolment.URI == "" {
			t.Fatalf("no initial credentials: %+v", c)
		}
		if _, err := f.svc.Bootstrap(f.ctx, "second", "安全管理员乙", "再来一个", false); err != ErrSecurityExists {
			t.Fatalf("second bootstrap without force: %v, want ErrSecurityExists", err)
		}
		if _, err := f.svc.Bootstrap(f.ctx, "secadmin", "安全管理员乙", "锁定后恢复", true); err != ErrLoginTaken {
			t.Fatalf("forced bootstrap with a taken login: %v, want ErrLoginTaken", err)
		}
		if _, err := f.svc.Bootstrap(f.ctx, "second", "安全管理员乙", " ", true); err != ErrReasonRequired {
			t.Fatalf("bootstrap without reason: %v, want ErrReasonRequired", err)
		}
		if _, err := f.svc.Bootstrap(f.ctx, "second", "安全管理员乙", "锁定后恢复", true); err != nil {
			t.Fatalf("forced bootstrap: %v", err)
		}
		es := f.entries(t, "staff.bootstrap")
		if len(es) != 2 || es[0].Detail["reason"] != "首次部署" || es[1].Detail["forced"] != "true" || es[0].Role != "security" {
			t.Fatalf("audit: %+v", es)
		}
	})
}

// TestAccountRules: creating accounts and changing roles, as a table of who asks
// what, on both engines.
func TestAccountRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		clerk, _ := f.create(t, sec, "clerk1", RoleClerk)
		sec2, _ := f.create(t, sec, "secadmin2", RoleSecurity)

		cases := []struct {
			name string
			do   func() error
			want error
		}{
			{"clerk creates an account", func() error {
				_, err := f.svc.Create(f.ctx, clerk, NewStaff{Login: "xa1", Name: "某", Roles: RolesOf(RoleClerk)}, "因")
				return err
			}, DenyRole},
			{"conflicting roles at creation", func() error {
				_, err := f.svc.Create(f.ctx, sec, NewStaff{Login: "xa2", Name: "某", Roles: RolesOf(RoleAuditor, RoleClerk)}, "因")
				return err
			}, ErrRoleConflict},
			{"no role at creation", func() error {
				_, err := f.svc.Create(f.ctx, sec, NewStaff{Login: "xa3", Name: "某"}, "因")
				return err
			}, ErrNoRole},
			{"bad login name", func() error {
				_, err := f.svc.Create(f.ctx, sec, NewStaff{Login: "1abc", Name: "某", Roles: RolesOf(RoleClerk)}, "因")
				return err
			}, ErrBadLogin},
			{"taken login name", func() error {
				_, err := f.svc.Create(f.ctx, sec, NewStaff{Login: "CLERK1", Name: "某", Roles: RolesOf(RoleClerk)}, "因")
				return err
			}, ErrLoginTaken},
			{"no reason", func() error {
				_, err := f.svc.Create(f.ctx, sec, NewStaff{Login: "xa4", Name: "某", Roles: RolesOf(RoleClerk)}, "")
				return err
			}, ErrReasonRequired},
			{"security admin gives themselves a business role", func() error {
				return f.svc.SetRoles(f.ctx, sec, sec.StaffID, RolesOf(RoleSecurity), RolesOf(RoleClerk), "兼岗")
			}, DenySelf},
			{"security admin makes another both security and auditor", func() error {
				return f.svc.SetRoles(f.ctx, sec, sec2.StaffID, RolesOf(RoleSecurity), RolesOf(RoleSecurity, RoleAuditor), "兼岗")
			}, ErrRoleConflict},
			{"stale roles", func() error {
				return f.svc.SetRoles(f.ctx, sec, clerk.StaffID, RolesOf(RoleReviewer), RolesOf(RoleClerk, RoleReviewer), "增加审核")
			}, ErrStaleRoles},
			{"security admin disables themselves", func() error {
				return f.svc.Disable(f.ctx, sec, sec.StaffID, "离职")
			}, DenySelf},
			{"clerk resets another's credentials", func() error {
				_, err := f.svc.ResetCredentials(f.ctx, clerk, sec.StaffID, "忘记密码")
				return err
			}, DenyRole},
			{"clerk lists staff", func() error {
				_, _, err := f.svc.List(f.ctx, clerk, 1, 0)
				return err
			}, DenyRole},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := c.do(); !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
			})
		}
		if !hasEntry(f.entries(t, "staff.roles"), "staff.roles", audit.Denied, sec.StaffID) {
			t.Error("the denied self-grant was not audited")
		}

		// A role change ends the account's sessions and is audited with the reason.
		tok, _, err := f.svc.StartSession(f.ctx, f.verified(t, clerk.StaffID), "", "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetRoles(f.ctx, sec, clerk.StaffID, RolesOf(RoleClerk), RolesOf(RoleClerk, RoleReviewer), "增加审核"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Lookup(f.ctx, tok); err != ErrNoSession {
			t.Fatalf("session after a role change: %v, want ErrNoSession", err)
		}
		es := f.entries(t, "staff.roles")
		last := es[len(es)-1]
		if last.Result != audit.Success || last.Detail["to"] != "clerk,reviewer" || last.Detail["reason"] != "增加审核" ||
			last.StaffID != sec.StaffID || last.Role != "security" || last.Target != Target(clerk.StaffID) {
			t.Fatalf("audit of the role change: %+v", last)
		}

		// A disabled account cannot sign in, and comes back when enabled.
		if err := f.svc.Disable(f.ctx, sec, clerk.StaffID, "离职"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: "clerk1", Password: knownPassword, Code: "000000"}); err != ErrBadCredentials {
			t.Fatalf("disabled login: %v", err)
		}
		if err := f.svc.Enable(f.ctx, sec, clerk.StaffID, "返岗"); err != nil {
			t.Fatal(err)
		}
		st, _ := f.svc.Get(f.ctx, clerk.StaffID)
		if st.Disabled || st.Roles != RolesOf(RoleClerk, RoleReviewer) {
			t.Fatalf("after enable: %+v", st)
		}
	})
}

// TestRoleSeparationInDatabase: the CHECK on the staff table refuses what Roles.Valid
// refuses, whatever writes the row.
func TestRoleSeparationInDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		combos := []struct {
			clerk, reviewer, security, auditor bool
		}{
			{false, false, true, true}, {true, false, true, false}, {false, true, false, true}, {true, true, false, true},
		}
		for i, c := range combos {
			_, err := db.Exec(ctx, `INSERT INTO staff (login, name, password_hash, is_clerk, is_reviewer, is_security,
				is_auditor, totp_secret, created_at, updated_at) VALUES (?, '某', 'x', ?, ?, ?, ?, '', ?, ?)`,
				"combo"+string(rune('a'+i)), c.clerk, c.reviewer, c.security, c.auditor, t0, t0)
			if !store.IsConstraintViolation(err) {
				t.Errorf("%+v: %v, want a constraint violation", c, err)
			}
		}
	})
}

// TestResetCredentials: a reset gives a new password and TOTP secret; the old ones
// stop working and the account's sessions end.
func TestResetCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		clerk, old := f.create(t, sec, "clerk1", RoleClerk)
		tok, _, err := f.svc.StartSession(f.ctx, f.verified(t, clerk.StaffID), "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.ResetCredentials(f.ctx, sec, clerk.StaffID, "手机丢失")
		if err != nil {
			t.Fatal(err)
		}
		if c.Enrolment.Secret == old.Enrolment.Secret || c.InitialPassword == "" {
			t.Fatal("reset gave the old secret or no password")
		}
		if _, err := f.svc.Lookup(f.ctx, tok); err != ErrNoSession {
			t.Fatalf("session after reset: %v", err)
		}
		f.clk.Add(totpPeriod * 1e9)
		if _, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: "clerk1", Password: knownPassword,
			Code: Code(old.Enrolment.Secret, f.clk.Now())}); err != ErrBadCredentials {
			t.Fatalf("old credentials after reset: %v", err)
		}
		st := f.login(t, "clerk1", c.InitialPassword, c.Enrolment.Secret)
		if !st.MustChangePassword || !st.TOTPConfirmed {
			t.Fatalf("after reset and login: %+v", st)
		}
		if _, err := Authorize(actorOf(st), ActionCounterSubmit, Subject{}); err != DenyMustChange {
			t.Fatalf("business before changing the initial password: %v", err)
		}
	})
}

// TestListPaged: the security administrator's list is paged by login, counts every
// account and shows the last successful login (none for an account never signed in);
// an account page reads the same; other roles are refused.
func TestListPaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		clerk, _ := f.create(t, sec, "clerk1", RoleClerk)
		loggedIn := f.clk.Now()
		fresh, err := f.svc.Create(f.ctx, sec, NewStaff{Login: "auditor9", Name: "未登录", Roles: RolesOf(RoleAuditor)}, "入职")
		if err != nil {
			t.Fatal(err)
		}
		// A failed login is no login.
		f.clk.Add(time.Minute)
		if _, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: "clerk1", Password: "wrong", Code: "000000"}); err == nil {
			t.Fatal("a wrong password signed in")
		}

		page1, total, err := f.svc.List(f.ctx, sec, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(page1) != 2 || page1[0].Login != "auditor9" || page1[1].Login != "clerk1" {
			t.Fatalf("page 1: %d %+v", total, page1)
		}
		if !page1[0].LastLoginAt.IsZero() {
			t.Errorf("never signed in, yet last login %v", page1[0].LastLoginAt)
		}
		if !page1[1].LastLoginAt.Equal(store.Time(loggedIn)) {
			t.Errorf("clerk's last login %v, want %v", page1[1].LastLoginAt, store.Time(loggedIn))
		}
		page2, _, err := f.svc.List(f.ctx, sec, 2, 2)
		if err != nil || len(page2) != 1 || page2[0].Login != "secadmin" {
			t.Fatalf("page 2: %+v %v", page2, err)
		}
		if past, _, err := f.svc.List(f.ctx, sec, 3, 2); err != nil || len(past) != 0 {
			t.Fatalf("past the last page: %+v %v", past, err)
		}
		acc, err := f.svc.Account(f.ctx, sec, fresh.Staff.ID)
		if err != nil || acc.Login != "auditor9" || !acc.LastLoginAt.IsZero() {
			t.Fatalf("account: %+v %v", acc, err)
		}
		if _, err := f.svc.Account(f.ctx, sec, 999999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown account: %v", err)
		}
		if _, err := f.svc.Account(f.ctx, clerk, sec.StaffID); !errors.Is(err, DenyRole) {
			t.Fatalf("clerk reads an account: %v", err)
		}
	})
}
