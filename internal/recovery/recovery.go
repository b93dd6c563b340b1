// Package recovery resets forgotten passwords (SPEC §5, 找回密码): online recovery in
// the web hall (P1) for unit users and for personal accounts, and the unit password
// reset in the companion app (P2). The counter (P3) is the back office's.
//
// # P1: online recovery, a saved flow of kind flow.KindRecover
//
//	captcha   填写账号信息 → 拖动滑块完成拼图  Start checks the account data as typed
//	                                     (formats only) and saves the flow; PassCaptcha
//	                                     redeems the slider captcha's pass token and
//	                                     starts a face verification for the person typed
//	verify    人脸识别验证                  Verified, Wait, RestartVerification: the person
//	                                     completes the verification in the companion app
//	password  设置新密码                    Finish: new password and confirmation; the
//	                                     reset (below) completes the flow
//	noaccount                           the face verification passed but there is no
//	                                     such account: the page says so and points to
//	                                     registration and the counter
//	(done)    完成修改
//
// The answer is the same whether or not the account exists until the face
// verification proves that the person in front of the phone is the person typed:
// Start and PassCaptcha check formats only, and the verification is started for the
// identity typed, never for a stored one. Only Verified, after a passed result, looks
// the account up. Starts are counted per client address (ScopeAddr), because the
// captcha alone does not stop a patient script from starting flows.
//
// Unit recovery takes the USCC, ID type, ID number and name of the person who logs in
// for the unit; personal recovery the ID type, ID number and name. 外国人护照 and
// 港澳台居民居住证 are refused online with a pointer to the counter (seed 操作说明 3).
//
// # P2: the companion app's 重置单位密码
//
// A person signed in to the app picks a unit they act for (AppUnits), passes a face
// verification for themselves in the app (AppStart, a small flow of kind KindAppReset
// bound to the app's browser, holding the unit and the verification), and sets the new
// password (AppFinish).
//
// # The reset, one transaction for both
//
// What a reset changes depends on the credential (see auth.Login): a personal account
// and a unit's legal rep log in with the person's own password; an administrator or
// agent with the unit password of their membership. The reset, in ONE transaction,
// consumes the face verification (verify.Service.Consume with the flow's binding) and
// checks its purpose and person, re-reads the membership, writes the password, ends
// every session of that credential (all the person's sessions for a person password,
// only that unit's sessions for a unit password), completes the flow and appends the
// audit record "password.reset". A refused password rolls all of it back, so the
// verification is not spent.
//
// # Errors
//
// Methods return *FormError for refused input (a Chinese message per field or for the
// whole form); ErrNotFound, ErrExpired, ErrCompleted and ErrStep for the state of the
// flow; ErrPending and ErrVerification for the face verification; ErrNoAccount when
// the account to reset does not (or no longer) exist; person.ErrBusy when password
// hashing is saturated; otherwise failures of the database, the audit log or the
// verification provider.
package recovery

import (
	"context"
	"errors"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/captcha"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/throttle"
	"hall/internal/unit"
	"hall/internal/verify"
	"hall/internal/verifystep"
)

// Kind is whose password is recovered.
type Kind string

const (
	KindUnit   Kind = "unit"   // 单位用户: the person's login for a unit
	KindPerson Kind = "person" // 个人用户: the personal account
)

// Steps of the P1 flow (flow.Flow.Step).
const (
	StepCaptcha   = "captcha"
	StepVerify    = "verify"
	StepPassword  = "password"
	StepNoAccount = "noaccount"
)

// KindAppReset is the flow kind of the app's 重置单位密码 (P2); its one step is
// StepVerify, and AppFinish completes it.
const KindAppReset = "app-reset"

// Time limits.
const (
	// TTL is how long an online recovery may take from 填写账号信息 to the end.
	TTL = 30 * time.Minute
	// AppTTL is how long the app's reset may take.
	AppTTL = 15 * time.Minute
)

// ScopeAddr counts recovery starts per client address. AddrLimits are its limits,
// which services adds to the throttle's configuration: every start counts, whatever
// happens next, and the eleventh within an hour is refused for an hour. People
// behind one office NAT recover a password rarely; a script probing identities needs
// many starts.
const ScopeAddr throttle.Scope = "recover-addr"

// AddrLimits are ScopeAddr's limits (CaptchaAfter equals LockAfter: the flow has its
// own captcha step, so the throttle never asks for one).
var AddrLimits = throttle.Limits{CaptchaAfter: 10, LockAfter: 10, LockFor: time.Hour, Window: time.Hour,
	OnSuccess: throttle.KeepOnSuccess}

// Messages shown to people.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	// MsgCounter is the seed's 操作说明 3, beside the ID type.
	MsgCounter             = "线上暂不支持证件类型为“外国人护照”和“港澳台居民居住证”的找回密码，请携带有效证件到人社经办窗口办理"
	MsgExpired             = "找回密码已超时，请重新填写账号信息"
	MsgTooMany             = "找回密码操作过于频繁，请稍后再试"
	MsgVerifyUnavailable   = verifystep.MsgUnavailable
	MsgCaptcha             = "请先拖动滑块完成拼图验证"
	MsgNoPerson            = "未查询到与该身份信息对应的个人账户。如尚未注册，请进行个人用户注册；如有疑问，请携带有效证件到人社经办窗口办理。"
	MsgNoUnitAccount       = "未查询到您在该单位的网上办事账户：该单位可能尚未开通账户，或您不是该单位的法定代表人、管理员或经办人。单位尚未开通账户的，可由法定代表人注册；其他情况请到人社经办窗口办理。"
	MsgPendingRole         = "您在该单位的管理员或经办人授权尚未确认。请在掌上APP“我的 → 企业服务 → 我是经办人”中确认授权并设置经办密码。"
	MsgPasswordMissing     = "请输入新密码"
	MsgConfirmMissing      = "请再次输入新密码"
	MsgConfirmMismatch     = "两次输入的密码不一致"
	msgPasswordRefusedMisc = "密码不符合要求"
)

// Sentinel errors; each method says which it returns and when.
var (
	// ErrNotFound: no such flow, or it belongs to another browser or person.
	ErrNotFound = errors.New("recovery: not found")
	// ErrExpired: the flow's time is up; start again (MsgExpired).
	ErrExpired = errors.New("recovery: expired")
	// ErrCompleted: the password was reset already with this flow.
	ErrCompleted = errors.New("recovery: already completed")
	// ErrStep: the flow is at another step; show its current one.
	ErrStep = errors.New("recovery: flow is at another step")
	// ErrPending: the person has not finished the face verification yet.
	ErrPending = errors.New("recovery: verification still pending")
	// ErrVerification: the verification failed, expired, was used up, or is of
	// another purpose or person; a new one is needed.
	ErrVerification = errors.New("recovery: verification failed or expired")
	// ErrNoAccount: there is no account to reset (or it changed meanwhile).
	ErrNoAccount = errors.New("recovery: no such account")
	// ErrTooMany: the client address started too many recoveries (MsgTooMany).
	// Start returns it as a *TooManyError, which says when the address may start
	// again.
	ErrTooMany = errors.New("recovery: too many attempts from this address")
)

// TooManyError is Start's refusal of an address that started too many recoveries:
// Until is when the address's lock ends (UTC), for the answer's Retry-After. It
// matches ErrTooMany.
type TooManyError struct {
	Until time.Time
}

func (e *TooManyError) Error() string {
	return ErrTooMany.Error() + " until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes a TooManyError match ErrTooMany.
func (e *TooManyError) Is(target error) bool { return target == ErrTooMany }

// SessionEnder ends sessions inside a transaction (implemented by *auth.Sessions):
// those of one unit password (EndAllTx with the unit), or those the personal
// password answers for (EndPersonalTx: not the person's institution sessions).
type SessionEnder interface {
	EndAllTx(ctx context.Context, tx *store.Tx, personID int64, unitID *int64) (int, error)
	EndPersonalTx(ctx context.Context, tx *store.Tx, personID int64) (int, error)
}

var (
	_ SessionEnder    = (*auth.Sessions)(nil)
	_ captcha.Service = (*captcha.Puzzles)(nil)
)

// Deps are the services recovery needs. All are required.
type Deps struct {
	DB       *store.DB
	Flows    *flow.Store
	Verify   *verify.Service
	Captcha  captcha.Service
	Throttle *throttle.Throttle
	Persons  *person.Service
	Units    *unit.Service
	Sessions SessionEnder
	Hasher   *person.Hasher
	Policy   ident.PasswordPolicy
	Audit    *audit.Log
	Now      func() time.Time
}

// Service runs recoveries and resets. It keeps no state of its own, so it is cheap
// to build per request and safe for concurrent use.
type Service struct {
	d Deps
	// online and app are the face steps of P1 (the person typed) and of P2 (the
	// person signed in to the app): the same step for two purposes.
	online, app verifystep.Step[source]
}

// New returns a Service on d. A nil d.Now means time.Now.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d,
		online: verifystep.Step[source]{Verify: d.Verify, Purpose: verify.PurposeRecover, NotFound: ErrNotFound},
		app:    verifystep.Step[source]{Verify: d.Verify, Purpose: verify.PurposeAppReset, NotFound: ErrNotFound}}
}

// flowErrs are this package's errors for the flow store's.
var flowErrs = flow.Errors{NotFound: ErrNotFound, Expired: ErrExpired, Completed: ErrCompleted, Step: ErrStep}

// flowErr maps the flow store's errors to this package's.
func flowErr(err error) error { return flowErrs.Map(err) }

// verifyErr maps a refused Consume or Status to this package's errors.
func verifyErr(err error) error {
	switch {
	case errors.Is(err, verify.ErrPending):
		return ErrPending
	case errors.Is(err, verify.ErrFailed), errors.Is(err, verify.ErrExpired), errors.Is(err, verify.ErrUsed),
		errors.Is(err, verify.ErrNotFound):
		return ErrVerification
	}
	return err
}
