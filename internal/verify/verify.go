// Package verify runs real-person (face) verification sessions (SPEC A2): a flow in
// the web hall (unit registration R2, upgrade R4, recovery P1, agent confirmation U6)
// needs to know that the person in front of a phone is the person it expects. It
// starts a session for that expected person, shows its link as a QR code, and waits
// for the result, which the person produces in the companion app.
//
// A session is (opaque ID, purpose, binding, expected person, status, expiry). The ID
// is 32 random bytes in base64url and is all the link (Link) carries: no personal
// data in URLs. The binding is a secret of the browser session or flow that started
// it; Status, Wait and Consume refuse any other with ErrNotFound, so a photographed
// QR code does not let another browser take the result. Status moves once from
// pending to passed, failed or expired, never back; a passed result is taken exactly
// once by the flow (Consume) inside the flow's own transaction.
//
// How the face check is done is a Provider:
//
//   - DevProvider (development only, and labelled so on every screen): the companion
//     app's own confirmation screen. The app user, logged in as a person, opens the
//     link, sees DevLabel, the purpose and the masked expected name and ID, and
//     presses 确认 or 拒绝; CompleteInApp passes only if that person is the expected
//     one.
//   - HTTPProvider (production): a face verification service spoken to over HTTP with
//     JSON and an HMAC-signed callback, whose wire format is below.
//
// Waiting: the web page long-polls Wait, which costs a parked goroutine and one
// indexed read per PollInterval. A result recorded by this process wakes the waiter
// at once through an in-process notification; a result recorded by another process
// (several servers share one PostgreSQL, and the provider's callback may reach any of
// them) is seen at the next re-read, within about a second. PostgreSQL LISTEN/NOTIFY
// on a channel named for the table would remove that second; it needs one dedicated
// connection per process and is the next step if the delay matters.
//
// # Wire format of HTTPProvider
//
// Signature: every request (the hall's to the provider and the provider's callbacks)
// carries
//
//	X-Timestamp: <unix seconds, decimal>
//	X-Signature: hex(HMAC-SHA256(secret, X-Timestamp + "." + raw body))
//
// Start: the hall POSTs to HTTPConfig.StartURL, Content-Type application/json,
//
//	{"ref": "<session ID>", "id_type": "resident", "id_number": "…", "name": "…",
//	 "purpose": "unit-register", "callback_url": "<HTTPConfig.CallbackURL>"}
//
// (id_type uses the hall's ident.IDType codes) and expects a 2xx answer
//
//	{"provider_ref": "<the provider's ID, 1–128 printable ASCII>", "verify_url": "https://…"}
//
// The companion app's link page (Link) sends the person on to verify_url.
//
// Callback: when the person is done, the provider POSTs to callback_url
//
//	{"provider_ref": "…", "result": "pass" | "fail", "timestamp": <unix seconds>}
//
// with timestamp equal to X-Timestamp; unknown fields are ignored. The web handler
// passes the raw body and the two headers to HTTPProvider.HandleCallback and answers
// 204 for nil, ErrUsed and ErrExpired (delivered; a retry would change nothing), 401
// for ErrSignature and ErrStale, 400 for ErrBadCallback, 404 for ErrNotFound and 500
// otherwise (so that the provider retries). A callback more than MaxSkew (5 minutes)
// from the hall's clock is refused; within that window a replay finds the session
// already decided, so each session takes exactly one result.
//
// # Personal data
//
// The expected person's ID number and name are sealed at rest (internal/sealed,
// docs/data-protection.md): values bound to the verify_sessions table, their column
// and the session's ID, sealed before the row is written and opened whenever a
// session is read. Sessions are found by ID or by the provider's reference, never by
// the person, so there is no blind index. Sweep removes sessions soon after they
// expire, so even the sealed data is short-lived.
//
// # Errors
//
// Methods return the sentinel errors below, errors wrapping
// ErrInvalid for bad arguments, *ident.FieldError (from Start) for a malformed
// expected ID number, and otherwise failures of the database or the provider.
package verify

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"hall/internal/ident"
)

// Status of a session.
type Status string

const (
	Pending Status = "pending" // waiting for the person
	Passed  Status = "passed"  // the expected person was confirmed
	Failed  Status = "failed"  // refused, another person, or the check failed
	Expired Status = "expired" // no result before ExpiresAt
)

// Purposes used by the hall. A purpose is any name of 1–32 characters from a-z, 0-9
// and '-'; PurposeLabel names the known ones for the screens.
const (
	PurposeUnitRegister = "unit-register" // R2 legal representative
	PurposeUpgrade      = "upgrade"       // R4 nominated administrator
	PurposeRecover      = "recover"       // P1 password recovery
	PurposeAgentConfirm = "agent-confirm" // U6 administrator or agent accepting a grant
	PurposeAppReset     = "app-reset"     // P2 password reset in the companion app
)

// Result notes stored with a session (shown in the back office and on the app).
const (
	NoteNotSelf  = "非本人"
	NoteRefused  = "本人拒绝"
	NoteFaceFail = "人脸识别未通过"
	NoteTooLate  = "已超时"
)

// DevLabel heads every screen the development provider shows.
const DevLabel = "开发环境：模拟人脸识别"

// Sentinel errors; each method says which it returns and when.
var (
	// ErrNotFound: no such session, or it is bound to another browser or flow.
	ErrNotFound = errors.New("verify: session not found")
	// ErrExpired: the session (or, for Consume, the passed result) timed out.
	ErrExpired = errors.New("verify: session expired")
	// ErrUsed: the session already has a result (CompleteInApp, callbacks) or its
	// passed result was consumed already (Consume).
	ErrUsed = errors.New("verify: session already used")
	// ErrPending: Consume on a session still waiting for the person.
	ErrPending = errors.New("verify: session still pending")
	// ErrFailed: Consume on a session whose check failed.
	ErrFailed = errors.New("verify: verification failed")
	// ErrWrongProvider: a result for a session started with another provider (for
	// example the development screen used on a production session).
	ErrWrongProvider = errors.New("verify: session belongs to another provider")
	// ErrProvider: the provider could not start the session (network, HTTP status,
	// malformed answer). The wrapped error says more.
	ErrProvider = errors.New("verify: provider unavailable")
	// ErrSignature: a callback whose signature does not verify.
	ErrSignature = errors.New("verify: bad callback signature")
	// ErrStale: a callback whose timestamp is too far from now (a replay).
	ErrStale = errors.New("verify: stale callback timestamp")
	// ErrBadCallback: a signed callback whose content is malformed.
	ErrBadCallback = errors.New("verify: malformed callback")
	// ErrInvalid: a bad argument (a programming error).
	ErrInvalid = errors.New("verify: invalid argument")
	// ErrNoKeys: the database has no data keys set (store.DB.UseKeys), so the
	// expected person can be neither sealed nor opened (a configuration error).
	ErrNoKeys = errors.New("verify: no data key set on the database")
)

// Person is an identity: the expected person of a session, or the person logged in
// to the companion app.
type Person struct {
	IDType   ident.IDType
	IDNumber string
	Name     string
}

// Masked returns p with the ID number and name masked for display (SPEC §2).
func (p Person) Masked() Person {
	return Person{IDType: p.IDType, IDNumber: ident.MaskID(p.IDNumber), Name: ident.MaskName(p.Name)}
}

// Same reports whether p and q are the same person: same ID type, same ID number
// (case-insensitively, as normalised numbers are upper case) and the same name once
// white space and the several middle dots of transliterated names (·・•‧) are
// folded, Latin letters compared without case.
func (p Person) Same(q Person) bool {
	return p.IDType == q.IDType &&
		strings.EqualFold(strings.TrimSpace(p.IDNumber), strings.TrimSpace(q.IDNumber)) &&
		p.IDNumber != "" &&
		strings.EqualFold(foldName(p.Name), foldName(q.Name)) &&
		foldName(p.Name) != ""
}

func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '・' || r == '•' || r == '‧' || r == '.' || r == '．':
			r = '·'
		case unicode.IsSpace(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Request starts a session.
type Request struct {
	Purpose string // one of the Purpose constants or another purpose name
	// Binding is a secret of the browser session or flow asking (for example the
	// flow ID together with the session cookie value). Only its hash is stored.
	Binding  string
	Expected Person
}

// Session is a verification session as stored.
type Session struct {
	ID          string
	Purpose     string
	Expected    Person
	Status      Status
	CreatedAt   time.Time
	ExpiresAt   time.Time
	CompletedAt time.Time // zero while pending
	ConsumedAt  time.Time // zero until Consume
	Attempts    int       // results offered for it, accepted or not
	Provider    string    // Provider.Name() at start
	ProviderRef string    // the provider's reference ("" for the development provider)
	ProviderURL string    // where the person does the check ("" = the app's own screen)
	ResultNote  string
	Origin      Origin // the browser that started it (WithOrigin)
}

// Done reports whether the session has a result (passed, failed or expired).
func (s Session) Done() bool { return s.Status != Pending }

// Link returns the URL a session's QR code carries: baseURL + "/app/v/" + id. The
// companion app serves it; it holds the opaque ID and nothing else.
func Link(baseURL, id string) string {
	return strings.TrimRight(baseURL, "/") + "/app/v/" + id
}

// PurposeLabel names a purpose in Chinese for the screens.
func PurposeLabel(purpose string) string {
	switch purpose {
	case PurposeUnitRegister:
		return "单位注册：法定代表人身份核验"
	case PurposeUpgrade:
		return "历史单位用户升级：管理员身份核验"
	case PurposeRecover:
		return "找回密码：身份核验"
	case PurposeAgentConfirm:
		return "经办人确认：身份核验"
	case PurposeAppReset:
		return "重置单位密码：身份核验"
	}
	return "身份核验"
}

// PurposeConsequence says what approving a session of purpose lets the browser
// that started it do, for the app's screen: the person must know what they approve,
// not only that a check is asked for.
func PurposeConsequence(purpose string) string {
	switch purpose {
	case PurposeUnitRegister:
		return "批准后，该浏览器将以您（法定代表人）的身份为该单位注册网上办事账户。"
	case PurposeUpgrade:
		return "批准后，该浏览器将可以升级历史单位账户，并设您为单位管理员。"
	case PurposeRecover:
		return "批准后，该浏览器将可以为您的账号设置新密码。"
	case PurposeAgentConfirm:
		return "批准后，您将接受该单位的授权，可以代表该单位办理授权范围内的业务。"
	case PurposeAppReset:
		return "批准后，本机的掌上APP将可以为您在所选单位的账号设置新的经办密码。"
	}
	return "批准后，该浏览器将以您的身份继续办理。"
}

func validPurpose(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
