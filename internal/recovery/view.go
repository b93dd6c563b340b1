package recovery

import (
	"context"
	"errors"
	"time"

	"hall/internal/unit"
	"hall/internal/verify"
)

// View is an online recovery as the page shows it. Personal data in it is masked.
type View struct {
	FlowID    string
	Step      string
	Kind      Kind
	ExpiresAt time.Time
	USCC      string
	Person    verify.Person // the claimed person, masked
	// Session is the current verification session (StepVerify), its expected person
	// masked; a session that is gone reads as Expired.
	Session verify.Session
	// Verification is what the verify step shows: VerifyPending (the QR code),
	// VerifyPassed (move on), VerifyFailed, VerifyExpired or VerifyUsed (offer a new
	// one).
	Verification string
	// StepPassword: the unit's name and the role whose password is reset ("" for a
	// personal account), and whether it is the person's own password.
	UnitName       string
	Role           unit.Role
	PersonPassword bool
	// StepNoAccount: why there is no account.
	NoAccount string
}

// What the verify step's page shows (View.Verification).
const (
	VerifyPending = verify.PagePending
	VerifyPassed  = verify.PagePassed
	VerifyFailed  = verify.PageFailed
	VerifyExpired = verify.PageExpired
	VerifyUsed    = verify.PageUsed
)

// Verification says what a page should show for a session.
func Verification(sess verify.Session) string { return verify.PageState(sess) }

// Get returns the recovery flowID for the browser binding as the page shows it.
//
// Errors: ErrNotFound, ErrExpired, ErrCompleted; otherwise database failures.
func (s *Service) Get(ctx context.Context, flowID, binding string) (View, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return View{}, err
	}
	v := View{FlowID: f.ID, Step: f.Step, Kind: st.Claim.Kind, ExpiresAt: f.ExpiresAt, USCC: st.Claim.USCC,
		Person: st.Claim.Person().Masked()}
	switch f.Step {
	case StepVerify:
		if v.Session, err = s.d.Verify.PageSession(ctx, st.Session, f.ID); err != nil {
			return View{}, err
		}
		v.Verification = Verification(v.Session)
	case StepPassword:
		if st.Target != nil {
			v.Role, v.PersonPassword = st.Target.Role, !st.Target.UnitPassword()
			if st.Target.UnitID != 0 {
				u, err := s.d.Units.Get(ctx, st.Target.UnitID)
				if err != nil && !errors.Is(err, unit.ErrNotFound) {
					return View{}, err
				}
				v.UnitName = u.Name
			}
		}
	case StepNoAccount:
		v.NoAccount = NoAccountMessage(st.NoAccount)
	}
	return v, nil
}
