package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// TestUnitLoginRoles maps unit logins to roles by the rules of the unit password
// login: a role in the unit, usable now.
func TestUnitLoginRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rep, admin, agent := e.addPerson(t, "周明远"), e.addPerson(t, "陈静"), e.addPerson(t, "李强")
		lapsed, pending, outsider := e.addPerson(t, "王芳"), e.addPerson(t, "刘洋"), e.addPerson(t, "孙丽")
		u := e.addUnit(t, "示范澄睿信息技术有限公司", rep)
		until := e.clk.Now().Add(30 * 24 * time.Hour)
		over := e.clk.Now().Add(-time.Hour)
		e.addMember(t, u, admin, unit.Membership{Role: unit.RoleAdmin, Status: unit.StatusActive})
		e.addMember(t, u, agent, unit.Membership{Role: unit.RoleAgent, Status: unit.StatusActive, ValidUntil: &until})
		e.addMember(t, u, lapsed, unit.Membership{Role: unit.RoleAgent, Status: unit.StatusActive, ValidUntil: &over})
		e.addMember(t, u, pending, unit.Membership{Role: unit.RoleAgent, Status: unit.StatusPending, ValidUntil: &until})
		closedRep := e.addPerson(t, "赵敏")
		closed := e.addUnit(t, "示范旧城商贸有限公司", closedRep)
		if _, err := db.Exec(t.Context(), "UPDATE units SET status = 'closed' WHERE id = ?", closed.ID); err != nil {
			t.Fatal(err)
		}
		nobody := person.Person{IDType: rep.IDType, IDNumber: "110101199003077774", Name: "钱多多"}

		cases := []struct {
			name   string
			claims map[string]any
			role   auth.Role // want, when err is nil
			err    error
			msg    string // part of the message, when err is set
		}{
			{"legal rep", unitClaims(rep, u.USCC, u.Name, "法定代表人"), auth.RoleLegalRep, nil, ""},
			{"admin", unitClaims(admin, u.USCC, u.Name, "管理员"), auth.RoleAdmin, nil, ""},
			{"agent inside the validity", unitClaims(agent, u.USCC, u.Name, "经办人"), auth.RoleAgent, nil, ""},
			{"the hall's role, not the provider's", unitClaims(agent, u.USCC, u.Name, "法定代表人"), auth.RoleAgent, nil, ""},
			{"agent after the validity", unitClaims(lapsed, u.USCC, u.Name, ""), "", oidc.ErrRoleNotUsable, "授权已过期"},
			{"agent not confirmed", unitClaims(pending, u.USCC, u.Name, ""), "", oidc.ErrRoleNotUsable, "授权尚未确认"},
			{"no role", unitClaims(outsider, u.USCC, u.Name, ""), "", oidc.ErrNoRole, "不是该单位"},
			{"closed unit", unitClaims(closedRep, closed.USCC, closed.Name, ""), "", oidc.ErrUnitClosed, "已注销"},
			{"no USCC", personClaims(rep), "", oidc.ErrClaims, "统一社会信用代码"},
			{"USCC with a wrong check character", unitClaims(rep, flip(u.USCC), u.Name, ""), "", oidc.ErrClaims, "统一社会信用代码无效"},
			{"person without an account", unitClaims(nobody, u.USCC, u.Name, ""), "", oidc.ErrUnknownPerson, "再使用该方式登录单位"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				l, err := e.login(t, oidc.PurposeUnit, &user{sub: "s-" + tc.name, claims: tc.claims})
				if tc.err != nil {
					if !errors.Is(err, tc.err) || !strings.Contains(oidc.Message(err), tc.msg) {
						t.Fatalf("error %v (%q), want %v with %q", err, oidc.Message(err), tc.err, tc.msg)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if l.Subject.UnitID != u.ID || l.Subject.Role != tc.role || l.Subject.PersonID != l.Person.ID || l.Unit.ID != u.ID || l.OpenedUnit {
					t.Fatalf("login %+v, want role %s in unit %d", l, tc.role, u.ID)
				}
			})
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'login.unit.oidc' AND result = 'denied'`); n != 4 {
			t.Errorf("%d denials audited, want 4 (two unusable roles, no role, closed unit)", n)
		}
	})
}

// downRegistry cannot be asked.
type downRegistry struct{}

func (downRegistry) Lookup(context.Context, string) (registry.Entry, error) {
	return registry.Entry{}, fmt.Errorf("%w: connection refused", registry.ErrUnavailable)
}

// TestFirstLoginOpensUnit is R5: a first login of a unit the registry knows opens
// its account when the registry agrees; otherwise nothing is created.
func TestFirstLoginOpensUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rep, other := e.addPerson(t, "周明远"), e.addPerson(t, "陈静")
		open := e.addEntry(t, "示范启航软件有限公司", rep, registry.StatusActive)
		cancelled := e.addEntry(t, "示范停业贸易有限公司", rep, registry.StatusCancelled)
		unregistered := person.Person{IDType: rep.IDType, IDNumber: "110101199003077774", Name: "钱多多"}
		noAccount := e.addEntry(t, "示范无账户科技有限公司", unregistered, registry.StatusActive)
		units := func() int { return count(t, db, "SELECT COUNT(*) FROM units") }

		refusals := []struct {
			name   string
			claims map[string]any
			err    error
		}{
			{"unit the registry does not know", unitClaims(rep, ident.GenerateUSCC(e.g, "320102"), "", ""), oidc.ErrUnknownUnit},
			{"another unit name", unitClaims(rep, open.USCC, "示范别名有限公司", "法定代表人"), oidc.ErrRegistryMismatch},
			{"a holder who is not the legal rep", unitClaims(other, open.USCC, open.Name, "经办人"), oidc.ErrUnitNotOpened},
			{"not the legal rep, no role claimed", unitClaims(other, open.USCC, open.Name, ""), oidc.ErrUnitNotOpened},
			{"called legal rep, but the registry names another", unitClaims(other, open.USCC, open.Name, "法定代表人"), oidc.ErrRegistryMismatch},
			{"unit no longer in business", unitClaims(rep, cancelled.USCC, cancelled.Name, ""), oidc.ErrRegistryMismatch},
			{"legal rep without a personal account", unitClaims(unregistered, noAccount.USCC, noAccount.Name, ""), oidc.ErrUnknownPerson},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.login(t, oidc.PurposeUnit, &user{sub: "s", claims: tc.claims})
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				if n := units(); n != 0 {
					t.Fatalf("%d units after a refused first login", n)
				}
			})
		}

		s := *e
		var err error
		if s.oidc, err = buildOIDC(e.svc, downRegistry{}, e.clk.Now, e.cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := s.login(t, oidc.PurposeUnit, &user{sub: "s", claims: unitClaims(rep, open.USCC, open.Name, "")}); !errors.Is(err, oidc.ErrRegistryUnavailable) {
			t.Errorf("registry down: %v, want ErrRegistryUnavailable", err)
		}

		l, err := e.login(t, oidc.PurposeUnit, &user{sub: "s", claims: unitClaims(rep, open.USCC, "", "")})
		if err != nil {
			t.Fatalf("first login: %v", err)
		}
		if !l.OpenedUnit || l.Unit.USCC != open.USCC || l.Unit.Name != open.Name || l.Unit.UnitNumber == "" ||
			l.Subject != (auth.Subject{PersonID: rep.ID, UnitID: l.Unit.ID, Role: auth.RoleLegalRep}) {
			t.Fatalf("first login %+v", l)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'unit.register' AND unit_id = ?`, l.Unit.ID); n != 1 {
			t.Errorf("%d unit.register records, want 1", n)
		}
		again, err := e.login(t, oidc.PurposeUnit, &user{sub: "s", claims: unitClaims(rep, open.USCC, open.Name, "")})
		if err != nil || again.OpenedUnit || again.Unit.ID != l.Unit.ID {
			t.Fatalf("second login %+v, %v", again, err)
		}
	})
}

// TestFirstLoginsAtOnce: ten first logins of one unit at the same time open its
// account exactly once, and every one of them logs in to it.
func TestFirstLoginsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rep := e.addPerson(t, "周明远")
		en := e.addEntry(t, "示范并发科技有限公司", rep, registry.StatusActive)
		const n = 10
		browsers := make([]string, n)
		queries := make([][]string, n)
		for i := range n {
			browsers[i] = fmt.Sprintf("browser-%02d-binding-0123456789abcdef", i)
			authURL, err := e.oidc.Start(t.Context(), "gov", oidc.PurposeUnit, browsers[i], "")
			if err != nil {
				t.Fatal(err)
			}
			e.mock.QueueUser(&user{sub: "s", claims: unitClaims(rep, en.USCC, en.Name, "法定代表人")})
			q := follow(t, authURL, "http://hall.test"+oidc.CallbackPath("gov"))
			queries[i] = []string{q.Get("state"), q.Get("code")}
		}
		start := make(chan struct{})
		logins := make([]oidc.Login, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				q := map[string][]string{"state": {queries[i][0]}, "code": {queries[i][1]}}
				logins[i], errs[i] = e.oidc.Callback(context.Background(), "gov", browsers[i], q, attempt)
			})
		}
		close(start)
		wg.Wait()
		opened := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("login %d: %v", i, errs[i])
			}
			if logins[i].OpenedUnit {
				opened++
			}
			if logins[i].Subject.Role != auth.RoleLegalRep || logins[i].Unit.USCC != en.USCC {
				t.Errorf("login %d: %+v", i, logins[i].Subject)
			}
		}
		if opened != 1 || count(t, db, "SELECT COUNT(*) FROM units WHERE uscc = ?", en.USCC) != 1 ||
			count(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = 'unit.register'") != 1 {
			t.Fatalf("opened by %d logins; want exactly one unit and one unit.register", opened)
		}
	})
}

// TestFirstLoginRacesAnother holds one first login's transaction open (as if it had
// just opened the account) while another first login of the unit runs: the
// database makes the second wait (PostgreSQL) or refuses it until the first commits
// (SQLite); then it logs in to the account the first opened, and there is one unit.
func TestFirstLoginRacesAnother(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rep := e.addPerson(t, "周明远")
		en := e.addEntry(t, "示范并发科技有限公司", rep, registry.StatusActive)
		q := e.authorize(t, oidc.PurposeUnit, &user{sub: "s", claims: unitClaims(rep, en.USCC, en.Name, "法定代表人")})
		var l oidc.Login
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := e.svc.Units.Create(ctx, tx, unit.NewUnit{USCC: en.USCC, Name: en.Name, UnitType: "企业",
				Region: en.Region, LegalRepPersonID: rep.ID})
			return err
		}, func(other *store.DB) error {
			svc, err := services.Build(e.svc.Config, other, slog.New(slog.NewTextHandler(io.Discard, nil)), e.clk.Now)
			if err != nil {
				return err
			}
			s, err := buildOIDC(svc, svc.Registry, e.clk.Now, e.cfg)
			if err != nil {
				return err
			}
			l, err = s.Callback(context.Background(), "gov", browserA, q, attempt)
			return err
		}, "unit_number_seq")
		if err != nil {
			t.Fatalf("the second first login: %v", err)
		}
		if l.OpenedUnit || l.Subject.Role != auth.RoleLegalRep || l.Unit.USCC != en.USCC ||
			count(t, db, "SELECT COUNT(*) FROM units WHERE uscc = ?", en.USCC) != 1 {
			t.Fatalf("second first login %+v", l)
		}
	})
}
