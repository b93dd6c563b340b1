package unitreg

import (
	"context"
	"errors"
	"time"

	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/verify"
)

// Verified moves the registration flowID (for the browser binding) from the verify
// step to the account step once its verification session has passed and the claim
// of step 1 matches the registry. The passed result is consumed first, so it serves
// one flow step only, in the transaction that records in the flow that the typed
// legal rep passed (so a registry outage does not cost another verification, and a
// failed write or a crash does not lose a passed verification); then the registry is
// compared (only now: see Start) and the flow advances by compare-and-set. A flow already at the account step (the page's script and its
// button both asked) is not an error.
//
// Errors: ErrPending while the legal rep has not finished; ErrVerification when the
// session failed, expired, was used up or verified someone else (the page offers
// RestartVerification); a *FormError once verified: a unit the registry does not
// know (MsgRegistryNotFound beside the USCC), a registry that cannot answer
// (MsgRegistryUnavailable in Top: try again), a mismatch with the registry (its
// message beside the field concerned; an abnormal registry status in Top) and a
// unit that already has an account (MsgUnitTaken beside the USCC); ErrStep when
// the flow is past or before the verify step; ErrNotFound, ErrExpired,
// ErrCompleted; otherwise database failures.
func (s *Service) Verified(ctx context.Context, flowID, binding string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	switch f.Step {
	case StepAccount:
		return nil
	case StepVerify:
	default:
		return ErrStep
	}
	if !st.Verified {
		var mismatch bool
		err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
			sess, err := s.d.Verify.Consume(ctx, tx, st.Session, f.ID)
			if err != nil {
				return err
			}
			if sess.Purpose != verify.PurposeUnitRegister || !sess.Expected.Same(st.legalRep()) {
				// Spent all the same: it can never move this flow on.
				mismatch = true
				return nil
			}
			next := st
			next.Verified = true
			return s.d.Flows.AdvanceTx(ctx, tx, f, StepVerify, StepVerify, next)
		})
		switch {
		case errors.Is(err, verify.ErrPending):
			return ErrPending
		case errors.Is(err, verify.ErrUsed):
			// A concurrent Verified consumed it: fine if that one moved the flow on.
			return s.atAccount(ctx, flowID, binding)
		case errors.Is(err, verify.ErrFailed), errors.Is(err, verify.ErrExpired), errors.Is(err, verify.ErrNotFound):
			return ErrVerification
		case err != nil:
			if err = flowErr(err); errors.Is(err, ErrStep) {
				return s.atAccount(ctx, flowID, binding)
			}
			return err
		case mismatch:
			return ErrVerification
		}
		st.Verified = true
	}
	st, err = s.compare(ctx, st)
	if err != nil {
		return err
	}
	if err := s.d.Flows.Advance(ctx, f, StepVerify, StepAccount, st); err != nil {
		if err = flowErr(err); errors.Is(err, ErrStep) {
			return s.atAccount(ctx, flowID, binding)
		}
		return err
	}
	return nil
}

// atAccount returns nil when the flow is at the account step now, else ErrVerification
// (the session was used, but not to move this flow on).
func (s *Service) atAccount(ctx context.Context, flowID, binding string) error {
	f, _, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	if f.Step == StepAccount {
		return nil
	}
	return ErrVerification
}

// RestartVerification replaces the flow's verification session with a new one (a new
// QR code), whatever became of the old one: it failed, expired, was used up, or the
// person simply wants a fresh code. The old session can no longer move the flow on.
//
// Errors: ErrStep when the flow is not at the verify step; ErrNotFound, ErrExpired,
// ErrCompleted; *FormError with MsgVerifyUnavailable in Top when the provider cannot
// start a session; otherwise database failures.
func (s *Service) RestartVerification(ctx context.Context, flowID, binding string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	if f.Step != StepVerify {
		return ErrStep
	}
	if st.Verified {
		// The typed legal rep has passed already: a new session would prove
		// nothing more (the page offers 继续 instead).
		return nil
	}
	if st.Session, err = s.verification.Start(ctx, f.ID, st.legalRep()); err != nil {
		return err
	}
	return flowErr(s.d.Flows.Advance(ctx, f, StepVerify, StepVerify, st))
}

// Wait is the long poll of the verify step's page: it waits up to maxWait (capped by
// the verification service) for the session sessionID of the registration flowID to
// leave pending, and returns its status. The browser must own the flow (binding),
// and the session must be the flow's current one. A flow already at the account
// step answers verify.Passed, so the page moves on.
//
// Errors: ErrNotFound for an unknown flow, another browser or another session;
// ErrExpired, ErrCompleted; ctx's error when the request goes away; otherwise
// database failures.
func (s *Service) Wait(ctx context.Context, flowID, binding, sessionID string, maxWait time.Duration) (verify.Status, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return "", err
	}
	// Passed and consumed (Verified), the legal rep's part is done even while the
	// registry comparison is left: the page moves on to its 继续.
	return s.verification.Wait(ctx, f.ID, st.Session, sessionID, f.Step == StepAccount || st.Verified, maxWait)
}

// VerifiesWithoutAccount reports whether the verification session sess is a unit
// registration's whose legal rep has no personal account yet. Such a legal rep has
// nothing to sign in to the companion app with, so the app's verification screen
// must not ask for a sign-in: the face check itself identifies the person (the
// provider compares the face with the expected ID's photo; the development screen
// stands in for it). Everyone else signs in first, as before, so a person who has
// an account verifies as that account.
//
// Errors: database failures only.
func (s *Service) VerifiesWithoutAccount(ctx context.Context, sess verify.Session) (bool, error) {
	if sess.Purpose != verify.PurposeUnitRegister {
		return false, nil
	}
	_, err := s.d.Persons.ByIdentity(ctx, sess.Expected.IDType, sess.Expected.IDNumber)
	switch {
	case errors.Is(err, person.ErrNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	return false, nil
}
