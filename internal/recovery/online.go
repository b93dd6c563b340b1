package recovery

import (
	"context"
	"errors"
	"time"

	"hall/internal/captcha"
	"hall/internal/flow"
	"hall/internal/throttle"
	"hall/internal/verify"
)

// state is the P1 flow's data: the claim as checked, the current verification
// session, and after the face step either the account to reset or why there is none.
type state struct {
	Claim     Claim   `json:"claim"`
	Session   string  `json:"session,omitempty"`
	Target    *Target `json:"target,omitempty"`
	NoAccount string  `json:"no_account,omitempty"`
}

// load reads the recovery flowID for the browser binding.
func (s *Service) load(ctx context.Context, flowID, binding string) (*flow.Flow, state, error) {
	return flow.Load[state](ctx, s.d.Flows, flowID, flow.KindRecover, binding, flowErrs)
}

// Start runs 填写账号信息 for the browser binding: it checks the fields (Check),
// counts the start against the client address (ScopeAddr) and saves the flow at
// StepCaptcha. Nothing is looked up, so the answer does not depend on whether the
// account exists.
//
// Errors: *FormError for invalid fields (MsgCounter beside the ID type for 外国人护照
// and 港澳台居民居住证); *TooManyError (ErrTooMany) when the address started too many
// recoveries, with the lock's end;
// otherwise database failures.
func (s *Service) Start(ctx context.Context, binding, clientAddr string, in Input) (*flow.Flow, error) {
	c, err := Check(in, s.d.Now())
	if err != nil {
		return nil, err
	}
	tk, err := s.d.Throttle.Begin(ctx, []throttle.Key{s.d.Throttle.AddrKey(ScopeAddr, clientAddr)})
	var locked *throttle.LockedError
	switch {
	case errors.As(err, &locked):
		return nil, &TooManyError{Until: locked.Until}
	case errors.Is(err, throttle.ErrCaptchaRequired):
		// AddrLimits lock where they would ask for the captcha; a configuration
		// that asks earlier is refused until the window ends.
		l, _ := s.d.Throttle.Limits(ScopeAddr)
		return nil, &TooManyError{Until: s.d.Now().UTC().Add(l.Window)}
	case err != nil:
		return nil, err
	}
	f, err := s.d.Flows.Create(ctx, flow.KindRecover, binding, StepCaptcha, state{Claim: c}, TTL)
	if err != nil {
		_ = tk.Cancel(context.WithoutCancel(ctx))
		return nil, err
	}
	// Every start counts (KeepOnSuccess): the outcome of a recovery is not known
	// here, and a probing script succeeds at starting as much as a person does.
	_ = tk.Succeeded(context.WithoutCancel(ctx))
	return f, nil
}

// PassCaptcha runs 拖动滑块完成拼图: it redeems the slider captcha's pass token (of
// purpose captcha.PurposeRecover, solved in this browser) and starts the face
// verification for the person claimed, bound to the flow. The flow moves to
// StepVerify.
//
// Errors: *FormError on FieldCaptcha when the token is missing, unknown, expired or
// used, and in Top (MsgVerifyUnavailable) when the provider cannot start; ErrStep
// when the flow is past the captcha; ErrNotFound, ErrExpired, ErrCompleted;
// otherwise database failures.
func (s *Service) PassCaptcha(ctx context.Context, flowID, binding, passToken string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	if f.Step != StepCaptcha {
		return ErrStep
	}
	if passToken == "" {
		return fieldError(FieldCaptcha, MsgCaptcha)
	}
	err = s.d.Captcha.Redeem(ctx, passToken, captcha.PurposeRecover, binding)
	switch {
	case errors.Is(err, captcha.ErrNotFound), errors.Is(err, captcha.ErrExpired), errors.Is(err, captcha.ErrUsed):
		return fieldError(FieldCaptcha, captcha.FormMessage(err))
	case err != nil:
		return err
	}
	if st.Session, err = s.online.Start(ctx, f.ID, st.Claim.Person()); err != nil {
		return err
	}
	return flowErr(s.d.Flows.Advance(ctx, f, StepCaptcha, StepVerify, st))
}

// Verified moves the flow on once the face verification has passed: to
// StepPassword when the claimed account exists, to StepNoAccount when it does not.
// This is the first point at which the account is looked up. The result is not
// consumed here: Finish consumes it in the transaction of the reset. A flow already
// past the verify step is not an error (the page's script and its button both ask).
//
// Errors: ErrPending while the person has not finished; ErrVerification when the
// verification failed, expired, was used, or is of another purpose or person;
// ErrStep when the flow is before the verify step; ErrNotFound, ErrExpired,
// ErrCompleted; otherwise database failures.
func (s *Service) Verified(ctx context.Context, flowID, binding string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	switch f.Step {
	case StepPassword, StepNoAccount:
		return nil
	case StepVerify:
	default:
		return ErrStep
	}
	sess, err := s.d.Verify.Status(ctx, st.Session, f.ID)
	if err != nil {
		return verifyErr(err)
	}
	switch {
	case sess.Status == verify.Pending:
		return ErrPending
	case sess.Status != verify.Passed || !sess.ConsumedAt.IsZero():
		return ErrVerification
	case sess.Purpose != verify.PurposeRecover || !sess.Expected.Same(st.Claim.Person()):
		return ErrVerification
	}
	target, reason, err := s.resolve(ctx, st.Claim)
	if err != nil {
		return err
	}
	next := StepPassword
	if reason != "" {
		next, st.NoAccount = StepNoAccount, reason
	} else {
		st.Target = &target
	}
	if err := s.d.Flows.Advance(ctx, f, StepVerify, next, st); err != nil {
		if err = flowErr(err); errors.Is(err, ErrStep) {
			// A concurrent Verified moved it on.
			if g, _, lerr := s.load(ctx, flowID, binding); lerr == nil && g.Step != StepVerify {
				return nil
			}
		}
		return err
	}
	return nil
}

// RestartVerification replaces the flow's verification with a new one (a new QR
// code), whatever became of the old one. From StepPassword (the passed result was
// not used in time) the flow goes back to StepVerify.
//
// Errors: ErrStep when the flow is not at the verify or password step; ErrNotFound,
// ErrExpired, ErrCompleted; *FormError with MsgVerifyUnavailable in Top; otherwise
// database failures.
func (s *Service) RestartVerification(ctx context.Context, flowID, binding string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	if f.Step != StepVerify && f.Step != StepPassword {
		return ErrStep
	}
	if st.Session, err = s.online.Start(ctx, f.ID, st.Claim.Person()); err != nil {
		return err
	}
	st.Target = nil
	return flowErr(s.d.Flows.Advance(ctx, f, f.Step, StepVerify, st))
}

// Wait is the long poll of the verify step's page: it waits up to maxWait for the
// flow's current session sessionID to leave pending and returns its status. A flow
// already past the verify step answers verify.Passed, so the page moves on.
//
// Errors: ErrNotFound for an unknown flow, another browser or another session;
// ErrExpired, ErrCompleted; ctx's error; otherwise database failures.
func (s *Service) Wait(ctx context.Context, flowID, binding, sessionID string, maxWait time.Duration) (verify.Status, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return "", err
	}
	return s.online.Wait(ctx, f.ID, st.Session, sessionID, f.Step == StepPassword || f.Step == StepNoAccount, maxWait)
}

// NewPassword is 设置新密码 as submitted.
type NewPassword struct {
	Password   string // 新密码
	Confirm    string // 确认密码
	ClientAddr string
	RequestID  string
}

// Result is a finished reset.
type Result struct {
	Kind          Kind
	Target        Target
	SessionsEnded int
}

// Finish runs 设置新密码: the reset (see the package comment), which also completes
// the flow.
//
// Errors: *FormError on FieldPassword / FieldConfirm; ErrStep when the flow is not at
// the password step; ErrVerification when the passed result can no longer be taken
// (too long ago: the page offers a new verification); ErrNoAccount when the account
// changed meanwhile; ErrCompleted for a second Finish; ErrNotFound, ErrExpired;
// person.ErrBusy; otherwise database or audit failures.
func (s *Service) Finish(ctx context.Context, flowID, binding string, in NewPassword) (Result, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return Result{}, err
	}
	if f.Step != StepPassword || st.Target == nil {
		return Result{}, ErrStep
	}
	n, err := s.reset(ctx, resetRequest{target: *st.Target, password: in.Password, confirm: in.Confirm,
		purpose: verify.PurposeRecover, session: st.Session, binding: f.ID, flow: f, step: StepPassword,
		channel: "online", clientAddr: in.ClientAddr, requestID: in.RequestID})
	if err != nil {
		return Result{}, err
	}
	return Result{Kind: st.Claim.Kind, Target: *st.Target, SessionsEnded: n}, nil
}
