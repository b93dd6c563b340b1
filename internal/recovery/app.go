package recovery

import (
	"context"
	"errors"

	"hall/internal/flow"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/verify"
)

// The companion app's 重置单位密码 (P2): the person is signed in to the app, so who
// they are is known; the face verification proves that the person holding the phone
// is that person before the unit password changes.

// appStep is the app flow's first step, seen only between creating the flow and
// starting its verification.
const appStep = "start"

// appState is the app flow's data: the person and the credential, and the
// verification session.
type appState struct {
	Target  Target `json:"target"`
	Session string `json:"session,omitempty"`
}

// AppUnits lists the units in which personID holds an active role (legal rep,
// administrator or agent), by unit name: the units whose password they may reset. A
// role still waiting for confirmation has no unit password yet and is left out.
// Errors: database failures.
func (s *Service) AppUnits(ctx context.Context, personID int64) ([]unit.Acting, error) {
	all, err := s.d.Units.ActingUnits(ctx, personID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if a.Membership.Status == unit.StatusActive {
			out = append(out, a)
		}
	}
	return out, nil
}

// AppStart begins a reset for personID (signed in to the app in the browser binding)
// in unit unitID: it saves a flow of kind KindAppReset and starts a face verification
// of purpose verify.PurposeAppReset for the person, bound to the flow. It returns the
// flow and the verification session's ID (the app's screen /app/v/{id}).
//
// Errors: ErrNoAccount when the person holds no active role in the unit; *FormError
// with MsgVerifyUnavailable in Top; otherwise database failures.
func (s *Service) AppStart(ctx context.Context, binding string, personID, unitID int64) (*flow.Flow, string, error) {
	p, err := s.d.Persons.Get(ctx, personID)
	if errors.Is(err, person.ErrNotFound) {
		return nil, "", ErrNoAccount
	}
	if err != nil {
		return nil, "", err
	}
	m, err := s.d.Units.Membership(ctx, unitID, personID)
	switch {
	case errors.Is(err, unit.ErrNotFound):
		return nil, "", ErrNoAccount
	case err != nil:
		return nil, "", err
	case m.Status != unit.StatusActive:
		return nil, "", ErrNoAccount
	}
	st := appState{Target: Target{PersonID: p.ID, UnitID: unitID, MembershipID: m.ID, Role: m.Role}}
	f, err := s.d.Flows.Create(ctx, KindAppReset, binding, appStep, st, AppTTL)
	if err != nil {
		return nil, "", err
	}
	if st.Session, err = s.app.Start(ctx, f.ID, identity(p)); err != nil {
		return nil, "", err
	}
	if err := s.d.Flows.Advance(ctx, f, appStep, StepVerify, st); err != nil {
		return nil, "", flowErr(err)
	}
	return f, st.Session, nil
}

// loadApp reads the app flow flowID for the browser binding and the signed-in
// person; another person's flow in the same browser is ErrNotFound.
func (s *Service) loadApp(ctx context.Context, flowID, binding string, personID int64) (*flow.Flow, appState, error) {
	f, st, err := flow.Load[appState](ctx, s.d.Flows, flowID, KindAppReset, binding, flowErrs)
	if err != nil {
		return nil, appState{}, err
	}
	if f.Step != StepVerify || st.Target.PersonID != personID {
		return nil, appState{}, ErrNotFound
	}
	return f, st, nil
}

// AppView is the app's reset as its page shows it.
type AppView struct {
	FlowID string
	Unit   unit.Unit
	Role   unit.Role
	// PersonPassword: the legal rep's unit login is the personal account's password,
	// so the reset changes that one and signs the person out everywhere.
	PersonPassword bool
	Session        verify.Session // expected person masked
	Verification   string         // as View.Verification
}

// AppGet returns the app flow flowID of personID as the page shows it.
//
// Errors: ErrNotFound, ErrExpired, ErrCompleted; otherwise database failures.
func (s *Service) AppGet(ctx context.Context, flowID, binding string, personID int64) (AppView, error) {
	f, st, err := s.loadApp(ctx, flowID, binding, personID)
	if err != nil {
		return AppView{}, err
	}
	u, err := s.d.Units.Get(ctx, st.Target.UnitID)
	if errors.Is(err, unit.ErrNotFound) {
		return AppView{}, ErrNotFound
	}
	if err != nil {
		return AppView{}, err
	}
	v := AppView{FlowID: f.ID, Unit: u, Role: st.Target.Role, PersonPassword: !st.Target.UnitPassword()}
	if v.Session, err = s.d.Verify.PageSession(ctx, st.Session, f.ID); err != nil {
		return AppView{}, err
	}
	v.Verification = Verification(v.Session)
	return v, nil
}

// AppRestart replaces the app flow's verification with a new one.
//
// Errors: as AppGet; *FormError with MsgVerifyUnavailable in Top.
func (s *Service) AppRestart(ctx context.Context, flowID, binding string, personID int64) (string, error) {
	f, st, err := s.loadApp(ctx, flowID, binding, personID)
	if err != nil {
		return "", err
	}
	p, err := s.d.Persons.Get(ctx, personID)
	if err != nil {
		return "", err
	}
	if st.Session, err = s.app.Start(ctx, f.ID, identity(p)); err != nil {
		return "", err
	}
	return st.Session, flowErr(s.d.Flows.Advance(ctx, f, StepVerify, StepVerify, st))
}

// AppFinish sets the new password after the app's face verification: the reset (see
// the package comment), which also completes the flow.
//
// Errors: *FormError on FieldPassword / FieldConfirm; ErrVerification (not passed,
// failed, expired, used, or of another purpose or person); ErrNoAccount when the role
// ended meanwhile; ErrNotFound, ErrExpired, ErrCompleted; person.ErrBusy; otherwise
// database or audit failures.
func (s *Service) AppFinish(ctx context.Context, flowID, binding string, personID int64, in NewPassword) (Result, error) {
	f, st, err := s.loadApp(ctx, flowID, binding, personID)
	if err != nil {
		return Result{}, err
	}
	n, err := s.reset(ctx, resetRequest{target: st.Target, password: in.Password, confirm: in.Confirm,
		purpose: verify.PurposeAppReset, session: st.Session, binding: f.ID, flow: f, step: StepVerify,
		channel: "app", clientAddr: in.ClientAddr, requestID: in.RequestID})
	if err != nil {
		return Result{}, err
	}
	return Result{Kind: KindUnit, Target: st.Target, SessionsEnded: n}, nil
}
