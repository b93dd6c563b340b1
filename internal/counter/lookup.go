package counter

import (
	"context"
	"errors"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/unit"
)

// PersonView is a personal account as the counter sees it when a person presents
// their ID: enough to tell it is theirs, masked otherwise.
type PersonView struct {
	ID                 int64
	Name               string // shown in full: the ID document in the clerk's hand has it
	MaskedID           string
	MaskedMobile       string
	MustChangePassword bool
	Units              []unit.Acting
}

// LookupPerson finds the account of the ID the person presents (clerks and
// reviewers), with the units they act for. Audit: "counter.lookup". Errors: a
// *staff.Denial; ErrBadInput; ErrPersonNotFound; database failures.
func (s *Service) LookupPerson(ctx context.Context, actor staff.Actor, idType ident.IDType, idNumber string) (PersonView, error) {
	role, err := s.authorize(ctx, actor, staff.ActionUnitView, staff.Subject{}, "person")
	if err != nil {
		return PersonView{}, err
	}
	n, err := ident.ValidateID(idType, idNumber, s.d.Now())
	if err != nil {
		return PersonView{}, ErrBadInput
	}
	p, err := s.d.Persons.ByIdentity(ctx, idType, n)
	if errors.Is(err, person.ErrNotFound) {
		return PersonView{}, ErrPersonNotFound
	}
	if err != nil {
		return PersonView{}, err
	}
	acting, err := s.d.Units.ActingUnits(ctx, p.ID)
	if err != nil {
		return PersonView{}, err
	}
	e := actor.Entry(role, "counter.lookup", "person:"+ident.MaskID(n), "", map[string]string{"what": "person"})
	e.PersonID = p.ID
	_, _ = s.d.Audit.Record(ctx, e)
	return PersonView{ID: p.ID, Name: p.Name, MaskedID: p.MaskedID(), MaskedMobile: p.MaskedMobile(),
		MustChangePassword: p.MustChangePassword, Units: acting}, nil
}

// LookupUnit finds a unit by USCC or unit number (clerks and reviewers), for the
// administrator change form (which needs the current admin's membership ID).
// Audit: "counter.lookup". Errors: a *staff.Denial; ErrUnitNotFound; database
// failures.
func (s *Service) LookupUnit(ctx context.Context, actor staff.Actor, account string) (unit.Unit, []unit.Membership, error) {
	role, err := s.authorize(ctx, actor, staff.ActionUnitView, staff.Subject{}, "unit")
	if err != nil {
		return unit.Unit{}, nil, err
	}
	u, err := s.d.Units.ByAccount(ctx, account)
	if errors.Is(err, unit.ErrNotFound) {
		return unit.Unit{}, nil, ErrUnitNotFound
	}
	if err != nil {
		return unit.Unit{}, nil, err
	}
	rows, err := s.d.DB.Query(ctx, `SELECT id, person_id, role, status FROM memberships
		WHERE unit_id = ? AND status <> 'revoked' ORDER BY id`, u.ID)
	if err != nil {
		return unit.Unit{}, nil, err
	}
	defer rows.Close()
	var ms []unit.Membership
	for rows.Next() {
		var m unit.Membership
		if err := rows.Scan(&m.ID, &m.PersonID, &m.Role, &m.Status); err != nil {
			return unit.Unit{}, nil, err
		}
		m.UnitID = u.ID
		ms = append(ms, m)
	}
	e := actor.Entry(role, "counter.lookup", "unit:"+u.USCC, "", map[string]string{"what": "unit"})
	e.UnitID = u.ID
	_, _ = s.d.Audit.Record(ctx, e)
	return u, ms, rows.Err()
}
