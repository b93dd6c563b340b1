package qrlogin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/store"
)

// Consume is the browser's sign-in: it takes the confirmed ticket id for the
// browser with this binding, exactly once, and returns whom to sign in as. For a
// unit ticket the membership confirmed must still be usable in the role confirmed
// (checked again here: an agent whose grant ended since the confirmation is
// refused, and the ticket is used up). The login, or its refusal for the role, is
// audited in the same transaction ("login.unit.qr" / "login.person.qr", detail
// method=qr, the client address of at).
//
// The caller starts the session (auth.Sessions.Rotate with RotateLogin, or Create)
// with auth.ProofQR.
//
// Errors: ErrNotFound for a malformed or unknown ID or another binding;
// ErrPending before the confirmation; ErrCancelled; ErrExpired when it was not
// confirmed in time or not consumed within ConsumeWindow of the confirmation;
// ErrUsed when it was consumed already (by another tab or process);
// ErrNotUsable (wrapping the *delegation.Denial) when the unit role is no longer
// usable; otherwise database failures.
func (s *Service) Consume(ctx context.Context, id, binding string, at auth.Attempt) (Identity, error) {
	k, ok := parseKey(id, binding)
	if !ok {
		return Identity{}, ErrNotFound
	}
	t, _, err := s.read(ctx, s.db, id, k)
	if err != nil {
		return Identity{}, err
	}
	if err := unconsumable(t.State); err != nil {
		return Identity{}, err
	}
	// The role is checked before the write, on the read pool: the transaction
	// below then holds one connection only.
	var denied error
	if t.Kind == KindUnit {
		if _, denied = s.usable(ctx, t.UnitID, t.PersonID, t.Role, t.MembershipID); denied != nil && !errors.Is(denied, ErrNotUsable) {
			return Identity{}, denied
		}
	}
	var won bool
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		won, err = s.consumeIn(ctx, tx, k, t, denied, at)
		return err
	})
	if err != nil {
		return Identity{}, err
	}
	if !won {
		// Another tab or process took it, or it ran out, since the read.
		t, _, err = s.read(ctx, s.db, id, k)
		if err != nil {
			return Identity{}, err
		}
		if err := unconsumable(t.State); err != nil {
			return Identity{}, err
		}
		return Identity{}, ErrUsed
	}
	s.broker.notify(k.id)
	if denied != nil {
		return Identity{}, denied
	}
	id2 := Identity{Kind: t.Kind, Subject: auth.Subject{PersonID: t.PersonID}}
	if t.Kind == KindUnit {
		id2.Subject.UnitID, id2.Subject.Role, id2.MembershipID = t.UnitID, auth.Role(t.Role), t.MembershipID
	}
	return id2, nil
}

// unconsumable says why a ticket in state cannot be consumed; nil when confirmed.
func unconsumable(state State) error {
	switch state {
	case StateConfirmed:
		return nil
	case StateWaiting, StateScanned:
		return ErrPending
	case StateCancelled:
		return ErrCancelled
	case StateConsumed:
		return ErrUsed
	}
	return ErrExpired
}

// consumeIn marks the confirmed ticket t (read for key k) consumed inside tx — one
// conditional statement, so that of concurrent consumers exactly one changes the
// row — and appends the login's audit record: a success, or a refusal when denied
// (the role's ErrNotUsable) is set. won is false when the ticket was no longer
// confirmed and within its window; nothing is written then.
func (s *Service) consumeIn(ctx context.Context, tx *store.Tx, k key, t Ticket, denied error, at auth.Attempt) (won bool, err error) {
	now := s.dbNow()
	res, err := tx.Exec(ctx, `UPDATE qr_tickets SET state = 'consumed', consumed_at = ?
		WHERE id_hash = ? AND binding_hash = ? AND state = 'confirmed' AND decided_at > ?`,
		now, k.id, k.binding, store.Time(now.Add(-s.cfg.ConsumeWindow)))
	if err != nil {
		return false, fmt.Errorf("qrlogin: consume: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("qrlogin: consume: %w", err)
	}
	if n != 1 {
		return false, nil
	}
	e := audit.Entry{PersonID: t.PersonID, Action: "login.person.qr", Target: shortRef(k.id), Result: audit.Success,
		ClientIP: at.ClientAddr, RequestID: at.RequestID, Detail: map[string]string{"method": "qr", "device": t.Device, "ticket": shortRef(k.id)}}
	if t.Kind == KindUnit {
		e.Action, e.UnitID, e.Role = "login.unit.qr", t.UnitID, string(t.Role)
		e.Target = "unit:" + strconv.FormatInt(t.UnitID, 10)
	}
	if denied != nil {
		e.Result = audit.Denied
		e.Detail["reason"] = "role_not_usable"
		e.Detail["denial"] = reasonOf(denied)
	}
	if _, err := s.audit.Append(ctx, tx, e); err != nil {
		return false, fmt.Errorf("qrlogin: audit: %w", err)
	}
	return true, nil
}
