package qrlogin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/store"
	"hall/internal/token"
	"hall/internal/unit"
)

// The companion app's side: the person signed in there scans a ticket, sees which
// browser asks, and confirms (choosing the unit for a unit ticket) or cancels. The
// person is the app session's; the caller passes its person ID.

// Scan records that personID scanned ticket id in the app and returns it, with the
// asking browser's Device, Place and CreatedAt for the screen. Scanning again by the
// same person, before a decision, returns the ticket unchanged (the screen reloaded).
//
// Errors: ErrNotFound for a malformed or unknown ID; ErrExpired; ErrOtherPerson
// when someone else scanned it first; ErrDecided when this person already
// confirmed or cancelled it; otherwise database failures.
func (s *Service) Scan(ctx context.Context, id string, personID int64) (Ticket, error) {
	if !ValidID(id) || personID <= 0 {
		return Ticket{}, ErrNotFound
	}
	idHash := token.Hash(id)
	now := s.dbNow()
	res, err := s.db.Exec(ctx, `UPDATE qr_tickets SET state = 'scanned', person_id = ?, scanned_at = ?
		WHERE id_hash = ? AND state = 'waiting' AND expires_at > ?`, personID, now, idHash, now)
	if err != nil {
		return Ticket{}, fmt.Errorf("qrlogin: scan: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Ticket{}, fmt.Errorf("qrlogin: scan: %w", err)
	}
	if n == 1 {
		s.broker.notify(idHash)
	}
	r, err := s.load(ctx, s.db, id, idHash)
	if err != nil {
		return Ticket{}, err
	}
	if err := refusal(r.Ticket, personID); err != nil {
		return Ticket{}, err
	}
	return r.Ticket, nil
}

// refusal says why personID may not confirm or cancel t now: nil when t is scanned
// by them and still open.
func refusal(t Ticket, personID int64) error {
	switch {
	case t.State == StateExpired:
		return ErrExpired
	case t.State == StateWaiting:
		return ErrNotScanned
	case t.PersonID != personID:
		return ErrOtherPerson
	case t.State != StateScanned:
		return ErrDecided
	}
	return nil
}

// Choices lists the units personID holds a role in, by name, for a unit ticket's
// confirmation screen: each says whether the person may act for it now and, when
// not, why. Errors: database failures.
func (s *Service) Choices(ctx context.Context, personID int64) ([]Choice, error) {
	acting, err := s.units.ActingUnits(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("qrlogin: choices: %w", err)
	}
	out := make([]Choice, 0, len(acting))
	for _, a := range acting {
		c := Choice{Unit: a.Unit, Role: a.Membership.Role, MembershipID: a.Membership.ID, Usable: true}
		if err := s.authz.AuthorizeMembership(ctx, a.Membership, a.Unit.ID, "", ""); err != nil {
			c.Usable, c.Reason = false, Message(err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Confirm is 确认登录: personID, who scanned ticket id, lets the browser sign in —
// as themselves for a personal ticket (unitID 0), or for unit unitID for a unit
// ticket, in the role they hold there, which must be usable now (legal rep; admin
// inside its validity; agent with a confirmed grant inside its validity). Both the
// confirmation and a refusal for the role are audited ("qr.confirm").
//
// Errors: ErrNotFound; ErrExpired; ErrNotScanned; ErrOtherPerson when another
// person scanned it; ErrDecided when already confirmed or cancelled;
// ErrUnitChoice for a unit ticket without a unit or a personal ticket with one;
// ErrNotUsable (wrapping the *delegation.Denial) when the person may not act for
// the unit now — the ticket stays scanned, so another unit may be chosen;
// otherwise database failures.
func (s *Service) Confirm(ctx context.Context, id string, personID, unitID int64, at auth.Attempt) (Ticket, error) {
	r, err := s.open(ctx, id, personID)
	if err != nil {
		return Ticket{}, err
	}
	if (r.Kind == KindUnit) != (unitID > 0) {
		return Ticket{}, ErrUnitChoice
	}
	entry := s.entry(r.Ticket, personID, "qr.confirm", at)
	var m unit.Membership
	if r.Kind == KindUnit {
		entry.UnitID, entry.Target = unitID, "unit:"+strconv.FormatInt(unitID, 10)
		if m, err = s.usable(ctx, unitID, personID, "", 0); err != nil {
			s.refused(ctx, entry, err)
			return Ticket{}, err
		}
		entry.Role = string(m.Role)
	}
	var unitArg, membershipArg, roleArg any // NULL for a personal ticket
	if m.ID != 0 {
		unitArg, membershipArg, roleArg = unitID, m.ID, string(m.Role)
	}
	return s.decide(ctx, r, personID, entry, "state = 'confirmed', unit_id = ?, membership_id = ?, role = ?",
		unitArg, membershipArg, roleArg)
}

// Cancel is 取消登录: personID, who scanned ticket id, refuses the browser's
// sign-in. Audited ("qr.cancel"). Errors as for Confirm, without ErrUnitChoice
// and ErrNotUsable.
func (s *Service) Cancel(ctx context.Context, id string, personID int64, at auth.Attempt) (Ticket, error) {
	r, err := s.open(ctx, id, personID)
	if err != nil {
		return Ticket{}, err
	}
	return s.decide(ctx, r, personID, s.entry(r.Ticket, personID, "qr.cancel", at), "state = 'cancelled'")
}

// open reads ticket id for a decision by personID and checks that they may take it.
func (s *Service) open(ctx context.Context, id string, personID int64) (row, error) {
	if !ValidID(id) || personID <= 0 {
		return row{}, ErrNotFound
	}
	r, err := s.load(ctx, s.db, id, token.Hash(id))
	if err != nil {
		return row{}, err
	}
	return r, refusal(r.Ticket, personID)
}

// usable returns personID's membership in unitID if they may act for it now — in
// role, or in whatever role they hold when role is "" — and, when membershipID is
// not 0, under that very membership (one removed and added again since is another
// grant). Otherwise ErrNotUsable wrapping the *delegation.Denial, or a database
// failure.
func (s *Service) usable(ctx context.Context, unitID, personID int64, role unit.Role, membershipID int64) (unit.Membership, error) {
	m, err := s.units.Membership(ctx, unitID, personID)
	switch {
	case errors.Is(err, unit.ErrNotFound):
		// No current role: Authorize tells a revoked one from none at all.
		if err = s.authz.Authorize(ctx, unitID, personID, role, ""); err == nil {
			err = deny(delegation.ReasonRevoked) // a role granted since the read above
		}
	case err != nil:
		return unit.Membership{}, fmt.Errorf("qrlogin: read membership: %w", err)
	case membershipID != 0 && m.ID != membershipID:
		err = deny(delegation.ReasonRevoked)
	default:
		if err = s.authz.AuthorizeMembership(ctx, m, unitID, role, ""); err == nil {
			return m, nil
		}
	}
	if errors.Is(err, delegation.ErrNotAuthorized) {
		return unit.Membership{}, fmt.Errorf("%w: %w", ErrNotUsable, err)
	}
	return unit.Membership{}, fmt.Errorf("qrlogin: authorize: %w", err)
}

func deny(r delegation.Reason) *delegation.Denial {
	return &delegation.Denial{Reason: r, Msg: r.Message()}
}

// reasonOf is the denial's reason code for the audit record.
func reasonOf(err error) string {
	var d *delegation.Denial
	if errors.As(err, &d) {
		return string(d.Reason)
	}
	return "not_usable"
}

// decide applies a decision (set, with its arguments) to the scanned ticket r in one
// conditional statement, with the audit entry in the same transaction, and wakes its
// waiters. A concurrent decision or the expiry between the read and the write is
// reported as such.
func (s *Service) decide(ctx context.Context, r row, personID int64, entry audit.Entry, set string, args ...any) (Ticket, error) {
	idHash := token.Hash(r.ID)
	now := s.dbNow()
	won := false
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE qr_tickets SET `+set+`, decided_at = ?
			WHERE id_hash = ? AND state = 'scanned' AND person_id = ? AND expires_at > ?`,
			append(args, now, idHash, personID, now)...)
		if err != nil {
			return fmt.Errorf("qrlogin: decide: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("qrlogin: decide: %w", err)
		}
		if won = n == 1; !won {
			return nil
		}
		_, err = s.audit.Append(ctx, tx, entry)
		return err
	})
	if err != nil {
		return Ticket{}, err
	}
	if won {
		s.broker.notify(idHash)
	}
	cur, err := s.load(ctx, s.db, r.ID, idHash)
	if err != nil {
		return Ticket{}, err
	}
	if !won {
		if err := refusal(cur.Ticket, personID); err != nil {
			return Ticket{}, err
		}
		return Ticket{}, ErrDecided
	}
	return cur.Ticket, nil
}

// entry is the audit record of an app person's step on ticket t.
func (s *Service) entry(t Ticket, personID int64, action string, at auth.Attempt) audit.Entry {
	return audit.Entry{PersonID: personID, Action: action, Target: shortRef(token.Hash(t.ID)), Result: audit.Success,
		ClientIP: at.ClientAddr, RequestID: at.RequestID,
		Detail: map[string]string{"method": "qr", "kind": string(t.Kind), "device": t.Device, "ticket": shortRef(token.Hash(t.ID))}}
}

// refused records a refusal for the role (err from usable) in the audit log; a
// database failure is not recorded.
func (s *Service) refused(ctx context.Context, e audit.Entry, err error) {
	if !errors.Is(err, ErrNotUsable) {
		return
	}
	e.Result = audit.Denied
	e.Detail["reason"] = reasonOf(err)
	_, _ = s.audit.Record(context.WithoutCancel(ctx), e)
}
