package auth

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// loginWorld is a unit (its own for each seed) with a legal rep, an admin with a unit password and an
// institution whose operator is the admin, each with its own password, and the
// Login and Sessions of the hall on db.
type loginWorld struct {
	db       *store.DB
	ss       *Sessions
	login    *Login
	persons  *person.Service
	insts    *institution.Service
	hasher   *person.Hasher
	unit     unit.Unit
	rep      person.Person
	admin    person.Person
	member   unit.Membership // the admin's
	inst     institution.Institution
	password string // every credential's, at the start
}

func newLoginWorld(t *testing.T, db *store.DB, seed uint64) *loginWorld {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 4, 13, 9, 0, 0, 0, time.UTC) }
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(db, nil, now)
	w := &loginWorld{db: db, hasher: hasher, password: "Race#2026pw"}
	w.persons = person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), log, now)
	units := unit.New(db, now)
	if w.ss, err = NewSessions(db, SessionConfig{}, now); err != nil {
		t.Fatal(err)
	}
	institutions, err := institution.NewService(institution.Deps{DB: db, Audit: log, Hasher: hasher, Persons: w.persons,
		Operators: func(context.Context, institution.Operator) (person.Person, error) {
			return person.Person{}, institution.ErrOperatorMismatch
		}, Sessions: w.ss, Policy: ident.DefaultPasswordPolicy(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	w.login = NewLogin(w.persons, units, hasher, log, now)
	w.login.SetInstitutions(institutions)
	w.insts = institutions
	hash, err := hasher.Hash(ctx, w.password)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(seed, 8))
	newPerson := func(tx *store.Tx, name string) (person.Person, error) {
		return w.persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(rnd, "320102", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), true),
			Name:     name, Mobile: ident.GenerateMobile(rnd), PasswordHash: hash}, "")
	}
	err = db.Tx(ctx, func(tx *store.Tx) error {
		if w.rep, err = newPerson(tx, "法人"); err != nil {
			return err
		}
		if w.admin, err = newPerson(tx, "管理"); err != nil {
			return err
		}
		if w.unit, err = units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(rnd, "320102"), Name: "示范竞速有限公司",
			UnitType: "enterprise", LegalRepPersonID: w.rep.ID}); err != nil {
			return err
		}
		if w.member, err = units.AddMembership(ctx, tx, unit.Membership{UnitID: w.unit.ID, PersonID: w.admin.ID,
			Role: unit.RoleAdmin, Status: unit.StatusActive, PasswordHash: hash}); err != nil {
			return err
		}
		number, err := ident.MakeInstitutionNumber(w.unit.UnitNumber, 1)
		if err != nil {
			return err
		}
		at := store.Time(now())
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO institutions (unit_id, seq, number, name, kind, operator_id, password_hash,
			must_change_password, status, opened_by, created_at, updated_at)
			VALUES (?, 1, ?, '示范见习基地', 'internship_base', ?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
			w.unit.ID, number, w.admin.ID, hash, false, w.rep.ID, at, at).Scan(&id); err != nil {
			return err
		}
		w.inst.ID, w.inst.Number = id, number
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// storedVerified is the Verified of c as its hash is stored now: what a login
// that has just checked that password holds.
func storedVerified(t *testing.T, db *store.DB, c Credential) Verified {
	t.Helper()
	var hash string
	var err error
	ctx := context.Background()
	switch {
	case c.PersonID != 0:
		err = db.QueryRow(ctx, `SELECT password_hash FROM persons WHERE id = ?`, c.PersonID).Scan(&hash)
	case c.MembershipID != 0:
		err = db.QueryRow(ctx, `SELECT password_hash FROM memberships WHERE id = ?`, c.MembershipID).Scan(&hash)
	case c.InstitutionID != 0:
		err = db.QueryRow(ctx, `SELECT password_hash FROM institutions WHERE id = ?`, c.InstitutionID).Scan(&hash)
	}
	if err != nil || hash == "" {
		t.Fatalf("stored password of %+v: %q, %v", c, hash, err)
	}
	return NewVerified(c, hash)
}

// verified is the Verified a password login of subj in w holds, for the proof
// it makes: the personal password (of its person), the admin's unit password or
// the institution's.
func (w *loginWorld) verified(t *testing.T, subj Subject, p Proof) Verified {
	t.Helper()
	switch p {
	case ProofUnitPassword:
		return storedVerified(t, w.db, Credential{MembershipID: w.member.ID})
	case ProofInstitutionPassword:
		return storedVerified(t, w.db, Credential{InstitutionID: w.inst.ID})
	}
	return storedVerified(t, w.db, Credential{PersonID: subj.PersonID})
}

// lastAudit is the newest audit entry's action, result, person and reason.
func (w *loginWorld) lastAudit(t *testing.T) (action, result string, personID int64, reason string) {
	t.Helper()
	var pid *int64
	var detail string
	err := w.db.QueryRow(context.Background(), `SELECT action, result, person_id, detail FROM audit_log
		ORDER BY seq DESC LIMIT 1`).Scan(&action, &result, &pid, &detail)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		t.Fatal(err)
	}
	if pid != nil {
		personID = *pid
	}
	return action, result, personID, d["reason"]
}

// liveSessions counts the person's sessions that have not ended.
func (w *loginWorld) liveSessions(t *testing.T, personID int64) int {
	t.Helper()
	var n int
	if err := w.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM sessions WHERE person_id = ? AND ended_at IS NULL`,
		personID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLoginRacingPasswordChange: a password change (personal, unit or
// institution) that commits after a login verified the old password and before
// its session is created ends the person's sessions and leaves the login with no
// session: it is answered and audited as a wrong password. The change runs inside
// Attempt.Start, just before the session is created, so the order is certain; the
// same login without a change signs in (the control), also through Rotate.
func TestLoginRacingPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var w *loginWorld
		newHash := func(t *testing.T) string {
			h, err := w.hasher.Hash(ctx, "Changed#2026pw")
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		// The changes as the hall makes them: the credential and the sessions it
		// ends, in one transaction.
		changePersonal := func(t *testing.T, personID int64) {
			_, err := w.persons.ChangePassword(ctx, person.PasswordChange{PersonID: personID, Current: w.password,
				New: "Changed#2026pw", Confirm: "Changed#2026pw", Reauth: func(context.Context, string) error { return nil },
				Sessions: w.ss})
			if err != nil {
				t.Fatal(err)
			}
		}
		changeUnit := func(t *testing.T) {
			h := newHash(t)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE memberships SET password_hash = ? WHERE id = ?`, h, w.member.ID); err != nil {
					return err
				}
				_, err := w.ss.EndAllTx(ctx, tx, w.admin.ID, &w.unit.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		changeInstitution := func(t *testing.T) {
			h := newHash(t)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE institutions SET password_hash = ? WHERE id = ?`, h, w.inst.ID); err != nil {
					return err
				}
				_, err := w.ss.EndInstitutionTx(ctx, tx, w.inst.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name     string
			personID func() int64
			action   string
			proof    Proof // the login's, as the page records it
			login    func(at Attempt) error
			change   func(t *testing.T)
		}{
			{"personal login, personal password changed", func() int64 { return w.rep.ID }, "login.person.password", ProofPassword,
				func(at Attempt) error { _, err := w.login.Person(ctx, w.rep.IDNumber, w.password, at); return err },
				func(t *testing.T) { changePersonal(t, w.rep.ID) }},
			{"legal rep's unit login, personal password changed", func() int64 { return w.rep.ID }, "login.unit.password", ProofPassword,
				func(at Attempt) error {
					_, err := w.login.Unit(ctx, w.unit.USCC, w.rep.IDNumber, w.password, at)
					return err
				},
				func(t *testing.T) { changePersonal(t, w.rep.ID) }},
			{"admin's unit login, unit password changed", func() int64 { return w.admin.ID }, "login.unit.password", ProofUnitPassword,
				func(at Attempt) error {
					_, err := w.login.Unit(ctx, w.unit.USCC, w.admin.IDNumber, w.password, at)
					return err
				}, changeUnit},
			{"institution login, institution password changed", func() int64 { return w.admin.ID }, "login.institution.password",
				ProofInstitutionPassword,
				func(at Attempt) error {
					_, err := w.login.Unit(ctx, w.inst.Number, w.admin.IDNumber, w.password, at)
					return err
				}, changeInstitution},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				w = newLoginWorld(t, db, uint64(i+1))
				// The control: no change, the login signs in, once by Create and
				// once by Rotate of that session (a browser already signed in).
				var token string
				start := func(_ context.Context, s Subject, v Verified) error {
					var err error
					if token == "" {
						token, _, err = w.ss.Create(ctx, s, Meta{Proof: c.proof, Verified: v})
					} else {
						token, _, err = w.ss.Rotate(ctx, token, s, Meta{Proof: c.proof, Verified: v}, RotateLogin)
					}
					return err
				}
				for range 2 {
					if err := c.login(Attempt{Start: start}); err != nil {
						t.Fatalf("login without a change: %v", err)
					}
				}
				if n := w.liveSessions(t, c.personID()); n != 1 {
					t.Fatalf("%d live sessions after the control logins, want 1", n)
				}
				// The race: the change commits between the check and the session,
				// which a browser signed in already would have rotated.
				err := c.login(Attempt{Start: func(ctx context.Context, s Subject, v Verified) error {
					c.change(t)
					return start(ctx, s, v)
				}})
				if !errors.Is(err, ErrBadCredentials) {
					t.Fatalf("login racing the change: %v, want ErrBadCredentials", err)
				}
				if n := w.liveSessions(t, c.personID()); n != 0 {
					t.Errorf("%d live sessions after the change, want 0", n)
				}
				action, result, _, reason := w.lastAudit(t)
				if action != c.action || result != string(audit.Failure) || reason != "bad_credentials" {
					t.Errorf("audited %s %s %q, want %s failure bad_credentials", action, result, reason, c.action)
				}
			})
		}
	})
}

// TestVerifiedHoldsPasswordChange: the other order. While the transaction that
// checks the verified password and creates the session is open, a password change
// waits for it (PostgreSQL: the row lock; SQLite: the one writer), and then ends
// the session it created, so the old password leaves no session either way.
func TestVerifiedHoldsPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)
		const old = "$argon2id$v=19$m=19456,t=2,p=1$b2xkc2FsdA$b2xkaGFzaA"
		if _, err := db.Exec(ctx, `UPDATE persons SET password_hash = ? WHERE id = ?`, old, pid); err != nil {
			t.Fatal(err)
		}
		subj := Subject{PersonID: pid}
		meta := Meta{Proof: ProofPassword, Verified: Verified{Credential{PersonID: pid}, old}}
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			if err := verifiedCurrent(ctx, tx, meta, subj); err != nil {
				return err
			}
			now := f.ss.dbNow()
			_, _, err := f.ss.insert(ctx, tx, subj, meta, now, now.Add(time.Hour), Session{})
			return err
		}, func(db *store.DB) error {
			ss, err := NewSessions(db, SessionConfig{}, f.clock.Now)
			if err != nil {
				return err
			}
			return db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE persons SET password_hash = ? WHERE id = ?`, old+"new", pid); err != nil {
					return err
				}
				_, err := ss.EndAllTx(ctx, tx, pid, nil)
				return err
			})
		}, "UPDATE persons")
		if err != nil {
			t.Fatalf("password change: %v", err)
		}
		var live int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE person_id = ? AND ended_at IS NULL`, pid).Scan(&live); err != nil {
			t.Fatal(err)
		}
		if live != 0 {
			t.Fatalf("%d live sessions after the change, want 0", live)
		}
	})
}

// TestVerifiedAfterRehash: a login whose password was stored with older hash
// parameters replaces the hash as it verifies it, and still signs in: the
// password it verified is the one stored now, under its new hash. So does the
// legal rep's unit login, which verifies the same password.
func TestVerifiedAfterRehash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 1)
		older := person.DefaultHashConfig()
		older.Time++
		oldHasher, err := person.NewHasher(older)
		if err != nil {
			t.Fatal(err)
		}
		start := func(ctx context.Context, s Subject, v Verified) error {
			_, _, err := w.ss.Create(ctx, s, Meta{Proof: ProofPassword, Verified: v})
			return err
		}
		logins := map[string]func() error{
			"personal": func() error {
				_, err := w.login.Person(ctx, w.rep.Mobile, w.password, Attempt{Start: start})
				return err
			},
			"unit": func() error {
				_, err := w.login.Unit(ctx, w.unit.USCC, w.rep.Mobile, w.password, Attempt{Start: start})
				return err
			},
		}
		for name, login := range logins {
			h, err := oldHasher.Hash(ctx, w.password)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `UPDATE persons SET password_hash = ? WHERE id = ?`, h, w.rep.ID); err != nil {
				t.Fatal(err)
			}
			if err := login(); err != nil {
				t.Fatalf("%s login with an outdated hash: %v", name, err)
			}
			var stored string
			if err := db.QueryRow(ctx, `SELECT password_hash FROM persons WHERE id = ?`, w.rep.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored == h {
				t.Fatalf("%s login: the outdated hash was not replaced", name)
			}
		}
	})
}
