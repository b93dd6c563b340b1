package recovery_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/recovery"
	"hall/internal/services"
	"hall/internal/services/servicestest"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/verify"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

// oldPassword is every fixture person's password and the unit password of every
// fixture membership; newPassword is what the resets set. Both are invented.
const (
	oldPassword = "Rec-Old-Pass-2026"
	newPassword = "Rec-New-Pass-2027"
	browserA    = "browser-A-binding-0123456789abcdef"
	browserB    = "browser-B-binding-0123456789abcdef"
	clientIP    = "192.0.2.44"
)

// env is the hall's service graph on a test database, as cmd/hall builds it, with the
// recovery service on top.
type env struct {
	svc *services.Services
	rec *recovery.Service
	clk *clock
	g   *rand.Rand
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	clk := storetest.NewClock(time.Date(2026, 5, 11, 1, 15, 0, 0, time.UTC))
	svc := servicestest.Build(t, db, "recovery-test-audit-key", clk.Now)
	return &env{svc: svc, rec: svc.Recovery(), clk: clk, g: rand.New(rand.NewPCG(uint64(len(t.Name())), 41))}
}

func (e *env) tx(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := e.svc.DB.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// person opens an invented personal account with oldPassword.
func (e *env) person(t *testing.T, name string) person.Person {
	t.Helper()
	var p person.Person
	e.tx(t, func(ctx context.Context, tx *store.Tx) error {
		hash, err := e.svc.Hasher.Hash(ctx, oldPassword)
		if err != nil {
			return err
		}
		p, err = e.svc.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(e.g, "320102", time.Time{}, e.g.IntN(2) == 0), Name: name,
			Mobile: ident.GenerateMobile(e.g), PasswordHash: hash}, clientIP)
		return err
	})
	return p
}

// unit opens an invented unit with legalRep.
func (e *env) unit(t *testing.T, name string, legalRep person.Person) unit.Unit {
	t.Helper()
	var u unit.Unit
	e.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		u, err = e.svc.Units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(e.g, "320102"), Name: name,
			UnitType: "企业", Region: "320102", LegalRepPersonID: legalRep.ID})
		return err
	})
	return u
}

// member adds p to u in role with status; an active membership gets oldPassword as
// its unit password.
func (e *env) member(t *testing.T, u unit.Unit, p person.Person, role unit.Role, status unit.Status) unit.Membership {
	t.Helper()
	m := unit.Membership{UnitID: u.ID, PersonID: p.ID, Role: role, Status: status}
	e.tx(t, func(ctx context.Context, tx *store.Tx) error {
		if status == unit.StatusActive {
			h, err := e.svc.Hasher.Hash(ctx, oldPassword)
			if err != nil {
				return err
			}
			m.PasswordHash = h
		}
		var err error
		m, err = e.svc.Units.AddMembership(ctx, tx, m)
		return err
	})
	return m
}

// captchaToken solves a recovery puzzle in browser binding like a hand would and
// returns the pass token.
func (e *env) captchaToken(t *testing.T, binding string) string {
	t.Helper()
	ch, err := e.svc.Captcha.New(t.Context(), captcha.PurposeRecover, binding)
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := captchatest.Solution(t.Context(), e.svc.DB, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.svc.Captcha.Verify(t.Context(), ch.ID, binding, captchatest.HumanDrag(float64(x), 3))
	if err != nil {
		t.Fatalf("captcha: %v", err)
	}
	return tok
}

// sessionOf reads the verification session ID of a flow from its view.
func (e *env) sessionOf(t *testing.T, flowID, binding string) string {
	t.Helper()
	v, err := e.rec.Get(t.Context(), flowID, binding)
	if err != nil {
		t.Fatal(err)
	}
	if v.Step != recovery.StepVerify || v.Session.ID == "" {
		t.Fatalf("flow at %s, session %q", v.Step, v.Session.ID)
	}
	return v.Session.ID
}

// toVerify runs 填写账号信息 and the captcha for in and returns the flow ID and its
// verification session.
func (e *env) toVerify(t *testing.T, binding string, in recovery.Input) (string, string) {
	t.Helper()
	f, err := e.rec.Start(t.Context(), binding, clientIP, in)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := e.rec.PassCaptcha(t.Context(), f.ID, binding, e.captchaToken(t, binding)); err != nil {
		t.Fatalf("captcha step: %v", err)
	}
	return f.ID, e.sessionOf(t, f.ID, binding)
}

// approve completes verification session id in the app as who.
func (e *env) approve(t *testing.T, id string, who verify.Person) verify.Session {
	t.Helper()
	s, err := e.svc.DevVerify.CompleteInApp(t.Context(), id, who, true)
	if err != nil {
		t.Fatalf("complete in app: %v", err)
	}
	return s
}

// passFace completes the flow's verification session sid in the app as who and
// moves the online recovery flowID (of browserA) on with Verified.
func (e *env) passFace(t *testing.T, flowID, sid string, who verify.Person) {
	t.Helper()
	e.approve(t, sid, who)
	if err := e.rec.Verified(t.Context(), flowID, browserA); err != nil {
		t.Fatalf("Verified: %v", err)
	}
}

// signIn opens a session for subj and returns its token.
func (e *env) signIn(t *testing.T, subj auth.Subject) string {
	t.Helper()
	tok, _, err := e.svc.Sessions.Create(t.Context(), subj, auth.Meta{ClientAddr: clientIP})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// alive reports whether the session token still works.
func (e *env) alive(t *testing.T, token string) bool {
	t.Helper()
	_, err := e.svc.Sessions.Lookup(t.Context(), token)
	if err != nil && !errors.Is(err, auth.ErrNoSession) {
		t.Fatal(err)
	}
	return err == nil
}

// resets lists the "password.reset" audit records, newest first.
func (e *env) resets(t *testing.T) []audit.Entry {
	t.Helper()
	es, _, err := e.svc.Audit.List(t.Context(), audit.Filter{Action: "password.reset"})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// unitLogin tries the L1 login of p in u with password.
func (e *env) unitLogin(t *testing.T, u unit.Unit, p person.Person, password string) error {
	t.Helper()
	_, err := e.svc.Login.Unit(t.Context(), u.USCC, p.IDNumber, password, auth.Attempt{ClientAddr: clientIP, Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }})
	if err != nil && !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("unit login: %v", err)
	}
	return err
}

// personLogin tries the L6 login of p with password.
func (e *env) personLogin(t *testing.T, p person.Person, password string) error {
	t.Helper()
	_, err := e.svc.Login.Person(t.Context(), p.IDNumber, password, auth.Attempt{ClientAddr: clientIP, Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }})
	if err != nil && !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("person login: %v", err)
	}
	return err
}

func identityOf(p person.Person) verify.Person {
	return verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}
}

func unitInput(u unit.Unit, p person.Person) recovery.Input {
	return recovery.Input{Kind: "unit", USCC: u.USCC, IDType: string(p.IDType), IDNumber: p.IDNumber, Name: p.Name}
}

func personInput(p person.Person) recovery.Input {
	return recovery.Input{Kind: "person", IDType: string(p.IDType), IDNumber: p.IDNumber, Name: p.Name}
}

func newPass() recovery.NewPassword {
	return recovery.NewPassword{Password: newPassword, Confirm: newPassword, ClientAddr: clientIP, RequestID: "req-1"}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
