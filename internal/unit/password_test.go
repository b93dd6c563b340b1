package unit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

const (
	unitPass = "Old-Unit-Pass1"
	newPass  = "Nw5#kLp9Tq"
)

// passwordFixture is a unit with a legal rep, an active admin with a unit password,
// a pending agent and an agent whose validity ended, on the real services.
type passwordFixture struct {
	db                              *store.DB
	units                           *unit.Service
	pw                              *unit.Passwords
	sessions                        *auth.Sessions
	log                             *audit.Log
	hasher                          *person.Hasher
	u, other                        unit.Unit
	rep, admin, pending, expired, x int64
}

func newPasswordFixture(t *testing.T, db *store.DB) *passwordFixture {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return t0 }
	g := rand.New(rand.NewPCG(11, 12))
	f := &passwordFixture{db: db, units: unit.New(db, now)}
	var err error
	if f.hasher, err = person.NewHasher(person.DefaultHashConfig()); err != nil {
		t.Fatal(err)
	}
	f.log = audit.New(db, []byte("unit password test"), now)
	persons := person.New(db, f.hasher, nil, ident.DefaultPasswordPolicy(), f.log, now)
	f.pw = unit.NewPasswords(unit.PasswordDeps{DB: db, Hasher: f.hasher, Persons: persons, Audit: f.log, Now: now})
	if f.sessions, err = auth.NewSessions(db, auth.SessionConfig{}, now); err != nil {
		t.Fatal(err)
	}
	ps := addPersons(t, db, g, 6)
	f.rep, f.admin, f.pending, f.expired, f.x = ps[0], ps[1], ps[2], ps[3], ps[4]
	f.u = newUnit(t, f.units, db, g, f.rep)
	f.other = newUnit(t, f.units, db, g, ps[5])
	hash, err := f.hasher.Hash(ctx, unitPass)
	if err != nil {
		t.Fatal(err)
	}
	ended := t0.Add(-time.Hour)
	for _, m := range []unit.Membership{
		{UnitID: f.u.ID, PersonID: f.admin, Role: unit.RoleAdmin, Status: unit.StatusActive, PasswordHash: hash},
		{UnitID: f.other.ID, PersonID: f.admin, Role: unit.RoleAgent, Status: unit.StatusActive, PasswordHash: hash},
		{UnitID: f.u.ID, PersonID: f.pending, Role: unit.RoleAgent, Status: unit.StatusPending},
		{UnitID: f.u.ID, PersonID: f.expired, Role: unit.RoleAgent, Status: unit.StatusActive, PasswordHash: hash,
			ValidFrom: ptr(t0.Add(-48 * time.Hour)), ValidUntil: &ended},
	} {
		if err := add(f.units, db, m); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func ptr(t time.Time) *time.Time { return &t }

func TestUnitPasswordCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPasswordFixture(t, db)
		cases := []struct {
			name     string
			unit     int64
			person   int64
			password string
			want     error
		}{
			{"admin right", f.u.ID, f.admin, unitPass, nil},
			{"admin wrong", f.u.ID, f.admin, unitPass + "x", person.ErrBadCredentials},
			{"admin empty", f.u.ID, f.admin, "", person.ErrBadCredentials},
			{"admin huge", f.u.ID, f.admin, strings.Repeat("A", 5000), person.ErrBadCredentials},
			{"pending agent without password", f.u.ID, f.pending, "", person.ErrBadCredentials},
			{"pending agent any password", f.u.ID, f.pending, unitPass, person.ErrBadCredentials},
			{"no role in the unit", f.u.ID, f.x, unitPass, person.ErrBadCredentials},
			{"legal rep", f.u.ID, f.rep, unitPass, unit.ErrNoUnitPassword},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if err := f.pw.Check(context.Background(), tc.unit, tc.person, tc.password); !errors.Is(err, tc.want) {
					t.Fatalf("Check = %v, want %v", err, tc.want)
				}
			})
		}
	})
}

func TestUnitPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newPasswordFixture(t, db)
		reauthCalls := 0
		check := func(unitID, personID int64) person.Reauth {
			return func(ctx context.Context, current string) error {
				reauthCalls++
				return f.pw.Check(ctx, unitID, personID, current)
			}
		}
		change := func(unitID, personID int64, current, pw, confirm string) error {
			_, err := f.pw.ChangePassword(ctx, unit.PasswordChange{UnitID: unitID, PersonID: personID, Current: current,
				New: pw, Confirm: confirm, Reauth: check(unitID, personID), Sessions: f.sessions,
				Actor: person.Actor{ClientAddr: "203.0.113.77", RequestID: "r-1"}})
			return err
		}
		var uscc string
		if err := db.QueryRow(ctx, "SELECT uscc FROM units WHERE id = ?", f.u.ID).Scan(&uscc); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name                 string
			unit, person         int64
			current, pw, confirm string
			want                 error
			field                string // FormError field
			reauth               bool   // whether the current password was checked
		}{
			{"legal rep", f.u.ID, f.rep, unitPass, newPass, newPass, unit.ErrNoUnitPassword, "", false},
			{"pending", f.u.ID, f.pending, unitPass, newPass, newPass, unit.ErrNotActive, "", false},
			{"validity ended", f.u.ID, f.expired, unitPass, newPass, newPass, unit.ErrNotActive, "", false},
			{"no role", f.u.ID, f.x, unitPass, newPass, newPass, unit.ErrNotFound, "", false},
			{"confirm differs", f.u.ID, f.admin, unitPass, newPass, newPass + "1", &person.FormError{}, person.FieldConfirm, false},
			{"no current", f.u.ID, f.admin, "", newPass, newPass, &person.FormError{}, person.FieldCurrentPassword, false},
			{"weak", f.u.ID, f.admin, unitPass, "abcdefgh", "abcdefgh", &person.FormError{}, person.FieldNewPassword, false},
			{"contains the USCC", f.u.ID, f.admin, unitPass, "Aa!" + strings.ToLower(uscc), "Aa!" + strings.ToLower(uscc), &person.FormError{}, person.FieldNewPassword, false},
			{"wrong current", f.u.ID, f.admin, "Wrong-Unit-9", newPass, newPass, person.ErrBadCredentials, "", true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				reauthCalls = 0
				err := change(tc.unit, tc.person, tc.current, tc.pw, tc.confirm)
				if !errors.Is(err, tc.want) {
					t.Fatalf("ChangePassword = %v, want %v", err, tc.want)
				}
				if tc.field != "" {
					var fe *person.FormError
					if !errors.As(err, &fe) || fe.Fields[tc.field] == "" {
						t.Fatalf("no message on %s: %v", tc.field, err)
					}
				}
				if (reauthCalls > 0) != tc.reauth {
					t.Errorf("re-authentication calls %d, want checked=%v", reauthCalls, tc.reauth)
				}
			})
		}
		if err := f.pw.Check(ctx, f.u.ID, f.admin, unitPass); err != nil {
			t.Fatalf("old password after refused changes: %v", err)
		}

		// The admin is signed in twice in this unit, once in another unit and once
		// as a person. The change ends exactly this unit's sessions.
		subj := func(unitID int64, role auth.Role) auth.Subject {
			return auth.Subject{PersonID: f.admin, UnitID: unitID, Role: role}
		}
		var here, elsewhere []string
		for _, s := range []auth.Subject{subj(f.u.ID, auth.RoleAdmin), subj(f.u.ID, auth.RoleAdmin)} {
			tok, _, err := f.sessions.Create(ctx, s, auth.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			here = append(here, tok)
		}
		for _, s := range []auth.Subject{subj(f.other.ID, auth.RoleAgent), {PersonID: f.admin}} {
			tok, _, err := f.sessions.Create(ctx, s, auth.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			elsewhere = append(elsewhere, tok)
		}
		changed, err := f.pw.ChangePassword(ctx, unit.PasswordChange{UnitID: f.u.ID, PersonID: f.admin, Current: unitPass,
			New: newPass, Confirm: newPass, Reauth: check(f.u.ID, f.admin), Sessions: f.sessions,
			Actor: person.Actor{ClientAddr: "203.0.113.77", RequestID: "r-2"}})
		if err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		if changed.SessionsEnded != 2 {
			t.Errorf("ended %d sessions, want 2", changed.SessionsEnded)
		}
		// The membership and hash it returns are the ones stored (the browser is
		// signed in again with them), and Verify gives the same.
		var stored string
		if err := db.QueryRow(ctx, `SELECT password_hash FROM memberships WHERE id = ?`, changed.MembershipID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if changed.Hash == "" || changed.Hash != stored {
			t.Errorf("returned hash %q, stored %q", changed.Hash, stored)
		}
		if id, hash, err := f.pw.Verify(ctx, f.u.ID, f.admin, newPass); err != nil || id != changed.MembershipID || hash != stored {
			t.Errorf("Verify: membership %d, hash %q, %v; want %d, the stored hash", id, hash, err, changed.MembershipID)
		}
		for _, tok := range here {
			if _, err := f.sessions.Lookup(ctx, tok); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("session in the unit still live: %v", err)
			}
		}
		for _, tok := range elsewhere {
			if _, err := f.sessions.Lookup(ctx, tok); err != nil {
				t.Errorf("session elsewhere ended: %v", err)
			}
		}
		if err := f.pw.Check(ctx, f.u.ID, f.admin, unitPass); !errors.Is(err, person.ErrBadCredentials) {
			t.Errorf("old unit password still works: %v", err)
		}
		if err := f.pw.Check(ctx, f.u.ID, f.admin, newPass); err != nil {
			t.Errorf("new unit password: %v", err)
		}
		// The same person's password in the other unit is its own.
		if err := f.pw.Check(ctx, f.other.ID, f.admin, unitPass); err != nil {
			t.Errorf("other unit's password changed too: %v", err)
		}
		es, _, err := f.log.List(ctx, audit.Filter{Action: "unit.password", PerPage: audit.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].PersonID != f.admin || es[0].UnitID != f.u.ID || es[0].Role != "admin" ||
			es[0].Detail["sessions_ended"] != "2" || es[0].ClientIP != "203.0.113.77" {
			t.Fatalf("audit: %+v", es)
		}
	})
}
