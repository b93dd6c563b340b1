package auth

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// TestUnitLoginClosedUnit: the right password of a closed unit's legal rep signs in
// to nothing (ErrNotUsable), and the unit's other state is not revealed to a wrong one.
func TestUnitLoginClosedUnit(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 4, 13, 9, 0, 0, 0, time.UTC) }
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(db, nil, now)
	persons := person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), log, now)
	units := unit.New(db, now)
	login := NewLogin(persons, units, hasher, log, now)
	rnd := rand.New(rand.NewPCG(1, 2))
	const pw = "Closed#2026pw"
	hash, err := hasher.Hash(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	var u unit.Unit
	var p person.Person
	err = db.Tx(ctx, func(tx *store.Tx) error {
		if p, err = persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(rnd, "320102", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), true),
			Name:     "关门", Mobile: ident.GenerateMobile(rnd), PasswordHash: hash}, ""); err != nil {
			return err
		}
		u, err = units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(rnd, "320102"), Name: "示范注销有限公司",
			UnitType: "enterprise", LegalRepPersonID: p.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		status string
		pw     string
		want   error
	}{
		{"open unit, right password", "active", pw, nil},
		{"closed unit, right password", "closed", pw, ErrNotUsable},
		{"closed unit, wrong password", "closed", pw + "x", ErrBadCredentials},
	}
	for _, c := range cases {
		if _, err := db.Exec(ctx, `UPDATE units SET status = ? WHERE id = ?`, c.status, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err := login.Unit(ctx, u.USCC, p.IDNumber, c.pw, Attempt{Start: func(context.Context, Subject, Verified) error { return nil }})
		if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
