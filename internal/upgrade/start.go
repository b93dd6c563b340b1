package upgrade

import (
	"context"
	"errors"
	"strings"

	"hall/internal/flow"
	"hall/internal/legacy"
	"hall/internal/registry"
	"hall/internal/unit"
)

// Form field names of step 1 (验证原账户).
const (
	FieldNumber      = "legacy_number"
	FieldOldPassword = "legacy_password"
)

// Messages of step 1's field checks.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	MsgNumberMissing   = "请输入原单位编号"
	MsgPasswordMissing = "请输入原密码"
)

// Start runs step 1 for the browser binding: it checks the old 单位编号 and password
// (legacy.Store.Check), then — the password being right — whether the account can
// still be upgraded, what the registry says about the unit and that the unit has no
// online account; then it creates the flow at StepConfirm with TTL.
//
// The caller throttles and admits the check first (it is a login) and reports its
// outcome: ErrBadCredentials is a wrong password, anything else after the check a
// right one.
//
// Errors: *FormError for empty fields (nothing checked); ErrBadCredentials for an
// unknown number or a wrong password (one error); *FormError in Top, after the right
// password, for an account upgraded already (MsgUpgraded), a unit the registry does
// not know (MsgRegistryNotFound) or does not list as in business
// (MsgRegistryInactive), a registry that cannot answer (MsgRegistryUnavailable), a
// unit with an online account (MsgUnitTaken); otherwise database failures.
func (s *Service) Start(ctx context.Context, binding, number, password string) (*flow.Flow, error) {
	fe := &FormError{}
	if strings.TrimSpace(number) == "" {
		fe.Add(FieldNumber, MsgNumberMissing)
	}
	if password == "" {
		fe.Add(FieldOldPassword, MsgPasswordMissing)
	}
	if err := fe.OrNil(); err != nil {
		return nil, err
	}
	a, err := s.d.Legacy.Check(ctx, number, password)
	switch {
	case errors.Is(err, legacy.ErrBadCredentials):
		return nil, ErrBadCredentials
	case errors.Is(err, legacy.ErrUpgraded):
		return nil, &FormError{Top: MsgUpgraded}
	case err != nil:
		return nil, err
	}
	e, err := s.inBusiness(ctx, a.USCC)
	if err != nil {
		return nil, err
	}
	if err := s.unitFree(ctx, e.USCC); err != nil {
		return nil, err
	}
	st := state{LegacyID: a.ID, LegacyNumber: a.UnitNumber, Facts: e.Facts()}
	return s.d.Flows.Create(ctx, flow.KindUpgrade, binding, StepConfirm, st, TTL)
}

// inBusiness returns what the registry has on uscc, refusing a unit it does not
// know (MsgRegistryNotFound), does not list as in business (MsgRegistryInactive)
// or cannot tell about now (MsgRegistryUnavailable), all in Top.
func (s *Service) inBusiness(ctx context.Context, uscc string) (registry.Entry, error) {
	e, err := s.d.Registry.Lookup(ctx, uscc)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return e, &FormError{Top: MsgRegistryNotFound}
	case errors.Is(err, registry.ErrUnavailable):
		if ctx.Err() != nil {
			return e, ctx.Err()
		}
		return e, &FormError{Top: MsgRegistryUnavailable}
	case err != nil:
		return e, err
	}
	if !e.Active() {
		return e, &FormError{Top: MsgRegistryInactive}
	}
	return e, nil
}

// unitFree refuses a unit that has an online account (MsgUnitTaken in Top).
func (s *Service) unitFree(ctx context.Context, uscc string) error {
	switch _, err := s.d.Units.ByAccount(ctx, uscc); {
	case err == nil:
		return &FormError{Top: MsgUnitTaken}
	case !errors.Is(err, unit.ErrNotFound):
		return err
	}
	return nil
}

// Confirm runs step 2 (确认单位信息): the person confirms the unit and legal rep shown,
// and the flow moves to the admin step. Confirming twice is not an error.
//
// Errors: ErrStep when the flow is past the admin step; ErrNotFound, ErrExpired,
// ErrCompleted; otherwise database failures.
func (s *Service) Confirm(ctx context.Context, flowID, binding string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	switch f.Step {
	case StepAdmin:
		return nil
	case StepConfirm:
	default:
		return ErrStep
	}
	if err := s.d.Flows.Advance(ctx, f, StepConfirm, StepAdmin, st); err != nil {
		if err = flowErr(err); errors.Is(err, ErrStep) {
			return nil // a concurrent Confirm
		}
		return err
	}
	return nil
}
