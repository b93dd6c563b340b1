package institution_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// t0 is a Monday morning in Asia/Shanghai.
var t0 = time.Date(2026, 4, 13, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// fixture is the Service on a fresh database with its real collaborators: the
// audit log, sessions, the person service with argon2id, and the delegation
// service's rule for naming a registered person.
type fixture struct {
	ctx        context.Context
	db         *store.DB
	clk        *storetest.Clock
	svc        *institution.Service
	units      *unit.Service
	sessions   *auth.Sessions
	delegation *delegation.Service
	rnd        *rand.Rand
	seq        int
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ctx: ctx, db: db, clk: storetest.NewClock(t0), rnd: rand.New(rand.NewPCG(7, uint64(len(t.Name()))))}
	if err := cases.NewCatalog(db).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	log := audit.New(db, []byte("institution test key"), f.clk.Now)
	var err error
	if f.sessions, err = auth.NewSessions(db, auth.SessionConfig{Idle: time.Hour, Absolute: 8 * time.Hour}, f.clk.Now); err != nil {
		t.Fatal(err)
	}
	cfg := person.DefaultHashConfig()
	cfg.Memory, cfg.Time = 19*1024, 2 // the lowest the policy allows: the rule, not the cost, is under test
	// Under -race beside the rest of the suite one hash takes about a second, and
	// TestOpenConcurrently opens a dozen institutions at once, each hashing its
	// initial password: the default 2 s wait for a hashing slot refused some of
	// them (person.ErrBusy) on a loaded run. The hasher's refusal is not under test.
	cfg.MaxWait = time.Minute
	hasher, err := person.NewHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	persons := person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), log, f.clk.Now)
	f.units = unit.New(db, f.clk.Now)
	if f.delegation, err = delegation.New(delegation.Deps{DB: db, Audit: log, Persons: persons, Sessions: f.sessions,
		Hasher: hasher, Policy: ident.DefaultPasswordPolicy(), SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Now: f.clk.Now},
		delegation.Config{}); err != nil {
		t.Fatal(err)
	}
	resolve := func(ctx context.Context, o institution.Operator) (person.Person, error) {
		p, err := f.delegation.ResolveNominee(ctx, delegation.Nominee{Name: o.Name, IDType: o.IDType, IDNumber: o.IDNumber, Mobile: o.Mobile})
		if errors.Is(err, delegation.ErrNomineeMismatch) {
			return person.Person{}, institution.ErrOperatorMismatch
		}
		return p, err
	}
	if f.svc, err = institution.NewService(institution.Deps{DB: db, Audit: log, Hasher: hasher, Persons: persons,
		Operators: resolve, Sessions: f.sessions, Policy: ident.DefaultPasswordPolicy(), Now: f.clk.Now}); err != nil {
		t.Fatal(err)
	}
	return f
}

// who is an invented registered person.
type who struct {
	ID int64
	institution.Operator
}

func (w who) actor() institution.Actor {
	return institution.Actor{PersonID: w.ID, ClientIP: "198.51.100.9", RequestID: "req-test"}
}

func (f *fixture) person(t testing.TB) who {
	t.Helper()
	f.seq++
	w := who{Operator: institution.Operator{Name: "示范" + string([]rune("甲乙丙丁戊己庚辛壬癸")[f.seq%10]) + "某",
		IDType: ident.IDTypeResident, IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, f.seq%2 == 0),
		Mobile: ident.GenerateMobile(f.rnd)}}
	now := store.Time(f.clk.Now())
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		w.ID, err = person.Insert(f.ctx, tx, person.Row{IDType: string(w.IDType), IDNumber: w.IDNumber, Name: w.Name,
			Mobile: w.Mobile, CreatedAt: now})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// unit opens a unit with rep as its legal representative.
func (f *fixture) unit(t testing.TB, rep who) unit.Unit {
	t.Helper()
	var u unit.Unit
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		u, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.rnd, "320102"), Name: "示范见习科技有限公司",
			UnitType: "企业", Region: "320102", LegalRepPersonID: rep.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) opening(op who) institution.Opening {
	return institution.Opening{Name: "示范就业见习示范基地", Kind: institution.KindInternshipModelBase, Operator: op.Operator}
}

// audited counts the audit records of action on the institution.
func (f *fixture) audited(t testing.TB, action string, id int64) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ?", action,
		fmt.Sprintf("institution:%d", id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, op, stranger := f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		agent := f.person(t)
		inv, err := f.delegation.AddAgent(f.ctx, delegation.Actor{PersonID: rep.ID}, u.ID,
			delegation.Nominee{Name: agent.Name, IDType: agent.IDType, IDNumber: agent.IDNumber, Mobile: agent.Mobile},
			[]string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*24*time.Hour))
		if err != nil || inv.ID == "" {
			t.Fatalf("agent: %v", err)
		}
		mod := func(m func(o *institution.Opening)) institution.Opening {
			o := f.opening(op)
			m(&o)
			return o
		}
		for _, tc := range []struct {
			name  string
			actor who
			in    institution.Opening
			field string // a FormError on this field
			want  error
		}{
			{"no name", rep, mod(func(o *institution.Opening) { o.Name = "  " }), institution.FieldName, nil},
			{"name too long", rep, mod(func(o *institution.Opening) { o.Name = strings.Repeat("基", 65) }), institution.FieldName, nil},
			{"unknown kind", rep, mod(func(o *institution.Opening) { o.Kind = "bank" }), institution.FieldKind, nil},
			{"no operator ID", rep, mod(func(o *institution.Opening) { o.Operator.IDNumber = "" }), institution.FieldOperatorID, nil},
			{"no operator mobile", rep, mod(func(o *institution.Opening) { o.Operator.Mobile = "" }), institution.FieldOperatorMobile, nil},
			{"operator name differs", rep, mod(func(o *institution.Opening) { o.Operator.Name = "另一人" }), "", institution.ErrOperatorMismatch},
			{"operator mobile of someone else", rep, mod(func(o *institution.Opening) { o.Operator.Mobile = stranger.Mobile }), "", institution.ErrOperatorMismatch},
			{"unregistered operator", rep, mod(func(o *institution.Opening) {
				o.Operator.IDNumber = ident.GenerateResidentID(f.rnd, "", time.Time{}, true)
			}), "", institution.ErrOperatorMismatch},
			{"an agent may not open", agent, f.opening(op), "", institution.ErrNotManager},
			{"a stranger may not open", stranger, f.opening(op), "", institution.ErrNotManager},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Open(f.ctx, tc.actor.actor(), u.ID, tc.in)
				var fe *institution.FormError
				switch {
				case tc.field != "":
					if !errors.As(err, &fe) || fe.Fields[tc.field] == "" {
						t.Fatalf("err %v, want a message beside %s", err, tc.field)
					}
				case !errors.Is(err, tc.want):
					t.Fatalf("err %v, want %v", err, tc.want)
				}
				var n int
				if err := f.db.QueryRow(f.ctx, "SELECT COUNT(*) FROM institutions").Scan(&n); err != nil || n != 0 {
					t.Fatalf("%d institutions after a refusal (%v)", n, err)
				}
			})
		}

		o, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
		if err != nil {
			t.Fatal(err)
		}
		if want := ident.NewInstitutionNumber(u.UnitNumber, 1); o.Number != want || o.Seq != 1 {
			t.Errorf("number %s seq %d, want %s 1", o.Number, o.Seq, want)
		}
		if !o.Open() || !o.MustChangePassword || o.OperatorID != op.ID || o.UnitName != u.Name {
			t.Errorf("opened %+v", o.Institution)
		}
		if err := f.svc.Check(f.ctx, o.Institution, o.InitialPassword); err != nil {
			t.Errorf("the initial password does not check: %v", err)
		}
		if strings.Contains(o.PasswordHash, o.InitialPassword) {
			t.Error("the password is stored in the clear")
		}
		if f.audited(t, "institution.open", o.ID) != 1 {
			t.Error("no audit record of the opening")
		}
		second, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(f.person(t)))
		if err != nil || second.Seq != 2 || second.Number != ident.NewInstitutionNumber(u.UnitNumber, 2) {
			t.Errorf("second: %+v, %v", second.Institution, err)
		}
		if _, err := ident.ValidateInstitutionNumber(second.Number); err != nil {
			t.Errorf("the number fails its own check: %v", err)
		}
	})
}

// TestSequenceNeverReused: a closed institution keeps its number; the next one
// gets the following sequence, and the 99th is the last.
func TestSequenceNeverReused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, op := f.person(t), f.person(t)
		u := f.unit(t, rep)
		first, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Close(f.ctx, rep.actor(), u.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Close(f.ctx, rep.actor(), u.ID, first.ID); !errors.Is(err, institution.ErrClosed) {
			t.Errorf("closing twice: %v", err)
		}
		next, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
		if err != nil || next.Seq != 2 {
			t.Fatalf("after a close: seq %d, %v", next.Seq, err)
		}
		// The unit has used 97 more numbers.
		if _, err := db.Exec(f.ctx, "UPDATE institutions SET seq = 98, number = ? WHERE id = ?",
			ident.NewInstitutionNumber(u.UnitNumber, 98), next.ID); err != nil {
			t.Fatal(err)
		}
		last, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
		if err != nil || last.Seq != institution.MaxPerUnit {
			t.Fatalf("99th: seq %d, %v", last.Seq, err)
		}
		if _, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op)); !errors.Is(err, institution.ErrLimit) {
			t.Errorf("100th: %v, want ErrLimit", err)
		}
	})
}

// session opens a session of the institution's operator, as its login does:
// with the institution's password as it is stored now.
func (f *fixture) session(t testing.TB, i institution.Institution) string {
	t.Helper()
	var hash string
	if err := f.db.QueryRow(f.ctx, `SELECT password_hash FROM institutions WHERE id = ?`, i.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	token, _, err := f.sessions.Create(f.ctx, auth.Subject{PersonID: i.OperatorID, UnitID: i.UnitID, Role: auth.RoleInstitution,
		InstitutionID: i.ID}, auth.Meta{Proof: auth.ProofInstitutionPassword, Verified: auth.NewVerified(auth.Credential{InstitutionID: i.ID}, hash)})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func (f *fixture) live(token string) bool {
	_, err := f.sessions.Lookup(f.ctx, token)
	return err == nil
}

// TestChangesEndSessions: a new operator, a reset and a close end the
// institution's sessions; a rename keeps them. Another unit's manager is told
// the institution does not exist.
func TestChangesEndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, op, op2 := f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		otherRep := f.person(t)
		f.unit(t, otherRep)
		o, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
		if err != nil {
			t.Fatal(err)
		}
		// The operator has replaced the initial password.
		if _, err := f.svc.ChangePassword(f.ctx, institution.PasswordChange{InstitutionID: o.ID, OperatorID: op.ID,
			Current: o.InitialPassword, New: "Jx-Base-2026x", Confirm: "Jx-Base-2026x",
			Reauth: func(ctx context.Context, cur string) error { return f.svc.Check(ctx, o.Institution, cur) }}); err != nil {
			t.Fatal(err)
		}
		tok := f.session(t, o.Institution)
		// A rename, with the operator's fields left empty or typed again as they
		// are, keeps the operator, the password and the sessions.
		for _, keep := range []institution.Operator{{}, op.Operator} {
			renamed, err := f.svc.Change(f.ctx, rep.actor(), u.ID, o.ID, institution.Change{Name: "示范见习基地（东区）",
				Kind: institution.KindInternshipBase, Operator: keep})
			if err != nil || renamed.Name != "示范见习基地（东区）" || renamed.MustChangePassword || renamed.InitialPassword != "" ||
				renamed.OperatorID != op.ID || !f.live(tok) {
				t.Fatalf("rename: %+v, %v, live %v", renamed, err, f.live(tok))
			}
		}
		// Another operator gets a new password: the one the former operator chose
		// signs in no more, with anyone's login.
		changed, err := f.svc.Change(f.ctx, rep.actor(), u.ID, o.ID, institution.Change{Name: "示范见习基地（东区）",
			Kind: institution.KindInternshipBase, Operator: op2.Operator})
		if err != nil || changed.OperatorID != op2.ID || !changed.MustChangePassword || changed.InitialPassword == "" || f.live(tok) {
			t.Fatalf("new operator: %+v, %v, live %v", changed, err, f.live(tok))
		}
		if err := f.svc.Check(f.ctx, changed.Institution, "Jx-Base-2026x"); !errors.Is(err, person.ErrBadCredentials) {
			t.Errorf("the former operator's password still checks: %v", err)
		}
		if err := f.svc.Check(f.ctx, changed.Institution, changed.InitialPassword); err != nil {
			t.Errorf("the new operator's initial password: %v", err)
		}
		tok = f.session(t, changed.Institution)
		reset, err := f.svc.ResetPassword(f.ctx, rep.actor(), u.ID, o.ID)
		if err != nil || f.live(tok) || f.svc.Check(f.ctx, reset.Institution, reset.InitialPassword) != nil {
			t.Fatalf("reset: %v, live %v", err, f.live(tok))
		}
		if _, err := f.svc.ResetPassword(f.ctx, otherRep.actor(), u.ID, o.ID); !errors.Is(err, institution.ErrNotManager) {
			t.Errorf("another unit's legal rep resetting: %v", err)
		}
		if _, err := f.svc.OfUnit(f.ctx, u.ID+1, o.ID); !errors.Is(err, institution.ErrNotFound) {
			t.Errorf("another unit reading it: %v", err)
		}
		tok = f.session(t, reset.Institution)
		if err := f.svc.Close(f.ctx, rep.actor(), u.ID, o.ID); err != nil || f.live(tok) {
			t.Fatalf("close: %v, live %v", err, f.live(tok))
		}
		if _, err := f.svc.Change(f.ctx, rep.actor(), u.ID, o.ID, institution.Change{Name: "x", Kind: institution.KindOther,
			Operator: op.Operator}); !errors.Is(err, institution.ErrClosed) {
			t.Errorf("changing a closed one: %v", err)
		}
		for action, n := range map[string]int{"institution.change": 3, "institution.password.reset": 1, "institution.close": 1,
			"institution.password.change": 1} {
			if got := f.audited(t, action, o.ID); got != n {
				t.Errorf("%s: %d records, want %d", action, got, n)
			}
		}
	})
}

// TestChangePasswordRules: the policy with the operator's own numbers and the
// 机构编号 refused inside, a wrong current password, and a change that lost a
// race with a reset.
func TestChangePasswordRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, op := f.person(t), f.person(t)
		u := f.unit(t, rep)
		o, err := f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
		if err != nil {
			t.Fatal(err)
		}
		check := func(ctx context.Context, cur string) error { return f.svc.Check(ctx, o.Institution, cur) }
		change := func(current, next string) error {
			_, err := f.svc.ChangePassword(f.ctx, institution.PasswordChange{InstitutionID: o.ID, OperatorID: op.ID,
				Current: current, New: next, Confirm: next, Reauth: check})
			return err
		}
		var fe *person.FormError
		for name, next := range map[string]string{
			"too short":            "Ab1-",
			"with the 机构编号":        "x" + o.Number + "!",
			"with the mobile":      "Qz-" + op.Mobile,
			"the same as current":  o.InitialPassword,
			"common password list": "Password123",
		} {
			if err := change(o.InitialPassword, next); !errors.As(err, &fe) || fe.Fields[person.FieldNewPassword] == "" {
				t.Errorf("%s: %v, want a message beside the new password", name, err)
			}
		}
		if err := change("Wrong-Pass-1", "Jx-Base-2026x"); !errors.Is(err, person.ErrBadCredentials) {
			t.Errorf("wrong current: %v", err)
		}
		// Another operator's session cannot change it.
		if _, err := f.svc.ChangePassword(f.ctx, institution.PasswordChange{InstitutionID: o.ID, OperatorID: rep.ID,
			Current: o.InitialPassword, New: "Jx-Base-2026x", Confirm: "Jx-Base-2026x", Reauth: check}); !errors.Is(err, institution.ErrChanged) {
			t.Errorf("not the operator: %v", err)
		}
		// A reset between the check and the write wins: the change is refused.
		raced := func(ctx context.Context, cur string) error {
			if err := check(ctx, cur); err != nil {
				return err
			}
			_, err := f.svc.ResetPassword(ctx, rep.actor(), u.ID, o.ID)
			return err
		}
		if _, err := f.svc.ChangePassword(f.ctx, institution.PasswordChange{InstitutionID: o.ID, OperatorID: op.ID,
			Current: o.InitialPassword, New: "Jx-Base-2026x", Confirm: "Jx-Base-2026x", Reauth: raced}); !errors.Is(err, institution.ErrChanged) {
			t.Errorf("after a concurrent reset: %v", err)
		}
	})
}

// TestOpenConcurrently: parallel openings in one unit get distinct, consecutive
// numbers (the unit's row lock and the UNIQUE (unit_id, seq)); at the limit,
// of several parallel openings exactly one gets the 99th number.
func TestOpenConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, op := f.person(t), f.person(t)
		u := f.unit(t, rep)
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("opening %d: %v", i, err)
			}
		}
		var count, distinct, top int
		if err := db.QueryRow(f.ctx, "SELECT COUNT(*), COUNT(DISTINCT number), MAX(seq) FROM institutions WHERE unit_id = ?", u.ID).
			Scan(&count, &distinct, &top); err != nil {
			t.Fatal(err)
		}
		if count != n || distinct != n || top != n {
			t.Errorf("%d institutions, %d numbers, top sequence %d; want %d of each", count, distinct, top, n)
		}

		if _, err := db.Exec(f.ctx, "UPDATE institutions SET seq = seq + 86 WHERE unit_id = ?", u.ID); err != nil {
			t.Fatal(err)
		}
		// Numbers now end at 98: the next opening is the last one.
		errs = make([]error, 5)
		start = make(chan struct{})
		for i := range errs {
			wg.Go(func() {
				<-start
				_, errs[i] = f.svc.Open(f.ctx, rep.actor(), u.ID, f.opening(op))
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, institution.ErrLimit):
				t.Errorf("at the limit: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d openings at the limit succeeded, want 1", ok)
		}
	})
}
