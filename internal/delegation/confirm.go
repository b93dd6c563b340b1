package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/verify"
)

// Proof is the face verification (实人认证) a person passed before confirming an
// invitation: a verify session of purpose verify.PurposeAgentConfirm for the invited
// person, consumed by the flow. Make one with ConsumeIn (preferred: the result is
// consumed inside Confirm's transaction, so it is spent only if the confirmation
// commits) or Consumed (the caller consumed it already).
type Proof interface {
	take(ctx context.Context, tx *store.Tx) (verify.Session, error)
}

type consumed verify.Session

func (c consumed) take(context.Context, *store.Tx) (verify.Session, error) {
	return verify.Session(c), nil
}

// Consumed is a Proof from a session the caller already took with
// verify.Service.Consume. Confirm still checks its purpose, person, status and
// age, and that no other invitation was confirmed with it.
func Consumed(s verify.Session) Proof { return consumed(s) }

type consumeIn struct {
	v           Consumer
	id, binding string
}

func (c consumeIn) take(ctx context.Context, tx *store.Tx) (verify.Session, error) {
	return c.v.Consume(ctx, tx, c.id, c.binding)
}

// ConsumeIn is a Proof that consumes verification session id (started by the app
// for this flow with binding) inside Confirm's transaction.
func ConsumeIn(v Consumer, id, binding string) Proof {
	return consumeIn{v: v, id: id, binding: binding}
}

// Confirmation is the app's 我是经办人 confirmation form.
type Confirmation struct {
	InvitationID string
	Password     string // 设置经办密码
	Confirm      string // 确认经办密码
	Proof        Proof
}

// Messages of the password fields of the confirmation form.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	MsgPasswordMissing  = "请设置经办密码"
	MsgPasswordMismatch = "两次输入的密码不一致"
)

// invitee is what Confirm checks the password and the verification against.
type invitee struct {
	PersonID               int64
	IDType                 ident.IDType
	IDNumber, Name, Mobile string
	USCC                   string
}

// Confirm accepts invitation c.InvitationID for the person logged in to the app
// (actor) after face verification (c.Proof), and sets the unit password the person
// will log in with (L1), hashed. The membership becomes active: until then the
// grant cannot be used. Audit: "delegation.confirm".
//
// The password is checked against the policy (with the person's ID number and mobile
// and the unit's USCC as context words) and hashed before the transaction, so a
// refused password does not spend the verification and the SQLite writer is not
// held during the hash.
//
// Errors: ErrInvitationNotFound (unknown, another person's, answered, or revoked
// meanwhile); ErrInvitationExpired; a *person.FormError on person.FieldPassword or
// person.FieldConfirm; ErrVerificationRequired (wrapping verify's error when the
// session could not be taken) when the proof is missing, not passed, of another
// purpose or person, too old, or used for another invitation; ErrUnitNotFound,
// ErrUnitClosed; person.ErrBusy from the hasher; otherwise database or audit failures.
func (s *Service) Confirm(ctx context.Context, actor Actor, c Confirmation) error {
	unitID, err := s.invitationUnit(ctx, c.InvitationID)
	if err != nil {
		return err
	}
	who, err := s.invitee(ctx, c.InvitationID)
	if err != nil {
		return err
	}
	if who.PersonID != actor.PersonID {
		return ErrInvitationNotFound
	}
	if err := s.checkPassword(c.Password, c.Confirm, who); err != nil {
		return err
	}
	if c.Proof == nil {
		return ErrVerificationRequired
	}
	hash, err := s.hasher.Hash(ctx, c.Password)
	if err != nil {
		return err
	}
	_, err = s.run(ctx, func(t *txn) error {
		if _, err := t.lockUnit(unitID); err != nil {
			return err
		}
		inv, err := t.loadInvitation(c.InvitationID, actor.PersonID)
		if err != nil {
			return err
		}
		sess, err := c.Proof.take(ctx, t.Tx)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrVerificationRequired, err)
		}
		if err := s.checkProof(t, sess, who); err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `UPDATE invitations SET confirmed_at = ?, verification_id = ? WHERE id = ?`,
			t.now, sess.ID, inv.ID); err != nil {
			if store.IsUniqueViolation(err) {
				return ErrVerificationRequired
			}
			return fmt.Errorf("delegation: confirm invitation: %w", err)
		}
		if _, err := t.Exec(ctx, `UPDATE memberships SET status = 'active', password_hash = ?, confirmed_at = ? WHERE id = ?`,
			hash, t.now, inv.Membership.ID); err != nil {
			return fmt.Errorf("delegation: confirm membership: %w", err)
		}
		t.record(actor, string(inv.Membership.Role), unitID, "delegation.confirm", target(inv.Membership.ID),
			map[string]string{"role": string(inv.Membership.Role), "verification": sess.ID})
		return nil
	})
	return err
}

// invitee reads the invited person and the unit's USCC (read pool, no lock: the
// transaction re-reads what must not change).
func (s *Service) invitee(ctx context.Context, invitationID string) (invitee, error) {
	var w invitee
	var idType string
	var sealed person.SealedIdentity
	err := s.db.QueryRow(ctx, `SELECT p.id, p.id_type, p.id_number, p.name, p.mobile, u.uscc
		FROM invitations i JOIN memberships m ON m.id = i.membership_id
		JOIN persons p ON p.id = m.person_id JOIN units u ON u.id = m.unit_id WHERE i.id = ?`, invitationID).
		Scan(&w.PersonID, &idType, &sealed.IDNumber, &sealed.Name, &sealed.Mobile, &w.USCC)
	if errors.Is(err, sql.ErrNoRows) {
		return w, ErrInvitationNotFound
	}
	if err != nil {
		return w, fmt.Errorf("delegation: invitee: %w", err)
	}
	opened, err := sealed.Open(s.db.Keys(), w.PersonID)
	if err != nil {
		return w, fmt.Errorf("delegation: invitee: %w", err)
	}
	w.IDType, w.IDNumber, w.Name, w.Mobile = ident.IDType(idType), opened.IDNumber, opened.Name, opened.Mobile
	return w, nil
}

func (s *Service) checkPassword(pw, confirm string, w invitee) error {
	fe := &person.FormError{Fields: map[string]string{}}
	switch {
	case pw == "":
		fe.Fields[person.FieldPassword] = MsgPasswordMissing
	default:
		if err := s.policy.Check(pw, w.IDNumber, w.Mobile, w.USCC); err != nil {
			msg := "密码不符合要求"
			var pe *ident.PasswordError
			if errors.As(err, &pe) {
				msg = pe.Msg
			}
			fe.Fields[person.FieldPassword] = msg
		}
	}
	if pw != confirm {
		fe.Fields[person.FieldConfirm] = MsgPasswordMismatch
	}
	if len(fe.Fields) > 0 {
		return fe
	}
	return nil
}

// checkProof accepts a verification that is for confirming a grant, passed, taken
// by the flow not long ago, for exactly the invited person, and not yet used to
// confirm another invitation. Errors: ErrVerificationRequired, database failures.
func (s *Service) checkProof(t *txn, v verify.Session, w invitee) error {
	expected := verify.Person{IDType: w.IDType, IDNumber: w.IDNumber, Name: w.Name}
	age := t.now.Sub(v.ConsumedAt)
	if v.ID == "" || v.Purpose != verify.PurposeAgentConfirm || v.Status != verify.Passed || v.ConsumedAt.IsZero() ||
		age > s.cfg.VerificationMaxAge || age < -time.Minute || !v.Expected.Same(expected) {
		return ErrVerificationRequired
	}
	var n int
	if err := t.QueryRow(t.ctx, `SELECT COUNT(*) FROM invitations WHERE verification_id = ?`, v.ID).Scan(&n); err != nil {
		return fmt.Errorf("delegation: verification use: %w", err)
	}
	if n > 0 {
		return ErrVerificationRequired
	}
	return nil
}
