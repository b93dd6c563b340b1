package throttle

import (
	"errors"
	"fmt"
	"maps"
	"time"
)

// Scope names what is being counted. The scope is part of the primary key, so the
// same person or address is counted separately per scope.
type Scope string

// The scopes the hall uses. DefaultConfig has limits for each; a Config may add
// others (1–32 characters of a-z, 0-9 and '-', starting with a letter).
const (
	// ScopeLoginAccount: password logins per account identifier (L1, L6).
	ScopeLoginAccount Scope = "login-account"
	// ScopeLoginAddr: password logins per client address, across accounts.
	ScopeLoginAddr Scope = "login-addr"
	// ScopeSMSGuess: wrong SMS codes per mobile, across flows (a new flow resets the
	// sms package's per-flow count; this one does not).
	ScopeSMSGuess Scope = "sms-guess"
	// ScopeSMSGuessAddr: wrong SMS codes per client address.
	ScopeSMSGuessAddr Scope = "sms-guess-addr"
	// ScopeSMSSend: SMS codes sent per mobile; every send counts.
	ScopeSMSSend Scope = "sms-send"
	// ScopeSMSSendAddr: SMS codes sent per client address; every send counts.
	ScopeSMSSendAddr Scope = "sms-send-addr"
	// ScopeUnitRegister: 单位注册 step 1 submissions per USCC (the registry is
	// compared only after face verification, but each submission starts one).
	ScopeUnitRegister Scope = "unit-register"
	// ScopeUnitRegisterAddr: 单位注册 step 1 submissions per client address.
	ScopeUnitRegisterAddr Scope = "unit-register-addr"
	// ScopeAppealAddr: 用户申诉 filed per client address; every appeal counts.
	ScopeAppealAddr Scope = "appeal-addr"
	// ScopeCaptchaAddr: slider puzzles drawn per client address; every one counts.
	ScopeCaptchaAddr Scope = "captcha-addr"
)

// SuccessPolicy says what Ticket.Succeeded does to a scope's counter.
type SuccessPolicy uint8

const (
	// PolicyDefault (the zero value) takes the scope's default policy.
	PolicyDefault SuccessPolicy = iota
	// ResetOnSuccess forgets every failure of the key: the person has proved they
	// hold the secret. For account scopes.
	ResetOnSuccess
	// RefundOnSuccess gives back only the succeeding attempt's own reservation. For
	// address scopes: one person's success behind a shared NAT must not wipe the
	// failures that someone else caused from the same address.
	RefundOnSuccess
	// KeepOnSuccess counts successes too. For rate limits such as SMS sends, where
	// each attempt costs something whatever its outcome.
	KeepOnSuccess
)

func (p SuccessPolicy) String() string {
	switch p {
	case PolicyDefault:
		return "default"
	case ResetOnSuccess:
		return "reset"
	case RefundOnSuccess:
		return "refund"
	case KeepOnSuccess:
		return "keep"
	}
	return fmt.Sprintf("SuccessPolicy(%d)", uint8(p))
}

// Limits are the thresholds of one scope. Zero fields take the scope's defaults.
type Limits struct {
	// CaptchaAfter: once this many attempts are counted in the window, Begin wants
	// the slider captcha solved (WithCaptchaSolved). 1 ≤ CaptchaAfter ≤ LockAfter;
	// equal to LockAfter means the key is locked before a captcha would be asked.
	CaptchaAfter int
	// LockAfter: the attempt that brings the count to this many locks the key for
	// LockFor; no more than LockAfter attempts are ever let through per window.
	LockAfter int
	// LockFor is how long a lock lasts. When it ends, the count starts again at zero.
	LockFor time.Duration
	// Window: the count is forgotten once Window has passed since the first attempt
	// it holds (a fixed window, started by the first attempt after a reset).
	Window time.Duration
	// OnSuccess is what a success does to the counter.
	OnSuccess SuccessPolicy
}

// Bounds for Validate, wide enough for any sane policy and narrow enough to catch a
// unit mistake (minutes given as seconds, a lock of years).
const (
	maxLockAfter = 10000
	minDuration  = time.Second
	maxLockFor   = 24 * time.Hour
	maxWindow    = 7 * 24 * time.Hour
	minSecretLen = 16
	maxScopeLen  = 32
)

// accountLimits are QUALITY.md's "Failed logins" defaults: captcha after 3
// failures, lock after 5 for 10 minutes, failures forgotten after 15 minutes.
var accountLimits = Limits{CaptchaAfter: 3, LockAfter: 5, LockFor: 10 * time.Minute, Window: 15 * time.Minute, OnSuccess: ResetOnSuccess}

// addrLimits are higher: an office behind one NAT address has many users, and one
// of them forgetting a password must not lock out the rest.
var addrLimits = Limits{CaptchaAfter: 10, LockAfter: 50, LockFor: 10 * time.Minute, Window: 15 * time.Minute, OnSuccess: RefundOnSuccess}

// DefaultConfig returns limits for every Scope* constant and no Secret.
//
//	login-account, sms-guess        captcha after 3, lock after 5 for 10 min, window 15 min, reset on success
//	login-addr, sms-guess-addr      captcha after 10, lock after 50 for 10 min, window 15 min, refund on success
//	sms-send                        captcha after 3, lock after 5 for 1 h, window 1 h, every send counts
//	sms-send-addr                   captcha after 5, lock after 30 for 1 h, window 1 h, every send counts
//	unit-register                   captcha after 3, lock after 10 for 1 h, window 1 h, every submission counts
//	unit-register-addr              captcha after 3, lock after 20 for 1 h, window 1 h, every submission counts
//	appeal-addr                     lock after 10 for 1 h, window 1 h, every appeal counts (the form always has the captcha)
//	captcha-addr                    lock after 60 for 10 min, window 10 min, every puzzle counts
//
// The SMS send limits sit on top of the sms package's own (60 s between codes, 10 per
// mobile and 30 per address per day): they make a bot solve captchas early.
func DefaultConfig() Config {
	return Config{Scopes: map[Scope]Limits{
		ScopeLoginAccount:     accountLimits,
		ScopeLoginAddr:        addrLimits,
		ScopeSMSGuess:         accountLimits,
		ScopeSMSGuessAddr:     addrLimits,
		ScopeSMSSend:          {CaptchaAfter: 3, LockAfter: 5, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeSMSSendAddr:      {CaptchaAfter: 5, LockAfter: 30, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeUnitRegister:     {CaptchaAfter: 3, LockAfter: 10, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeUnitRegisterAddr: {CaptchaAfter: 3, LockAfter: 20, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeAppealAddr:       {CaptchaAfter: 10, LockAfter: 10, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeCaptchaAddr:      {CaptchaAfter: 60, LockAfter: 60, LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: KeepOnSuccess},
	}}
}

// Config configures a Throttle.
type Config struct {
	// Secret is the HMAC key that turns identifiers and addresses into counter
	// keys: a config secret kept outside the database, at least 16 bytes. Empty is
	// allowed for development only: keys are then unkeyed hashes, and an ID number
	// (a few billion possibilities) can be found from its hash by trying them all.
	Secret []byte
	// Scopes holds the limits per scope. The scopes of DefaultConfig are always
	// present (with their defaults unless given here); zero fields of a given
	// Limits take the defaults of that scope, or the login-account defaults for a
	// scope DefaultConfig does not know.
	Scopes map[Scope]Limits
}

// withDefaults returns a copy with every default scope present and zero fields
// filled. The input map is not modified.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	out := Config{Secret: c.Secret, Scopes: maps.Clone(d.Scopes)}
	for s, l := range c.Scopes {
		base, ok := d.Scopes[s]
		if !ok {
			base = accountLimits
		}
		if l.CaptchaAfter == 0 {
			l.CaptchaAfter = base.CaptchaAfter
		}
		if l.LockAfter == 0 {
			l.LockAfter = base.LockAfter
		}
		if l.LockFor == 0 {
			l.LockFor = base.LockFor
		}
		if l.Window == 0 {
			l.Window = base.Window
		}
		if l.OnSuccess == PolicyDefault {
			l.OnSuccess = base.OnSuccess
		}
		out.Scopes[s] = l
	}
	return out
}

// Validate reports every setting that is out of range, after zero fields take their
// defaults, joined into one error. New panics on a Config that Validate refuses, so
// call Validate where configuration is loaded.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if n := len(c.Secret); n != 0 && n < minSecretLen {
		errs = append(errs, fmt.Errorf("throttle: secret is %d bytes, want at least %d", n, minSecretLen))
	}
	for s, l := range c.Scopes {
		if err := validScope(s); err != nil {
			errs = append(errs, err)
			continue
		}
		if l.LockAfter < 1 || l.LockAfter > maxLockAfter {
			errs = append(errs, fmt.Errorf("throttle: scope %s: LockAfter %d out of range 1–%d", s, l.LockAfter, maxLockAfter))
		}
		if l.CaptchaAfter < 1 || l.CaptchaAfter > l.LockAfter {
			errs = append(errs, fmt.Errorf("throttle: scope %s: CaptchaAfter %d out of range 1–LockAfter (%d)", s, l.CaptchaAfter, l.LockAfter))
		}
		if l.LockFor < minDuration || l.LockFor > maxLockFor {
			errs = append(errs, fmt.Errorf("throttle: scope %s: LockFor %s out of range %s–%s", s, l.LockFor, minDuration, maxLockFor))
		}
		if l.Window < minDuration || l.Window > maxWindow {
			errs = append(errs, fmt.Errorf("throttle: scope %s: Window %s out of range %s–%s", s, l.Window, minDuration, maxWindow))
		}
		if l.OnSuccess > KeepOnSuccess {
			errs = append(errs, fmt.Errorf("throttle: scope %s: unknown OnSuccess %s", s, l.OnSuccess))
		}
	}
	return errors.Join(errs...)
}

// validScope checks a scope name: it goes into the primary key and into logs.
func validScope(s Scope) error {
	if len(s) == 0 || len(s) > maxScopeLen || s[0] < 'a' || s[0] > 'z' {
		return fmt.Errorf("throttle: scope %q: want 1–%d of a-z 0-9 -, starting with a letter", s, maxScopeLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("throttle: scope %q: want 1–%d of a-z 0-9 -, starting with a letter", s, maxScopeLen)
		}
	}
	return nil
}
