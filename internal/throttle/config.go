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
	// failures that someone else caused from the same address. In ModeEscalate,
	// where only failures are counted, a success changes nothing.
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

// Mode says how a scope counts attempts and what its limits do.
type Mode uint8

const (
	// ModeDefault (the zero value) takes the scope's default mode.
	ModeDefault Mode = iota
	// ModeReserve counts every attempt before the check (Begin reserves it) and
	// locks the key at LockAfter: at most LockAfter attempts per window reach the
	// check, however many arrive at once. For accounts (their guesses must be
	// bounded, even in parallel) and for rate limits such as SMS sends.
	ModeReserve
	// ModeEscalate counts only failures (Ticket.Failed) and asks for the captcha
	// past CaptchaAfter; it never locks, so LockAfter and LockFor are not used. For
	// a client address in front of a secret: one address may be a whole office or
	// a proxy, whose correct logins must never be refused, and whose colleagues'
	// logins in flight must not count as failures. The account scopes bound the
	// guesses; the address only makes a bot solve captchas.
	ModeEscalate
)

func (m Mode) String() string {
	switch m {
	case ModeDefault:
		return "default"
	case ModeReserve:
		return "reserve"
	case ModeEscalate:
		return "escalate"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Limits are the thresholds of one scope. Zero fields take the scope's defaults.
type Limits struct {
	// Mode: reserve first and lock (accounts, rate limits), or count failures and
	// escalate to the captcha only (addresses in front of a secret).
	Mode Mode
	// CaptchaAfter: once this many attempts are counted in the window, Begin wants
	// the slider captcha solved (WithCaptchaSolved). 1 ≤ CaptchaAfter ≤ LockAfter;
	// equal to LockAfter means the key is locked before a captcha would be asked.
	CaptchaAfter int
	// LockAfter: the attempt that brings the count to this many locks the key for
	// LockFor; no more than LockAfter attempts are ever let through per window.
	// Unused in ModeEscalate (validated all the same).
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
var accountLimits = Limits{Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 5, LockFor: 10 * time.Minute, Window: 15 * time.Minute, OnSuccess: ResetOnSuccess}

// addrLimits are higher and never lock (ModeEscalate): an office behind one NAT
// address has many users, and one of them forgetting a password, or a bot guessing
// from the same address, must not keep the rest from signing in. LockAfter is
// unused but kept at 50 so that CaptchaAfter stays valid.
var addrLimits = Limits{Mode: ModeEscalate, CaptchaAfter: 10, LockAfter: 50, LockFor: 10 * time.Minute, Window: 15 * time.Minute, OnSuccess: RefundOnSuccess}

// DefaultConfig returns limits for every Scope* constant and no Secret.
//
//	login-account, sms-guess        reserve: captcha after 3, lock after 5 for 10 min, window 15 min, reset on success
//	login-addr, sms-guess-addr      escalate: failures only, captcha after 10, never locked, window 15 min
//	sms-send                        reserve: captcha after 3, lock after 5 for 1 h, window 1 h, every send counts
//	sms-send-addr                   reserve: captcha after 5, lock after 30 for 1 h, window 1 h, every send counts
//	unit-register                   reserve: captcha after 3, lock after 10 for 1 h, window 1 h, every submission counts
//	unit-register-addr              reserve: captcha after 3, lock after 20 for 1 h, window 1 h, every submission counts
//	appeal-addr                     reserve: lock after 10 for 1 h, window 1 h, every appeal counts (the form always has the captcha)
//	captcha-addr                    reserve: lock after 60 for 10 min, window 10 min, every puzzle counts
//
// The SMS send limits sit on top of the sms package's own (60 s between codes, 10 per
// mobile and 30 per address per day): they make a bot solve captchas early.
func DefaultConfig() Config {
	return Config{Scopes: map[Scope]Limits{
		ScopeLoginAccount:     accountLimits,
		ScopeLoginAddr:        addrLimits,
		ScopeSMSGuess:         accountLimits,
		ScopeSMSGuessAddr:     addrLimits,
		ScopeSMSSend:          {Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 5, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeSMSSendAddr:      {Mode: ModeReserve, CaptchaAfter: 5, LockAfter: 30, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeUnitRegister:     {Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 10, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeUnitRegisterAddr: {Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 20, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeAppealAddr:       {Mode: ModeReserve, CaptchaAfter: 10, LockAfter: 10, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess},
		ScopeCaptchaAddr:      {Mode: ModeReserve, CaptchaAfter: 60, LockAfter: 60, LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: KeepOnSuccess},
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
		if l.Mode == ModeDefault {
			l.Mode = base.Mode
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
		if l.Mode > ModeEscalate {
			errs = append(errs, fmt.Errorf("throttle: scope %s: unknown Mode %s", s, l.Mode))
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
