// Package upgrade runs 历史单位用户升级 (SPEC R4): a unit with an account in the
// legacy hall (原网上办事大厅, password login) opens its account in the hall and gets
// an administrator, without its legal rep (无需法人参与). It is a saved flow of kind
// flow.KindUpgrade in the steps the page's stepper shows:
//
//	(none)   验证原账户    Start: the old 单位编号 and password, checked against the
//	                      imported legacy credentials (package legacy); the registry's
//	                      facts about the unit are read and the flow is created
//	confirm  确认单位信息  Confirm: the unit and its legal rep, masked, as the registry has them
//	admin    设置管理员    Nominate: name, ID number and mobile of a person already
//	                      registered, matched exactly, and the administrator's unit
//	                      password (经办密码); a verification session starts for that person
//	verify   管理员实人认证 Verified, RestartVerification, Wait: the nominee scans the QR
//	                      code with the companion app and passes; in the same
//	                      transaction the unit account is opened with the nominee as
//	                      its active administrator and the legacy account is marked
//	                      upgraded
//	done     完成升级      Receipt
//
// Why the flow is shaped like this:
//
//   - The whole flow has TTL (10 minutes, seed: "请您在10分钟内完成注册") from the moment
//     the old password was verified; the flow store refuses it afterwards (ErrExpired),
//     whatever the page's countdown shows.
//   - The old password is a login: the web layer throttles it per legacy account (the
//     normalised number, so spellings share a counter), admits it like the unit login,
//     and legacy.Store.Check answers an unknown number exactly like a wrong password.
//     Whether the account was upgraded already, or the unit has an online account, is
//     said only after the right password.
//   - The nomination answers one message (MsgAdminMismatch, the seed's) whether the
//     person is not registered or any of the three fields differs, and a flow allows
//     MaxNominationFailures such answers, so it cannot be used to probe who is
//     registered.
//   - The nominee proves being that person in the companion app (verify.PurposeUpgrade,
//     bound to the flow, consumed once in the transaction that opens the account).
//   - A unit that already has an online account is refused (MsgUnitTaken): its
//     administrator is changed in 经办人管理 by the legal rep, or at the counter.
//   - The nominee must not be the unit's legal rep (MsgLegalRep): a legal rep opens the
//     unit through 法定代表人注册 (R2). When the registry's legal rep has a personal
//     account, it becomes the unit's legal rep as the registry says; otherwise the unit
//     has none until the legal rep registers (as after a change of legal rep).
//
// # Errors
//
// Methods return *FormError for refused input; ErrBadCredentials for a wrong old
// account or password; ErrNotFound, ErrExpired, ErrCompleted and ErrStep for the state
// of the flow; ErrPending and ErrVerification for the verification step; person.ErrBusy
// when password hashing is saturated; otherwise failures of the database, the audit
// log or the verification provider.
package upgrade

import (
	"context"
	"errors"
	"time"

	"hall/internal/audit"
	"hall/internal/delegation"
	"hall/internal/flow"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/throttle"
	"hall/internal/unit"
	"hall/internal/verify"
	"hall/internal/verifystep"
)

// Steps of the flow (flow.Flow.Step).
const (
	StepConfirm = "confirm"
	StepAdmin   = "admin"
	StepVerify  = "verify"
)

// KindReceipt is the kind of the small flow that carries a finished upgrade to the
// 完成升级 page.
const KindReceipt = "upgrade.done"

// Limits.
const (
	// TTL is the time from a verified old password to the end (seed: 10 minutes).
	TTL = 10 * time.Minute
	// ReceiptTTL is how long the 完成升级 page can be shown again.
	ReceiptTTL = 30 * time.Minute
	// MaxNominationFailures bounds refused nominations in one flow.
	MaxNominationFailures = 5
)

// Messages shown to people.
const (
	MsgExpired             = "升级已超时（须在10分钟内完成），请重新验证原账户"
	MsgAdminMismatch       = "请确认输入的经办人信息是否已实名注册且与注册信息一致"
	MsgTooManyNominations  = "管理员信息核验未通过次数过多，请重新开始升级"
	MsgUpgraded            = "该历史账户已完成升级，不能重复升级。请使用统一社会信用代码或单位编号登录"
	MsgUnitTaken           = "该单位已开通网上办事账户，无需升级。如需设置或更换管理员，请由法定代表人登录后在“经办人管理”中办理，或到人社经办窗口办理"
	MsgRegistryNotFound    = "未查询到该单位的登记信息，无法在线升级，请到人社经办窗口办理"
	MsgRegistryUnavailable = "登记信息核验服务暂时不可用，请稍后再试"
	MsgRegistryInactive    = "该单位登记状态异常（注销或吊销），不能升级"
	MsgLegalRep            = "法定代表人请使用“单位注册”开通单位账户，历史单位用户升级用于设置单位管理员"
	MsgVerifyUnavailable   = verifystep.MsgUnavailable
)

// Sentinel errors; each method says which it returns and when.
var (
	ErrBadCredentials = errors.New("upgrade: wrong legacy account or password")
	ErrNotFound       = errors.New("upgrade: not found")
	ErrExpired        = errors.New("upgrade: expired")
	ErrCompleted      = errors.New("upgrade: already completed")
	ErrStep           = errors.New("upgrade: at another step")
	ErrPending        = errors.New("upgrade: verification still pending")
	ErrVerification   = errors.New("upgrade: verification failed or expired")
	// ErrNoticeDelayed (Result.NoticeErr, with the gateway's error): the gateway
	// did not take the administrator's notice at once; it stays queued and is
	// retried.
	ErrNoticeDelayed = errors.New("upgrade: administrator notice not sent yet, retried later")
)

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "upgrade" }

// FormError is refused input: a Chinese message per field or for the whole form.
type FormError = formerr.Error[source]

// Texts queues a text message in the transaction that makes it due and delivers it
// after commit, retrying what the gateway did not take (delegation.Service: the
// upgrade makes a delegation, the unit's administrator).
type Texts interface {
	QueueText(ctx context.Context, tx *store.Tx, personID int64, purpose, text string) (int64, error)
	DeliverText(ctx context.Context, id int64) (delegation.Delivery, error)
}

// Deps are the services an upgrade needs. All are required but Texts (no notice then).
type Deps struct {
	DB       *store.DB
	Flows    *flow.Store
	Legacy   *legacy.Store
	Registry registry.Registry
	Verify   *verify.Service
	Persons  *person.Service
	Units    *unit.Service
	Hasher   *person.Hasher
	Policy   ident.PasswordPolicy
	Throttle *throttle.Throttle // ScopeNomination must be configured
	Audit    *audit.Log
	Texts    Texts
	Sign     string
	Now      func() time.Time
}

// Service runs upgrades; it keeps no state of its own.
type Service struct {
	d Deps
	// verification is the verify step: the nominee's sessions.
	verification verifystep.Step[source]
}

// New returns a Service on d. A nil d.Now means time.Now.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d, verification: verifystep.Step[source]{Verify: d.Verify,
		Purpose: verify.PurposeUpgrade, NotFound: ErrNotFound}}
}

// state is the flow's data.
type state struct {
	LegacyID     int64  `json:"legacy_id"`
	LegacyNumber string `json:"legacy_number"`
	registry.Facts
	// The nominated administrator (from the admin step on).
	AdminID      int64        `json:"admin_id,omitempty"`
	AdminIDType  ident.IDType `json:"admin_id_type,omitempty"`
	AdminNumber  string       `json:"admin_id_number,omitempty"`
	AdminName    string       `json:"admin_name,omitempty"`
	PasswordHash string       `json:"password_hash,omitempty"` // argon2id of the unit password
	Session      string       `json:"session,omitempty"`
	Failures     int          `json:"failures,omitempty"`
}

func (st state) admin() verify.Person {
	return verify.Person{IDType: st.AdminIDType, IDNumber: st.AdminNumber, Name: st.AdminName}
}

func (s *Service) load(ctx context.Context, flowID, binding string) (*flow.Flow, state, error) {
	return flow.Load[state](ctx, s.d.Flows, flowID, flow.KindUpgrade, binding, flowErrs)
}

var flowErrs = flow.Errors{NotFound: ErrNotFound, Expired: ErrExpired, Completed: ErrCompleted, Step: ErrStep}

func flowErr(err error) error { return flowErrs.Map(err) }
