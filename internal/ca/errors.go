package ca

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
)

// Refusals of a client certificate. Verify returns them wrapped in an *Error that
// carries the Chinese message for the page (Message) and, for the log, the
// certificate at fault and the underlying cause; errors.Is matches the sentinel.
var (
	// ErrNoCertificate: the browser sent no certificate (none installed, none
	// chosen, or the UKey is not inserted).
	ErrNoCertificate = errors.New("ca: no client certificate")
	// ErrExpired: the certificate, or a CA certificate in its chain, is past its
	// notAfter.
	ErrExpired = errors.New("ca: certificate expired")
	// ErrNotYetValid: the certificate is before its notBefore.
	ErrNotYetValid = errors.New("ca: certificate not yet valid")
	// ErrRevoked: the certificate, or a CA certificate in its chain, is on its
	// issuer's CRL.
	ErrRevoked = errors.New("ca: certificate revoked")
	// ErrUntrusted: no chain leads from the certificate to a CA of the configured
	// bundle (unknown CA, bad signature, a CA not allowed to issue it).
	ErrUntrusted = errors.New("ca: certificate not issued by a trusted CA")
	// ErrKeyUsage: the certificate is not made for logging in: its key usage lacks
	// digitalSignature, its extended key usage lacks clientAuth, or it is a CA
	// certificate.
	ErrKeyUsage = errors.New("ca: certificate key usage does not allow login")
	// ErrSubject: the subject holds no valid USCC (missing, bad check character, or
	// two different ones), or names a person with an invalid ID number.
	ErrSubject = errors.New("ca: no valid unit identity in the certificate subject")
	// ErrRevocationUnavailable: the revocation status cannot be checked: no CRL of
	// the issuer has been loaded, it is past nextUpdate plus the grace period, or
	// its signature does not verify. Login fails closed.
	ErrRevocationUnavailable = errors.New("ca: revocation status unavailable")

	// ErrUnknownUnit is not returned by Verify: the login step returns it (through
	// UnknownUnitError) when the certificate is valid but its USCC names no unit of
	// the hall.
	ErrUnknownUnit = errors.New("ca: the certificate's unit is not registered")
	// ErrNoRole is not returned by Verify: the login step returns it when the
	// certificate names a person who holds no usable role (legal rep, admin, or an
	// agent with a usable grant) in the certificate's unit.
	ErrNoRole = errors.New("ca: the certificate's person has no role in the unit")
)

// Error is a refusal of a certificate: Kind is one of the sentinels above, Msg the
// message for the page. Cert is the certificate at fault (the presented one or a CA
// certificate of its chain), nil when there is none; Cause is the underlying error
// for the log (an x509 or CRL error), nil when there is none. Neither Msg nor
// Error() contains an identifier in full.
type Error struct {
	Kind  error
	Msg   string
	Cert  *x509.Certificate
	Cause error
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Cert != nil {
		s += fmt.Sprintf(" (serial %s, issuer %q)", SerialHex(e.Cert), e.Cert.Issuer.CommonName)
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap gives the sentinel and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Messages for the refusals whose text does not depend on the certificate.
const (
	msgNoCertificate = "未收到数字证书。请插入单位数字证书（UKey），在浏览器弹出的窗口中选择证书后重试；如果没有弹出选择窗口，请关闭全部浏览器窗口后重新打开本页面。"
	msgUntrusted     = "您的数字证书不是由本大厅认可的电子认证服务机构签发的，不能用于登录。请使用认可机构签发的单位数字证书，或改用其他登录方式。"
	msgKeyUsage      = "该证书不能用于登录（证书用途不包括身份认证）。一个UKey中常有签名和加密两张证书，请选择用于签名的那一张。"
	msgNoUSCC        = "证书中没有统一社会信用代码，不是单位数字证书，不能用于单位登录。"
	msgBadUSCC       = "证书中的统一社会信用代码无效，请联系发证机构核对证书信息。"
	msgTwoUSCC       = "证书中含有多个不同的统一社会信用代码，无法确定登录的单位，请联系发证机构核对证书信息。"
	msgBadIDNumber   = "证书中的身份证件号码无效，请联系发证机构核对证书信息。"
	msgUnavailable   = "暂时无法确认您的数字证书是否已被吊销（证书吊销列表未能按时更新），为安全起见暂不能用证书登录。请稍后再试，或改用其他登录方式。"
	msgUnknownUnit   = "证书中的单位尚未在本大厅注册。请先办理单位注册，或确认插入的是本单位的数字证书。"
	msgNoRole        = "证书中的人员不是该单位的法定代表人、管理员或有效授权的经办人，不能以该单位身份登录。"
	msgGeneric       = "数字证书验证失败，请稍后再试，或改用其他登录方式。"
)

// Message returns the Simplified Chinese text a page shows for err: the message of
// an *Error, the default text of a bare sentinel, and a generic text for anything
// else, whose details belong in the log only. It returns "" for nil.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	switch {
	case errors.Is(err, ErrNoCertificate):
		return msgNoCertificate
	case errors.Is(err, ErrExpired):
		return "您的数字证书已过期，请联系发证机构办理证书更新后再登录。"
	case errors.Is(err, ErrNotYetValid):
		return "您的数字证书尚未生效，请在生效后再登录。"
	case errors.Is(err, ErrRevoked):
		return "您的数字证书已被吊销，不能再用于登录。请联系发证机构办理新证书。"
	case errors.Is(err, ErrUntrusted):
		return msgUntrusted
	case errors.Is(err, ErrKeyUsage):
		return msgKeyUsage
	case errors.Is(err, ErrSubject):
		return msgBadUSCC
	case errors.Is(err, ErrRevocationUnavailable):
		return msgUnavailable
	case errors.Is(err, ErrUnknownUnit):
		return msgUnknownUnit
	case errors.Is(err, ErrNoRole):
		return msgNoRole
	}
	return msgGeneric
}

// UnknownUnitError is the login step's refusal of a valid certificate whose USCC
// names no unit of the hall; its message shows the USCC masked, so the person can
// tell whether the right UKey is inserted.
func UnknownUnitError(uscc string) error {
	return &Error{Kind: ErrUnknownUnit,
		Msg: fmt.Sprintf("证书中的单位（统一社会信用代码%s）尚未在本大厅注册。请先办理单位注册，或确认插入的是本单位的数字证书。", ident.MaskUSCC(uscc))}
}

func chinaDate(t time.Time) string {
	t = t.In(chinatime.Zone)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// refusal builds the *Error for kind about cert (leaf tells whether cert is the
// presented certificate or a CA certificate of its chain).
func refusal(kind error, cert *x509.Certificate, leaf bool, cause error) *Error {
	e := &Error{Kind: kind, Cert: cert, Cause: cause}
	switch kind {
	case ErrNoCertificate:
		e.Msg = msgNoCertificate
	case ErrExpired:
		if leaf {
			e.Msg = fmt.Sprintf("您的数字证书已于%s过期，请联系发证机构办理证书更新后再登录。", chinaDate(cert.NotAfter))
		} else {
			e.Msg = fmt.Sprintf("签发您数字证书的证书机构（%s）的证书已于%s过期，请联系发证机构。", cert.Subject.CommonName, chinaDate(cert.NotAfter))
		}
	case ErrNotYetValid:
		if leaf {
			e.Msg = fmt.Sprintf("您的数字证书尚未生效（%s起生效），请在生效后再登录。", chinaDate(cert.NotBefore))
		} else {
			e.Msg = fmt.Sprintf("签发您数字证书的证书机构（%s）的证书尚未生效，请联系发证机构。", cert.Subject.CommonName)
		}
	case ErrUntrusted:
		e.Msg = msgUntrusted
	case ErrKeyUsage:
		e.Msg = msgKeyUsage
	case ErrRevocationUnavailable:
		e.Msg = msgUnavailable
	}
	return e
}

// revokedRefusal is ErrRevoked with the revocation date.
func revokedRefusal(cert *x509.Certificate, leaf bool, at time.Time) *Error {
	e := &Error{Kind: ErrRevoked, Cert: cert}
	if leaf {
		e.Msg = fmt.Sprintf("您的数字证书已于%s被吊销，不能再用于登录。请联系发证机构办理新证书。", chinaDate(at))
	} else {
		e.Msg = fmt.Sprintf("签发您数字证书的证书机构（%s）的证书已被吊销，该机构签发的证书都不能再用于登录。请联系发证机构。", cert.Subject.CommonName)
	}
	return e
}

// subjectRefusal is ErrSubject with the message for what is wrong.
func subjectRefusal(cert *x509.Certificate, msg string, cause error) *Error {
	return &Error{Kind: ErrSubject, Msg: msg, Cert: cert, Cause: cause}
}
