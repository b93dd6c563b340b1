package counter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/unit"
)

// checkRegistry compares a counter registration with the registry before the
// approval's transaction (no database lock waits for the registry): when the
// registry knows the unit, the licence data and the legal rep must match it and the
// unit must be in business; a unit the market regulator does not register (机关,
// 事业单位 …) is registered from its documents alone, and the outcome says so.
func (s *Service) checkRegistry(ctx context.Context, in UnitRegistrationInput) (string, error) {
	e, err := s.d.Registry.Lookup(ctx, in.USCC)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return "not_found", nil
	case err != nil:
		return "", ErrRegistryDown
	case !e.Active():
		return "", ErrRegistryStatus
	}
	if err := registry.Match(e, registry.Claim{USCC: in.USCC, Name: in.Name, LegalRepIDType: in.LegalRep.IDType,
		LegalRepIDNumber: in.LegalRep.IDNumber, LegalRepName: in.LegalRep.Name}); err != nil {
		var fe *ident.FieldError
		if errors.As(err, &fe) {
			return "", &Error{"registry_mismatch", "与登记机关登记的信息不一致：" + fe.Msg}
		}
		return "", err
	}
	return "matched", nil
}

// execUnitRegister opens the unit's account (or lets the legal rep the registry names
// take over a unit left without one), the legal rep's personal account when they have
// none (with the one-time password, to be changed at the first login), and the
// administrator's nomination when the form names one.
func (s *Service) execUnitRegister(ctx context.Context, a *approval) error {
	var in UnitRegistrationInput
	if err := json.Unmarshal(a.q.Data, &in); err != nil {
		return fmt.Errorf("counter: request %d: %w", a.q.ID, err)
	}
	a.outcome["registry"] = a.registry
	tx := a.tx
	rep, err := s.d.Persons.ByIdentityTx(ctx, tx, string(in.LegalRep.IDType), in.LegalRep.IDNumber)
	newAccount := errors.Is(err, person.ErrNotFound)
	switch {
	case newAccount:
		rep, err = s.d.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: in.LegalRep.IDType, IDNumber: in.LegalRep.IDNumber,
			Name: in.LegalRep.Name, Mobile: in.LegalRepMobile, PasswordHash: a.hash, MustChangePassword: true,
			StaffID: a.actor.StaffID}, a.actor.ClientIP)
		if errors.Is(err, person.ErrMobileTaken) {
			return ErrMobileTaken
		}
		if err != nil {
			return err
		}
	case err != nil:
		return err
	case !in.LegalRep.same(rep):
		return ErrNameMismatch
	}

	var unitID int64
	var status string
	err = tx.QueryRow(ctx, `SELECT id, status FROM units WHERE uscc = ?`+tx.ForUpdate(), in.USCC).Scan(&unitID, &status)
	var u unit.Unit
	switch {
	case errors.Is(err, sql.ErrNoRows):
		u, err = s.d.Units.Create(ctx, tx, unit.NewUnit{USCC: in.USCC, Name: in.Name, UnitType: string(in.UnitType),
			Region: in.Region, Address: in.Address, LegalRepPersonID: rep.ID})
		if errors.Is(err, unit.ErrUSCCTaken) {
			return ErrUnitTaken
		}
		if err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("counter: unit: %w", err)
	default:
		if u, err = s.takeOver(ctx, a, unitID, status, rep.ID); err != nil {
			return err
		}
		a.outcome["takeover"] = "true"
	}
	a.q.UnitID, a.q.PersonID = u.ID, rep.ID
	a.outcome["unit_number"] = u.UnitNumber
	a.outcome["legal_rep"] = strconv.FormatInt(rep.ID, 10)
	a.outcome["legal_rep_mobile"] = ident.MaskMobile(rep.Mobile)
	if newAccount {
		a.outcome["first_login"] = "sms"
		a.send(s, rep.Mobile, PurposeInitialPassword, s.unitNewAccountText(u.Name, a.password))
	} else {
		a.send(s, rep.Mobile, PurposeUnitOpened, s.unitExistingAccountText(u.Name))
	}
	if in.Admin != nil {
		if err := s.nominate(ctx, a, u.ID, 0, *in.Admin, in.AdminValidUntil); err != nil {
			return err
		}
	}
	e := a.actor.Entry(a.role, "counter.unit_register", "unit:"+strconv.FormatInt(u.ID, 10), a.reason, map[string]string{
		"request": strconv.FormatInt(a.q.ID, 10), "unit_number": u.UnitNumber, "uscc": u.USCC,
		"legal_rep_id": ident.MaskID(rep.IDNumber), "new_account": strconv.FormatBool(newAccount),
		"takeover": strconv.FormatBool(a.outcome["takeover"] == "true"), "registry": a.registry, "channel": "counter"})
	e.UnitID, e.PersonID = u.ID, rep.ID
	a.entries = append(a.entries, e)
	return nil
}

// takeOver installs the legal rep of a unit that has an account but no legal rep (the
// registry named a new one, registrysync), replacing a role the person held in it.
// Errors: ErrUnitTaken when the unit has a legal rep or is closed.
func (s *Service) takeOver(ctx context.Context, a *approval, unitID int64, status string, personID int64) (unit.Unit, error) {
	if status != "active" {
		return unit.Unit{}, ErrUnitTaken
	}
	var n int
	if err := a.tx.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = 'legal_rep' AND status <> 'revoked'`,
		unitID).Scan(&n); err != nil {
		return unit.Unit{}, fmt.Errorf("counter: legal rep: %w", err)
	}
	if n > 0 {
		return unit.Unit{}, ErrUnitTaken
	}
	res, err := a.tx.Exec(ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ?
		WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`, s.dbNow(), unitID, personID)
	if err != nil {
		return unit.Unit{}, fmt.Errorf("counter: replace role: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if _, err := s.d.Sessions.EndAllTx(ctx, a.tx, personID, &unitID); err != nil {
			return unit.Unit{}, err
		}
	}
	if _, err := s.d.Units.AddMembership(ctx, a.tx, unit.Membership{UnitID: unitID, PersonID: personID,
		Role: unit.RoleLegalRep, Status: unit.StatusActive}); err != nil {
		return unit.Unit{}, err
	}
	var u unit.Unit
	err = a.tx.QueryRow(ctx, `SELECT id, uscc, unit_number, name FROM units WHERE id = ?`, unitID).Scan(&u.ID, &u.USCC, &u.UnitNumber, &u.Name)
	return u, err
}
