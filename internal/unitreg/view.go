package unitreg

import (
	"context"
	"errors"
	"time"

	"hall/internal/person"
	"hall/internal/verify"
)

// View is a registration as the page shows it. Personal data in it is masked.
type View struct {
	FlowID    string
	Step      string // StepVerify or StepAccount
	ExpiresAt time.Time
	USCC      string
	UnitName  string
	UnitType  string
	LegalRep  verify.Person // masked
	// Session is the current verification session (at StepVerify), with the
	// expected person masked. A session that is gone reads as Expired.
	Session verify.Session
	// Verification is what the verify step's page shows: VerifyPending (the QR
	// code), VerifyPassed (move on), or VerifyFailed, VerifyExpired and VerifyUsed
	// (offer a new session).
	Verification string
	// HasAccount says that the legal rep already has a personal account (at
	// StepAccount); AccountMobile is its mobile, masked, where the code goes.
	HasAccount    bool
	AccountMobile string
}

// Get returns the registration flowID for the browser binding as the page shows it.
//
// Errors: ErrNotFound, ErrExpired, ErrCompleted; otherwise database failures.
func (s *Service) Get(ctx context.Context, flowID, binding string) (View, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return View{}, err
	}
	v := View{FlowID: f.ID, Step: f.Step, ExpiresAt: f.ExpiresAt, USCC: st.USCC, UnitName: st.UnitName,
		UnitType: st.UnitType, LegalRep: st.legalRep().Masked()}
	switch f.Step {
	case StepVerify:
		sess, err := s.d.Verify.PageSession(ctx, st.Session, f.ID)
		if err != nil {
			return View{}, err
		}
		v.Session = sess
		v.Verification = verify.PageState(sess)
		if st.Verified {
			// Passed and consumed; the registry comparison is what is left
			// (Verified again, after a registry outage).
			v.Verification = VerifyPassed
		}
	case StepAccount:
		p, err := s.d.Persons.ByIdentity(ctx, st.LegalRepIDType, st.LegalRepIDNumber)
		switch {
		case err == nil:
			v.HasAccount, v.AccountMobile = true, p.MaskedMobile()
		case !errors.Is(err, person.ErrNotFound):
			return View{}, err
		}
	}
	return v, nil
}

// What the verify step's page shows (View.Verification).
const (
	VerifyPending = verify.PagePending
	VerifyPassed  = verify.PagePassed
	VerifyFailed  = verify.PageFailed
	VerifyExpired = verify.PageExpired
	VerifyUsed    = verify.PageUsed
)
