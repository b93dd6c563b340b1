package recovery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/audit"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/verify"
)

// Target is the credential a reset changes: a person's own password (a personal
// account, or the login of a unit's legal rep, which auth.Login checks against the
// person's password) or the unit password of an administrator's or agent's
// membership.
type Target struct {
	PersonID     int64     `json:"person_id"`
	UnitID       int64     `json:"unit_id,omitempty"`       // 0: personal account
	MembershipID int64     `json:"membership_id,omitempty"` // 0: personal account
	Role         unit.Role `json:"role,omitempty"`          // "" for a personal account
}

// UnitPassword reports whether the reset changes a membership's unit password (an
// administrator or agent) rather than the person's own password.
func (t Target) UnitPassword() bool { return t.UnitID != 0 && t.Role != unit.RoleLegalRep }

// Why there is no account to reset, for the page that says so (after the face step).
const (
	noPerson  = "no_person"
	noUnit    = "no_unit_account"
	noPending = "pending_role"
)

// NoAccountMessage is the page's text for a noaccount reason.
func NoAccountMessage(reason string) string {
	switch reason {
	case noPending:
		return MsgPendingRole
	case noUnit:
		return MsgNoUnitAccount
	}
	return MsgNoPerson
}

// resolve finds the account a claim names. reason is "" when found; otherwise the
// account does not exist and reason says why (noPerson, noUnit, noPending). It must
// only run once the face verification has passed for the claimed person: before
// that, whether an account exists is not to be told.
func (s *Service) resolve(ctx context.Context, c Claim) (Target, string, error) {
	p, err := s.d.Persons.ByIdentity(ctx, c.IDType, c.IDNumber)
	switch {
	case errors.Is(err, person.ErrNotFound):
		if c.Kind == KindUnit {
			return Target{}, noUnit, nil
		}
		return Target{}, noPerson, nil
	case err != nil:
		return Target{}, "", err
	}
	if !identity(p).Same(c.Person()) {
		// Same number, another name: not this person's account.
		if c.Kind == KindUnit {
			return Target{}, noUnit, nil
		}
		return Target{}, noPerson, nil
	}
	if c.Kind == KindPerson {
		return Target{PersonID: p.ID}, "", nil
	}
	u, err := s.d.Units.ByAccount(ctx, c.USCC)
	switch {
	case errors.Is(err, unit.ErrNotFound):
		return Target{}, noUnit, nil
	case err != nil:
		return Target{}, "", err
	}
	m, err := s.d.Units.Membership(ctx, u.ID, p.ID)
	switch {
	case errors.Is(err, unit.ErrNotFound):
		return Target{}, noUnit, nil
	case err != nil:
		return Target{}, "", err
	}
	if m.Status != unit.StatusActive {
		return Target{}, noPending, nil
	}
	return Target{PersonID: p.ID, UnitID: u.ID, MembershipID: m.ID, Role: m.Role}, "", nil
}

// identity is a person account as the face verification knows people.
func identity(p person.Person) verify.Person {
	return verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}
}

// resetRequest is one reset: the credential, the new password, the face verification
// to consume and the flow to complete with it.
type resetRequest struct {
	target            Target
	password, confirm string
	// purpose is the verification purpose this channel starts (PurposeRecover or
	// PurposeAppReset); session and binding name the verification to consume.
	purpose, session, binding string
	flow                      *flow.Flow
	step                      string // the flow's step, completed with the reset
	channel                   string // "online" (P1) or "app" (P2), for the audit record
	clientAddr, requestID     string
}

// reset is THE password reset of P1 and P2. It checks the new password first (a
// refusal spends nothing), hashes a unit password outside the transaction, and then
// in one transaction: consumes the face verification and checks that it is of the
// expected purpose and for the target's person; re-reads the membership (it may have
// been revoked meanwhile); writes the password; ends the credential's sessions;
// completes the flow; appends "password.reset". It returns how many sessions ended.
//
// Errors: *FormError on FieldPassword / FieldConfirm; ErrVerification (the
// verification cannot be taken, or is of another purpose or person); ErrNoAccount
// (the person or membership is gone or no longer active); flow errors from the
// completion (ErrCompleted, ErrExpired, ErrStep, ErrNotFound); person.ErrBusy;
// otherwise database or audit failures, after which nothing was written.
func (s *Service) reset(ctx context.Context, r resetRequest) (int, error) {
	t := r.target
	p, err := s.d.Persons.Get(ctx, t.PersonID)
	if errors.Is(err, person.ErrNotFound) {
		return 0, ErrNoAccount
	}
	if err != nil {
		return 0, err
	}
	words := []string{p.IDNumber, p.Mobile}
	var u unit.Unit
	if t.UnitID != 0 {
		if u, err = s.d.Units.Get(ctx, t.UnitID); errors.Is(err, unit.ErrNotFound) {
			return 0, ErrNoAccount
		} else if err != nil {
			return 0, err
		}
		words = append(words, u.USCC)
	}
	if err := CheckPassword(s.d.Policy, r.password, r.confirm, words...); err != nil {
		return 0, err
	}
	var hash string
	if t.UnitPassword() {
		// Outside the transaction: the SQLite writer is never held during argon2id.
		if hash, err = s.d.Hasher.Hash(ctx, r.password); err != nil {
			return 0, err
		}
	}
	var ended int
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		sess, err := s.d.Verify.Consume(ctx, tx, r.session, r.binding)
		if err != nil {
			return verifyErr(err)
		}
		if sess.Purpose != r.purpose || sess.Status != verify.Passed || !sess.Expected.Same(identity(p)) {
			return ErrVerification
		}
		if err := s.write(ctx, tx, t, hash, r.password, u.USCC); err != nil {
			return err
		}
		if t.UnitPassword() {
			ended, err = s.d.Sessions.EndAllTx(ctx, tx, t.PersonID, &t.UnitID)
		} else {
			ended, err = s.d.Sessions.EndPersonalTx(ctx, tx, t.PersonID)
		}
		if err != nil {
			return err
		}
		if r.flow != nil {
			if err := s.d.Flows.Complete(ctx, tx, r.flow, r.step); err != nil {
				return flowErr(err)
			}
		}
		_, err = s.d.Audit.Append(ctx, tx, auditEntry(r, p, u, sess.ID, ended))
		return err
	})
	if err != nil {
		return 0, err
	}
	return ended, nil
}

// write changes the credential inside tx after checking that the membership still
// stands: active, and for a legal rep still the legal rep.
func (s *Service) write(ctx context.Context, tx *store.Tx, t Target, hash, password, uscc string) error {
	if t.UnitID != 0 {
		var role, status string
		err := tx.QueryRow(ctx, `SELECT role, status FROM memberships WHERE id = ? AND unit_id = ? AND person_id = ?`,
			t.MembershipID, t.UnitID, t.PersonID).Scan(&role, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (unit.Role(role) != t.Role || unit.Status(status) != unit.StatusActive)) {
			return ErrNoAccount
		}
		if err != nil {
			return fmt.Errorf("recovery: read membership: %w", err)
		}
	}
	if t.UnitPassword() {
		if _, err := tx.Exec(ctx, `UPDATE memberships SET password_hash = ? WHERE id = ?`, hash, t.MembershipID); err != nil {
			return fmt.Errorf("recovery: set unit password: %w", err)
		}
		return nil
	}
	var words []string
	if uscc != "" {
		words = append(words, uscc)
	}
	err := s.d.Persons.SetPassword(ctx, tx, t.PersonID, password, words...)
	switch {
	case errors.Is(err, person.ErrNotFound):
		return ErrNoAccount
	case err != nil:
		var pfe *person.FormError
		if errors.As(err, &pfe) {
			// Checked before the transaction with the same policy; kept as a field
			// message should the two ever disagree.
			return fieldError(FieldPassword, pfe.Fields[person.FieldPassword])
		}
		return err
	}
	return nil
}

// auditEntry is the "password.reset" record: who, which credential, through which
// channel, the verification used and how many sessions ended; identifiers masked.
func auditEntry(r resetRequest, p person.Person, u unit.Unit, verification string, ended int) audit.Entry {
	t := r.target
	credential, target := "person", "person:"+strconv.FormatInt(p.ID, 10)
	if t.UnitPassword() {
		credential, target = "unit", "membership:"+strconv.FormatInt(t.MembershipID, 10)
	}
	detail := map[string]string{
		"channel":        r.channel,
		"credential":     credential,
		"id":             p.MaskedID(),
		"verification":   verification,
		"sessions_ended": strconv.Itoa(ended),
	}
	if u.ID != 0 {
		detail["uscc"] = ident.MaskUSCC(u.USCC)
	}
	return audit.Entry{PersonID: p.ID, UnitID: t.UnitID, Role: string(t.Role), Action: "password.reset",
		Target: target, Result: audit.Success, ClientIP: r.clientAddr, RequestID: r.requestID, Detail: detail}
}
