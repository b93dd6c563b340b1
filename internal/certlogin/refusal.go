package certlogin

import (
	"errors"

	"hall/internal/ca"
	"hall/internal/delegation"
)

// Refusal is a CA login that did not sign in: Code is stable (for programs, the
// audit log and the page's title), Msg the Chinese sentence the page shows.
type Refusal struct {
	Code string
	Msg  string
}

func (e *Refusal) Error() string { return "certlogin: refused: " + e.Code }

// Codes of refusals: the certificate's (ca package) and the login's own.
const (
	CodeNoCertificate = "no_certificate"
	CodeExpired       = "expired"
	CodeNotYetValid   = "not_yet_valid"
	CodeRevoked       = "revoked"
	CodeUntrusted     = "untrusted"
	CodeKeyUsage      = "key_usage"
	CodeSubject       = "subject"
	CodeUnavailable   = "revocation_unavailable"
	CodeUnknownUnit   = "unknown_unit"
	CodeNoRole        = "no_role"
	CodeRoleNotUsable = "role_not_usable"
	CodeUnitClosed    = "unit_closed"
	CodeStale         = "stale"
	msgUnitClosed     = "该单位账户已注销，不能登录。如有疑问，请拨打服务热线。"
	msgStale          = "本次证书登录已失效（超时、已使用，或不是在本浏览器中发起的）。请回到登录页面重新点击“证书登录”。"
)

// ErrStale: the start or the hand-off is unknown to this browser, expired, or used.
var ErrStale = &Refusal{Code: CodeStale, Msg: msgStale}

// refusalOf turns a refusal of the ca package (an *ca.Error, or the bare
// ca.ErrNoRole) into a Refusal with its message;
// anything else (a database failure) is returned as it is.
func refusalOf(err error) error {
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	var caErr *ca.Error
	if !errors.As(err, &caErr) && !errors.Is(err, ca.ErrNoRole) {
		return err
	}
	return &Refusal{Code: caCode(err), Msg: ca.Message(err)}
}

// caCode is the code of a ca refusal.
func caCode(err error) string {
	for _, c := range []struct {
		kind error
		code string
	}{
		{ca.ErrNoCertificate, CodeNoCertificate}, {ca.ErrExpired, CodeExpired}, {ca.ErrNotYetValid, CodeNotYetValid},
		{ca.ErrRevoked, CodeRevoked}, {ca.ErrUntrusted, CodeUntrusted}, {ca.ErrKeyUsage, CodeKeyUsage},
		{ca.ErrSubject, CodeSubject}, {ca.ErrRevocationUnavailable, CodeUnavailable},
		{ca.ErrUnknownUnit, CodeUnknownUnit}, {ca.ErrNoRole, CodeNoRole},
	} {
		if errors.Is(err, c.kind) {
			return c.code
		}
	}
	return CodeUntrusted
}

// roleRefusal is the refusal of a membership that cannot act now (pending,
// revoked, outside its validity), with delegation's message.
func roleRefusal(err error) error {
	return &Refusal{Code: CodeRoleNotUsable, Msg: delegation.Message(err)}
}
