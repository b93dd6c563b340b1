package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/person"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/unit"
)

// institutionsSeed names the demo institution's data set (it draws nothing).
const institutionsSeed = 20261206

// DemoInstitutionPassword is the demo institution's password (invented).
const DemoInstitutionPassword = "Inst#2026hall"

// demoInstitutionName is the first demo unit's institution.
const demoInstitutionName = "就业见习示范基地（演示）"

func init() {
	loaders = append(loaders, Loader{Name: "institutions", Seed: institutionsSeed, Load: loadInstitution, Accounts: institutionAccounts})
}

// loadInstitution opens one institution account (机构管理, U7) of the first demo
// unit, a 就业见习示范基地 operated by 陈立新 with a password already chosen, and,
// when the demo staff exist (the deliveries set made them), two 就业见习补贴申领
// entered at the counter for it, so that the institution user center lists its
// own business.
func loadInstitution(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	c, err := newCast(NewGen(accountsSeed))
	if err != nil {
		return err
	}
	var unitID, repID, operatorID int64
	var unitNumber string
	if err := tx.QueryRow(ctx, `SELECT u.id, u.unit_number, m.person_id FROM units u
		JOIN memberships m ON m.unit_id = u.id AND m.role = 'legal_rep' AND m.status = 'active' WHERE u.uscc = ?`,
		c.unitA.USCC).Scan(&unitID, &unitNumber, &repID); err != nil {
		return fmt.Errorf("the first demo unit: %w", err)
	}
	match, args := person.IDNumberMatch(tx.Keys(), "", c.plain.IDNumber)
	if err := tx.QueryRow(ctx, `SELECT id FROM persons WHERE `+match, args...).Scan(&operatorID); err != nil {
		return fmt.Errorf("the demo operator: %w", err)
	}
	hash, err := d.Hasher.Hash(ctx, DemoInstitutionPassword)
	if err != nil {
		return err
	}
	now := store.Time(d.Now())
	var institutionID int64
	if err := tx.QueryRow(ctx, `INSERT INTO institutions (unit_id, seq, number, name, kind, operator_id, password_hash,
		must_change_password, status, opened_by, created_at, updated_at) VALUES (?, 1, ?, ?, 'internship_model_base', ?, ?, ?, 'open', ?, ?, ?)
		RETURNING id`, unitID, ident.NewInstitutionNumber(unitNumber, 1), demoInstitutionName, operatorID, hash, false, repID,
		now, now).Scan(&institutionID); err != nil {
		return fmt.Errorf("demo institution: %w", err)
	}
	var clerk int64
	switch err := tx.QueryRow(ctx, `SELECT id FROM staff WHERE login = 'demo.clerk'`).Scan(&clerk); {
	case errors.Is(err, sql.ErrNoRows):
		return nil // no demo staff (no development carrier): the institution has no cases yet
	case err != nil:
		return err
	}
	item, err := d.Catalog.Get(ctx, "JY-003")
	if err != nil {
		return err
	}
	for i, days := range []int{20, 3} {
		if _, err := cases.DemoCounter(ctx, tx, unitID, repID, string(unit.RoleLegalRep), clerk, institutionID, item,
			c.plain.Name, now.Add(-time.Duration(days)*24*time.Hour-time.Duration(i)*time.Hour)); err != nil {
			return err
		}
	}
	return nil
}

// institutionAccounts lists the institution's login. Its 机构编号 depends on the
// unit number the hall gave the unit, so the list points to where it is shown.
func institutionAccounts(*Gen) []Account {
	c, err := newCast(NewGen(accountsSeed))
	if err != nil {
		return nil
	}
	return []Account{{Kind: "机构", Unit: c.unitA.Name + " · " + demoInstitutionName + "（机构编号见该单位的“机构管理”）",
		Login: c.plain.IDNumber + " / " + c.plain.Mobile, Person: c.plain.Name, Role: "机构经办人", Password: DemoInstitutionPassword}}
}
