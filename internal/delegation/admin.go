package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unit"
)

// SetAdmin nominates the unit's administrator (管理员) when it has none: a pending
// admin membership valid from now until validUntil, an invitation, and the SMS
// "…邀请您成为<单位名称>的管理员，请在掌上APP“我的-企业服务-我是经办人”中确认". The admin may
// act once it confirmed in the companion app (Confirm). Audit: "delegation.set_admin".
//
// SetAdmin never replaces an admin: of several concurrent calls on a unit without
// admin exactly one succeeds and the others get ErrAdminExists, instead of each
// revoking the previous winner. Replacing is ReplaceAdmin, which names the admin it
// replaces. A pending admin whose invitation ran out no longer counts.
//
// Errors: ErrNomineeMismatch; ErrUnitNotFound, ErrUnitClosed; ErrNotLegalRep when the
// actor is not the unit's legal rep; ErrBadValidity; ErrAdminExists; ErrAlreadyMember
// when the nominee already holds a role in the unit (an agent must be removed before
// becoming admin); otherwise database or audit failures.
func (s *Service) SetAdmin(ctx context.Context, actor Actor, unitID int64, n Nominee, validUntil time.Time) (Invitation, error) {
	return s.setAdmin(ctx, actor, unitID, 0, n, validUntil)
}

// ReplaceAdmin revokes the unit's current admin, whose membership ID the caller
// read (the page shows it), and nominates another as SetAdmin does, in one
// transaction. The old admin's sessions for the unit end at once. Naming the
// replaced admin makes the change a compare-and-set: when someone changed the admin
// in between, nothing happens. Nominating the current admin again renews the
// nomination (a new validity, to be confirmed again). Audit:
// "delegation.replace_admin".
//
// Errors: those of SetAdmin except ErrAdminExists, and ErrAdminChanged when
// currentAdminID is not the unit's admin (any more).
func (s *Service) ReplaceAdmin(ctx context.Context, actor Actor, unitID, currentAdminID int64, n Nominee, validUntil time.Time) (Invitation, error) {
	if currentAdminID <= 0 {
		return Invitation{}, ErrAdminChanged
	}
	return s.setAdmin(ctx, actor, unitID, currentAdminID, n, validUntil)
}

func (s *Service) setAdmin(ctx context.Context, actor Actor, unitID, replace int64, n Nominee, validUntil time.Time) (Invitation, error) {
	p, err := s.resolve(ctx, n)
	if err != nil {
		return Invitation{}, err
	}
	var inv Invitation
	notified, err := s.run(ctx, func(t *txn) error {
		u, err := t.lockUnit(unitID)
		if err != nil {
			return err
		}
		rep, err := t.requireLegalRep(unitID, actor)
		if err != nil {
			return err
		}
		var action string
		var detail map[string]string
		if inv, action, detail, err = s.nominateAdmin(t, u, rep, replace, p, validUntil); err != nil {
			return err
		}
		t.record(actor, string(rep.Role), unitID, action, target(inv.MembershipID), detail)
		return nil
	})
	inv.Notified = notified
	return inv, err
}

// nominateAdmin is the body of a nomination once the unit is locked and the legal
// rep, in whose name the invitation goes out, is known: the pending admin membership
// (replacing the admin with membership ID replace, or none when replace is 0), its
// invitation and SMS. It returns the invitation and the audit action and detail.
func (s *Service) nominateAdmin(t *txn, u unitRow, rep unit.Membership, replace int64, p person.Person, validUntil time.Time) (Invitation, string, map[string]string, error) {
	unitID := u.ID
	fail := func(err error) (Invitation, string, map[string]string, error) { return Invitation{}, "", nil, err }
	from, until, err := period(t.now, time.Time{}, validUntil)
	if err != nil {
		return fail(err)
	}
	if _, err := s.expireInvitations(t, unitID, expireBatch); err != nil {
		return fail(err)
	}
	action, detail := "delegation.set_admin", nomineeDetail(p, unit.RoleAdmin, from, until)
	cur, err := t.admin(unitID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if replace != 0 {
			return fail(ErrAdminChanged)
		}
	case err != nil:
		return fail(fmt.Errorf("delegation: admin: %w", err))
	case replace == 0:
		return fail(ErrAdminExists)
	case cur.ID != replace:
		return fail(ErrAdminChanged)
	default:
		if err := s.revoke(t, cur); err != nil {
			return fail(err)
		}
		action, detail["replaced"] = "delegation.replace_admin", target(cur.ID)
	}
	if _, err := t.current(unitID, p.ID); err == nil {
		return fail(ErrAlreadyMember)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fail(fmt.Errorf("delegation: nominee: %w", err))
	}
	m, err := t.insertPending(unitID, p.ID, unit.RoleAdmin, from, until, rep.PersonID)
	if err != nil {
		return fail(err)
	}
	inv, err := s.invite(t, u, m, rep)
	if err != nil {
		return fail(err)
	}
	return inv, action, detail, nil
}

// RemoveAdmin revokes the unit's admin adminID (pending or confirmed); the admin's
// sessions for the unit end at once. Agents the admin added keep their grants: they
// were given in the unit's name. Audit: "delegation.remove_admin".
//
// Errors: ErrUnitNotFound, ErrUnitClosed; ErrNotLegalRep; ErrAdminChanged when adminID
// is not the unit's current admin; otherwise database or audit failures.
func (s *Service) RemoveAdmin(ctx context.Context, actor Actor, unitID, adminID int64) error {
	_, err := s.run(ctx, func(t *txn) error {
		if _, err := t.lockUnit(unitID); err != nil {
			return err
		}
		rep, err := t.requireLegalRep(unitID, actor)
		if err != nil {
			return err
		}
		cur, err := t.admin(unitID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && cur.ID != adminID) {
			return ErrAdminChanged
		}
		if err != nil {
			return fmt.Errorf("delegation: admin: %w", err)
		}
		if err := s.revoke(t, cur); err != nil {
			return err
		}
		t.record(actor, string(rep.Role), unitID, "delegation.remove_admin", target(cur.ID),
			map[string]string{"role": string(unit.RoleAdmin), "person_id": fmt.Sprint(cur.PersonID)})
		return nil
	})
	return err
}

// nomineeDetail is the audit detail of a nomination: masked, as logs must be.
func nomineeDetail(p person.Person, role unit.Role, from, until time.Time) map[string]string {
	return map[string]string{
		"role":        string(role),
		"person_id":   fmt.Sprint(p.ID),
		"name":        ident.MaskName(p.Name),
		"id_number":   ident.MaskID(p.IDNumber),
		"valid_from":  fmtTime(&from),
		"valid_until": fmtTime(&until),
	}
}
