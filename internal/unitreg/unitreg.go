// Package unitreg runs the online self-registration of a unit by its legal
// representative (SPEC R2, 法定代表人注册) as a saved flow of kind
// flow.KindUnitRegister, in four steps as the page's stepper shows them:
//
//	unit     填写单位信息  Start: the unit and its legal rep as typed, checked field by
//	                      field (nothing is looked up yet)
//	verify   法定代表人认证 Verified, RestartVerification, Wait: a real-person
//	                      verification session for the typed legal rep, which the
//	                      legal rep completes in the companion app; once it passed,
//	                      the claim is compared with the market-regulator registry
//	                      and the unit must not have an account yet
//	account  填写账户信息  SendCode, Finish: the personal account (mobile, SMS code,
//	                      password), or — when the legal rep already has one — that
//	                      account's password and a code sent to its mobile
//	done     完成注册      Receipt: the unit account and its unit number
//
// Why the flow is shaped like this:
//
//   - The flow is saved in the database (flow.Store) and bound to the browser that
//     started it, so any server process can continue it and a leaked flow ID is
//     useless elsewhere. It lives TTL (30 minutes); after that the person starts
//     again at step 1 (ErrExpired, MsgExpired).
//   - Steps move by compare-and-set: the account step refuses a flow still at verify
//     (ErrStep), and the last step completes the flow in the same transaction that
//     creates the accounts, so a replayed form is refused (ErrCompleted).
//   - The verification session is bound to the flow ID: it belongs to this flow only,
//     and its passed result is consumed once (verify.Service.Consume) before the flow
//     moves on. The identity verified is the typed legal rep's; the registry is
//     compared only after it passed, so step 1 answers every well-formed form
//     alike and cannot be used to test whether an ID number is a unit's legal
//     rep's (the recovery flow's model: nothing is looked up before the typed
//     identity passed face verification).
//   - SMS codes use the purpose PurposeSMS and the flow ID as binding. The account
//     step verifies the code without spending it, hashes the password, and spends
//     it in the transaction that opens the accounts: a busy hasher, a failed
//     insert or a crash in between leaves the code usable.
//
// # Errors
//
// Methods return *FormError for refused input (a Chinese message per field, or a
// whole-form message in Top); ErrNotFound, ErrExpired, ErrCompleted and ErrStep for
// the state of the flow; ErrPending and ErrVerification for the verification step;
// person.ErrBusy when password hashing is saturated (answer 503); otherwise failures
// of the database, the audit log or the verification provider.
package unitreg

import (
	"context"
	"errors"
	"time"

	"hall/internal/audit"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/verify"
	"hall/internal/verifystep"
)

// Steps of the flow (flow.Flow.Step). StepUnit is only seen between creating the
// flow and starting its verification session.
const (
	StepUnit    = "unit"
	StepVerify  = "verify"
	StepAccount = "account"
)

// KindReceipt is the kind of the small flow that carries a finished registration's
// result to the 完成注册 page: the registration flow itself is completed (and so
// unreadable) by then.
const KindReceipt = "unit-register.done"

// PurposeSMS is the SMS code purpose of the account step.
const PurposeSMS = "unit-register"

// Time limits.
const (
	// TTL is how long a registration may take from step 1 to the end.
	TTL = 30 * time.Minute
	// ReceiptTTL is how long the 完成注册 page can be shown again.
	ReceiptTTL = 30 * time.Minute
	// MaxPasswordFailures bounds wrong personal-account passwords in one flow (the
	// existing-account variant of the account step); then the flow is dead.
	MaxPasswordFailures = 5
)

// Messages shown to people.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	MsgExpired             = "注册已超时，请重新填写"
	MsgPassport            = "外国人护照暂不支持线上注册，请携带营业执照、身份证明和授权委托书到人社经办窗口办理"
	MsgRegistryNotFound    = "未查询到该单位的登记信息，请核对统一社会信用代码"
	MsgRegistryUnavailable = "登记信息核验服务暂时不可用，请稍后再试"
	MsgUnitTaken           = "该单位已开通网上办事账户，请直接登录；忘记密码可使用找回密码"
	MsgVerifyUnavailable   = verifystep.MsgUnavailable
	MsgWrongPassword       = "个人账户密码错误"
	MsgTooManyPasswords    = "密码错误次数过多，请重新开始注册"
	MsgIDTakenRace         = "法定代表人的个人账户已存在，请刷新页面后使用个人账户密码完成注册"
)

// Sentinel errors; each method says which it returns and when.
var (
	// ErrNotFound: no such registration, or it belongs to another browser.
	ErrNotFound = errors.New("unitreg: registration not found")
	// ErrExpired: the registration's time is up; start again at step 1 (MsgExpired).
	ErrExpired = errors.New("unitreg: registration expired")
	// ErrCompleted: the registration was finished already (a replayed form).
	ErrCompleted = errors.New("unitreg: registration already completed")
	// ErrStep: the registration is not at the step the request is for (a skipped
	// step, or a form from an earlier step); show its current step.
	ErrStep = errors.New("unitreg: registration is at another step")
	// ErrPending: the legal rep has not finished the verification yet.
	ErrPending = errors.New("unitreg: verification still pending")
	// ErrVerification: the verification failed, expired or was used up; the page
	// offers a new one (RestartVerification).
	ErrVerification = errors.New("unitreg: verification failed or expired")
)

// Deps are the services a registration needs. All are required.
type Deps struct {
	DB       *store.DB
	Flows    *flow.Store
	Registry registry.Registry
	Verify   *verify.Service
	Persons  *person.Service
	Units    *unit.Service
	Codes    *sms.Codes
	Hasher   *person.Hasher
	Policy   ident.PasswordPolicy
	Audit    *audit.Log
	Now      func() time.Time
}

// Service runs unit registrations. It keeps no state of its own (everything is in
// the database), so it is cheap to build and safe for concurrent use.
type Service struct {
	d Deps
	// verification is the verify step: the typed legal rep's sessions.
	verification verifystep.Step[source]
}

// New returns a Service on d. A nil d.Now means time.Now.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d, verification: verifystep.Step[source]{Verify: d.Verify,
		Purpose: verify.PurposeUnitRegister, NotFound: ErrNotFound}}
}

// state is the flow's data: the unit and its legal rep as typed, and from the
// account step on what the registry says about them (the authoritative facts, once
// they matched what was typed); the current verification session, whether
// the typed legal rep has passed it (Verified), and the count of wrong account
// passwords.
type state struct {
	registry.Facts
	Session          string `json:"session,omitempty"`
	Verified         bool   `json:"verified,omitempty"`
	PasswordFailures int    `json:"password_failures,omitempty"`
}

func (st state) legalRep() verify.Person {
	return verify.Person{IDType: st.LegalRepIDType, IDNumber: st.LegalRepIDNumber, Name: st.LegalRepName}
}

// load reads the registration flowID for the browser binding.
func (s *Service) load(ctx context.Context, flowID, binding string) (*flow.Flow, state, error) {
	f, st, err := flow.Load[state](ctx, s.d.Flows, flowID, flow.KindUnitRegister, binding, flowErrs)
	if err != nil {
		return nil, state{}, err
	}
	if f.Step == StepUnit {
		// Start failed before the verification session existed: the flow is a dead
		// end, and the person has already been told to try again.
		return nil, state{}, ErrNotFound
	}
	return f, st, nil
}

// flowErrs are this package's errors for the flow store's.
var flowErrs = flow.Errors{NotFound: ErrNotFound, Expired: ErrExpired, Completed: ErrCompleted, Step: ErrStep}

// flowErr maps the flow store's errors to this package's.
func flowErr(err error) error { return flowErrs.Map(err) }
