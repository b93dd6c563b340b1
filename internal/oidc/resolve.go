package oidc

import (
	"context"
	"errors"
	"strconv"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/unit"
)

// personLogin maps a personal login to the person's account.
func (s *Service) personLogin(ctx context.Context, f *flow.Flow, l Login, at auth.Attempt) (Login, error) {
	p, err := s.person(ctx, l.Asserted, false)
	if err != nil {
		return l, err
	}
	l.Person, l.Subject = p, auth.Subject{PersonID: p.ID}
	return l, s.complete(ctx, f, l, at)
}

// person finds the account of the asserted person: by ID type and number, the
// provider's real-name identity; the name must agree, since a hall account whose
// name differs was registered by someone else with this ID (a case for 用户申诉).
func (s *Service) person(ctx context.Context, a Asserted, forUnit bool) (person.Person, error) {
	p, err := s.d.Persons.ByIdentity(ctx, a.IDType, a.IDNumber)
	if errors.Is(err, person.ErrNotFound) {
		return person.Person{}, &Unregistered{Asserted: a, ForUnit: forUnit}
	}
	if err != nil {
		return person.Person{}, err
	}
	if p.Name != a.Name {
		return p, ErrPersonMismatch
	}
	return p, nil
}

// unitLogin maps a unit login to the unit, the person and the person's role in it,
// opening the unit's account first when it has none (R5).
func (s *Service) unitLogin(ctx context.Context, f *flow.Flow, l Login, at auth.Attempt) (Login, error) {
	u, err := s.d.Units.ByAccount(ctx, l.Asserted.USCC)
	if errors.Is(err, unit.ErrNotFound) {
		return s.openUnit(ctx, f, l, at)
	}
	if err != nil {
		return l, err
	}
	return s.enterUnit(ctx, f, l, u, at)
}

// enterUnit applies the rules of the unit password login (L1) to a person the
// provider vouched for: a role in the unit, usable now (confirmed, not revoked,
// inside its validity). The provider's own role claim does not decide: the hall's
// membership does, since grants are managed here (U6).
func (s *Service) enterUnit(ctx context.Context, f *flow.Flow, l Login, u unit.Unit, at auth.Attempt) (Login, error) {
	l.Unit = u
	if u.Status != "active" {
		return l, ErrUnitClosed
	}
	p, err := s.person(ctx, l.Asserted, true)
	l.Person = p
	if err != nil {
		return l, err
	}
	m, err := s.d.Units.Membership(ctx, u.ID, p.ID)
	if errors.Is(err, unit.ErrNotFound) {
		return l, ErrNoRole
	}
	if err != nil {
		return l, err
	}
	if err := s.d.Delegation.Usable(m); err != nil {
		return l, refuse(ErrRoleNotUsable, delegation.Message(err))
	}
	l.Subject = auth.Subject{PersonID: p.ID, UnitID: u.ID, Role: auth.Role(m.Role)}
	return l, s.complete(ctx, f, l, at)
}

// openUnit is R5: the first login of a unit without an account opens it, with the
// registry's facts and the registry's legal representative, when the registry
// knows the unit and agrees with every claim the provider made about it, and the
// person logging in is that legal representative with a personal account. Of
// several first logins at once, the unit's unique USCC lets exactly one open it;
// the others log in to the account it opened.
func (s *Service) openUnit(ctx context.Context, f *flow.Flow, l Login, at auth.Attempt) (Login, error) {
	a := l.Asserted
	if a.Role != "" && a.Role != unit.RoleLegalRep {
		return l, ErrUnitNotOpened
	}
	e, err := s.d.Registry.Lookup(ctx, a.USCC)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return l, ErrUnknownUnit
	case errors.Is(err, registry.ErrUnavailable):
		if ctx.Err() != nil {
			return l, ctx.Err()
		}
		return l, ErrRegistryUnavailable
	case err != nil:
		return l, err
	}
	if err := registryMismatch(e, a); err != nil {
		return l, err
	}
	p, err := s.person(ctx, a, true)
	l.Person = p
	if err != nil {
		return l, err
	}
	opened := l
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		u, err := s.d.Units.Create(ctx, tx, unit.NewUnit{USCC: e.USCC, Name: e.Name, UnitType: e.UnitType.Label(),
			Region: e.Region, Address: e.Address, LegalRepPersonID: p.ID})
		if err != nil {
			return err
		}
		opened.Unit, opened.OpenedUnit = u, true
		opened.Subject = auth.Subject{PersonID: p.ID, UnitID: u.ID, Role: auth.RoleLegalRep}
		entry := unit.OpenedEntry(u, p.ID, unit.RoleLegalRep, "unit.register", "oidc", at.ClientAddr,
			map[string]string{"provider": l.Provider.ID, "account": "existing", "legal_rep_id": p.MaskedID()})
		entry.RequestID = at.RequestID
		_, err = s.d.Audit.Append(ctx, tx, entry)
		if err != nil {
			return err
		}
		return s.completeTx(ctx, tx, f, opened, at)
	})
	if err == nil {
		return opened, nil
	}
	if !errors.Is(err, unit.ErrUSCCTaken) && !store.IsUniqueViolation(err) {
		return l, err
	}
	// Another first login opened the account meanwhile: this one logs in to it.
	u, err := s.d.Units.ByAccount(ctx, a.USCC)
	if err != nil {
		return l, err
	}
	return s.enterUnit(ctx, f, l, u, at)
}

// registryMismatch compares the provider's claims with the registry entry. A unit
// name the provider did not assert is not compared (there is nothing to disagree
// with); the person must be the registered legal representative.
func registryMismatch(e registry.Entry, a Asserted) error {
	name := a.UnitName
	if name == "" {
		name = e.Name
	}
	err := registry.Match(e, registry.Claim{USCC: a.USCC, Name: name, LegalRepIDType: a.IDType,
		LegalRepIDNumber: a.IDNumber, LegalRepName: a.Name})
	var fe *ident.FieldError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &fe):
		return err
	case fe.Code == registry.CodeLegalRepMismatch && a.Role != unit.RoleLegalRep:
		// Someone the provider did not call the legal rep: not a disagreement, just
		// not the person who may open the account.
		return ErrUnitNotOpened
	case fe.Code == registry.CodeStatusAbnormal:
		return refuse(ErrRegistryMismatch, "该单位市场监管登记状态不是存续，不能开通网上办事账户，请到人社经办窗口办理")
	}
	return refuse(ErrRegistryMismatch, "认证平台提供的信息与市场监管登记信息不一致（"+fe.Msg+"），未开通单位账户，请到人社经办窗口办理")
}

// complete completes the flow and records the login in one transaction.
func (s *Service) complete(ctx context.Context, f *flow.Flow, l Login, at auth.Attempt) error {
	return s.d.DB.Tx(ctx, func(tx *store.Tx) error { return s.completeTx(ctx, tx, f, l, at) })
}

func (s *Service) completeTx(ctx context.Context, tx *store.Tx, f *flow.Flow, l Login, at auth.Attempt) error {
	if err := s.d.Flows.Complete(ctx, tx, f, stepCallback); err != nil {
		return flowErrs.Map(err)
	}
	_, err := s.d.Audit.Append(ctx, tx, entry(l, at, nil))
	return err
}

// fail records a refused login in the audit log and returns err. A failure to
// audit does not change the answer (as for the password login).
func (s *Service) fail(ctx context.Context, l Login, at auth.Attempt, err error) error {
	_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), entry(l, at, err))
	return err
}

// entry is the audit record of a login's outcome; personal data masked.
func entry(l Login, at auth.Attempt, err error) audit.Entry {
	action := "login.oidc"
	switch l.Purpose {
	case PurposePerson:
		action = "login.person.oidc"
	case PurposeUnit:
		action = "login.unit.oidc"
	}
	e := audit.Entry{PersonID: l.Person.ID, UnitID: l.Unit.ID, Role: string(l.Subject.Role), Action: action,
		Result: audit.Success, ClientIP: at.ClientAddr, RequestID: at.RequestID,
		Detail: map[string]string{"provider": l.Provider.ID}}
	if l.Unit.ID != 0 {
		e.Target = "unit:" + strconv.FormatInt(l.Unit.ID, 10)
	}
	if l.Asserted.IDNumber != "" {
		e.Detail["id_number"] = ident.MaskID(l.Asserted.IDNumber)
	}
	if l.Asserted.USCC != "" {
		e.Detail["uscc"] = ident.MaskUSCC(l.Asserted.USCC)
	}
	if err != nil {
		e.Result = audit.Failure
		if errors.Is(err, ErrNoRole) || errors.Is(err, ErrRoleNotUsable) || errors.Is(err, ErrUnitClosed) {
			e.Result = audit.Denied
		}
		e.Detail["reason"] = Code(err)
	}
	return e
}
