package counter

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/store"
)

// execPasswordReset: the person's password becomes the one-time password, which they
// must change at the next login; every session of theirs ends; the password goes to
// their mobile after commit.
func (s *Service) execPasswordReset(ctx context.Context, a *approval) error {
	if a.q.PersonID == 0 {
		return errNotPerson
	}
	p, err := s.resetTx(ctx, a.tx, a.q.PersonID, a.hash)
	if err != nil {
		return err
	}
	a.outcome["first_login"] = "sms"
	a.outcome["mobile"] = ident.MaskMobile(p.Mobile)
	a.send(s, p.Mobile, PurposeInitialPassword, s.resetText(a.password))
	return nil
}

// resetTx sets a one-time password and ends the person's sessions as themselves
// and for units (an institution session rests on the institution's password).
func (s *Service) resetTx(ctx context.Context, tx *store.Tx, personID int64, hash string) (person.Person, error) {
	p, err := s.d.Persons.Get(ctx, personID)
	if errors.Is(err, person.ErrNotFound) {
		return person.Person{}, ErrPersonNotFound
	}
	if err != nil {
		return person.Person{}, err
	}
	if err := s.d.Persons.ResetAtCounterTx(ctx, tx, personID, hash); err != nil {
		return person.Person{}, err
	}
	if _, err := s.d.Sessions.EndPersonalTx(ctx, tx, personID); err != nil {
		return person.Person{}, err
	}
	return p, nil
}

// Resend gives the person of an approved password reset or unit registration a new
// one-time password by SMS, when the first did not reach them and they have not set a
// password of their own since (person.MustChangePassword). Clerks only. Audit:
// "counter.resend".
//
// Errors: ErrNotFound; ErrNotResendable; ErrNoKeys; a *staff.Denial; staff reason errors;
// person.ErrBusy; database or audit failures.
func (s *Service) Resend(ctx context.Context, actor staff.Actor, id int64, reason string) (Outcome, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Outcome{}, err
	}
	q, err := scanRequest(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+requestColumns+" FROM counter_requests WHERE id = ?", id))
	if err != nil {
		return Outcome{}, err
	}
	if q.Status != StatusApproved || q.PersonID == 0 || q.Outcome["first_login"] != "sms" {
		return Outcome{}, ErrNotResendable
	}
	a := &approval{reason: reason, outcome: map[string]string{}, password: ident.RandomPassword(s.d.Policy)}
	if a.hash, err = s.d.Hasher.Hash(ctx, a.password); err != nil {
		return Outcome{}, err
	}
	err = staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionCounterResend, target(id), func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		a.tx, a.actor = tx, fresh
		var err error
		if a.role, err = authorize(staff.Subject{}); err != nil {
			return err
		}
		var must bool
		if err := tx.QueryRow(ctx, `SELECT must_change_password FROM persons WHERE id = ?`+tx.ForUpdate(), q.PersonID).Scan(&must); err != nil {
			return fmt.Errorf("counter: resend: %w", store.NotFound(err))
		}
		if !must {
			return ErrNotResendable
		}
		p, err := s.resetTx(ctx, tx, q.PersonID, a.hash)
		if err != nil {
			return err
		}
		a.send(s, p.Mobile, PurposeInitialPassword, s.resetText(a.password))
		e := a.actor.Entry(a.role, "counter.resend", target(q.ID), reason, map[string]string{
			"person": strconv.FormatInt(q.PersonID, 10), "mobile": ident.MaskMobile(p.Mobile)})
		e.PersonID, e.UnitID = q.PersonID, q.UnitID
		_, err = s.d.Audit.Append(ctx, tx, e)
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Request: q, Delivered: true}
	for _, f := range a.after {
		out.Delivered = f(context.WithoutCancel(ctx)) && out.Delivered
	}
	return out, nil
}
