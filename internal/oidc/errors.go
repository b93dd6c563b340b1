package oidc

import (
	"errors"
	"strings"
)

// Error is a refusal a person can act on: Code is stable and meant for programs,
// logs and the audit record; Msg is the Simplified Chinese sentence a page shows.
// Neither holds personal data. Two *Error values with the same Code match under
// errors.Is, so a refusal with a more specific message (a registry mismatch that
// names the field) still matches its sentinel.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "oidc: " + e.Code }

// Is matches any *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinel errors of Start and Callback. Each method says which it returns when.
var (
	// ErrUnknownProvider: no provider with this ID, or it does not offer this kind of
	// login (an e-business licence cannot sign a person in personally).
	ErrUnknownProvider = &Error{"provider_unknown", "不支持该登录方式，请选择其他登录方式"}
	// ErrProviderUnavailable: the provider's discovery document, token endpoint or
	// user-info endpoint could not be reached or answered nonsense.
	ErrProviderUnavailable = &Error{"provider_unavailable", "暂时无法连接统一身份认证平台，请稍后再试或使用其他方式登录"}
	// ErrBadCallback: the callback's parameters are malformed or repeated, or carry
	// neither a code nor an error.
	ErrBadCallback = &Error{"bad_callback", "登录回调参数无效，请重新登录"}
	// ErrState: the state names no login this browser started, or one that was used
	// already (a replayed or forged callback, or another browser).
	ErrState = &Error{"state_mismatch", "登录请求无效或已使用，请在发起登录的同一浏览器中重新登录"}
	// ErrStateExpired: the login was started longer ago than the flow's lifetime.
	ErrStateExpired = &Error{"state_expired", "登录已超时，请重新登录"}
	// ErrProvider is matched by every *ProviderError: the provider sent error= back.
	ErrProvider = &Error{"provider_error", "统一身份认证平台未完成登录，请重新登录"}
	// ErrToken: the code exchange was refused, or the ID token failed a check
	// (signature, algorithm, issuer, audience, expiry, at_hash, user-info subject).
	ErrToken = &Error{"token_invalid", "身份认证结果校验未通过，请重新登录"}
	// ErrNonce: the ID token's nonce is not the one this login sent (a token replayed
	// from another login).
	ErrNonce = &Error{"nonce_mismatch", "身份认证结果与本次登录请求不符，请重新登录"}
	// ErrClaims: a claim the login needs is missing or malformed (ID number, name,
	// the unit's USCC with its check character), or the account is not real-name
	// verified at the provider.
	ErrClaims = &Error{"claims_invalid", "认证平台未提供有效的身份信息，无法登录"}
	// ErrUnknownPerson is matched by *Unregistered: the asserted person has no
	// personal account in the hall.
	ErrUnknownPerson = &Error{"person_unknown", "您尚未注册本大厅个人用户，请先完成个人用户注册"}
	// ErrPersonMismatch: the hall's account with this ID number carries another name
	// than the provider asserts.
	ErrPersonMismatch = &Error{"person_mismatch", "认证平台提供的姓名与本大厅个人账户登记的姓名不一致，请通过“用户申诉”处理"}
	// ErrUnknownUnit: the unit has no account and the registry does not know it.
	ErrUnknownUnit = &Error{"unit_unknown", "该单位尚未开通网上办事账户，且未查询到其市场监管登记信息，请到人社经办窗口办理"}
	// ErrUnitNotOpened: the unit has no account and the person logging in is not the
	// registry's legal representative, who alone may open it (R5).
	ErrUnitNotOpened = &Error{"unit_not_opened", "该单位尚未开通网上办事账户，须由法定代表人首次登录开通，或到人社经办窗口办理"}
	// ErrRegistryMismatch: the provider's unit or legal representative disagrees with
	// the registry, so no account was opened.
	ErrRegistryMismatch = &Error{"registry_mismatch", "认证平台提供的单位信息与市场监管登记信息不一致，未开通单位账户，请到人社经办窗口办理"}
	// ErrRegistryUnavailable: the registry could not be asked; try later.
	ErrRegistryUnavailable = &Error{"registry_unavailable", "登记信息核验服务暂时不可用，请稍后再试"}
	// ErrUnitClosed: the unit's account is closed.
	ErrUnitClosed = &Error{"unit_closed", "单位账户已注销，不能登录"}
	// ErrNoRole: the person holds no role in the unit.
	ErrNoRole = &Error{"no_role", "您不是该单位的法定代表人、管理员或经办人，无法登录该单位"}
	// ErrRoleNotUsable: the person's role in the unit is pending, revoked, expired or
	// not yet valid; the message of the returned error says which.
	ErrRoleNotUsable = &Error{"role_not_usable", "您在该单位的授权当前不可用"}
)

// ProviderError is the error a provider sent back on the callback (error=, RFC 6749
// §4.1.2.1). errors.Is(err, ErrProvider) matches it. Code and Description are the
// provider's, checked to the RFC's character set; Description is for the log only.
type ProviderError struct {
	Code        string
	Description string
}

func (e *ProviderError) Error() string { return "oidc: provider error: " + e.Code }

// Is makes errors.Is(e, ErrProvider) true.
func (e *ProviderError) Is(target error) bool { return target == ErrProvider }

// Message is the Chinese sentence for the provider's error code.
func (e *ProviderError) Message() string {
	switch e.Code {
	case "access_denied":
		return "您已在统一身份认证平台取消授权，未登录"
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return "请先在统一身份认证平台完成登录和授权，再重新登录"
	case "temporarily_unavailable", "server_error":
		return "统一身份认证平台暂时无法处理登录，请稍后再试"
	}
	return "统一身份认证平台未完成登录（错误码 " + e.Code + "），请重新登录"
}

// Unregistered is the error when the asserted person has no personal account:
// errors.Is(err, ErrUnknownPerson) matches it. Asserted is what the provider said,
// for a registration form the page fills in (R1): the person still proves the
// mobile by SMS and sets a password there, since R1 owns those rules.
type Unregistered struct {
	Asserted Asserted
	// ForUnit is true when the person tried to log in to a unit (the message then
	// says to register personally first and log in again).
	ForUnit bool
}

func (e *Unregistered) Error() string { return "oidc: " + ErrUnknownPerson.Code }

// Is makes errors.Is(e, ErrUnknownPerson) true.
func (e *Unregistered) Is(target error) bool { return target == ErrUnknownPerson }

// Message is the Chinese sentence for the page.
func (e *Unregistered) Message() string {
	if e.ForUnit {
		return "您尚未注册本大厅个人用户。请先完成个人用户注册，再使用该方式登录单位"
	}
	return ErrUnknownPerson.Msg
}

// msgBusy is shown for failures whose details belong in the log, not on a page.
const msgBusy = "系统繁忙，请稍后再试"

// Message returns the Chinese message of err for a page: that of a
// *ProviderError, *Unregistered or *Error in err's chain, or a generic sentence
// for anything else (a database failure).
func Message(err error) string {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Message()
	}
	var ue *Unregistered
	if errors.As(err, &ue) {
		return ue.Message()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return msgBusy
}

// Code returns the stable code of err for the audit record and logs: the *Error's
// Code, "provider_error" and "person_unknown" for the typed errors, "error" for
// anything else.
func Code(err error) string {
	var pe *ProviderError
	var ue *Unregistered
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return ErrProvider.Code
	case errors.As(err, &ue):
		return ErrUnknownPerson.Code
	case errors.As(err, &e):
		return e.Code
	}
	return "error"
}

// refuse returns an *Error with base's code and a message that adds detail.
func refuse(base *Error, msg string) *Error {
	if strings.TrimSpace(msg) == "" {
		return base
	}
	return &Error{Code: base.Code, Msg: msg}
}
