package rights

import (
	"time"

	"hall/internal/throttle"
)

// ScopeVerifyAddr counts look-ups of the public verify page and of the companion
// app's screen for the same code (one share for both) per client address;
// VerifyAddrLimits are its limits, which services adds to the throttle's
// configuration.
const ScopeVerifyAddr throttle.Scope = "rights-verify-addr"

// VerifyAddrLimits: every look-up counts (KeepOnSuccess); the 121st within 10
// minutes is refused until the window ends. A holder checks a record a few times
// and an office checking a stack of printed records scans one every few seconds;
// a script walking IDs — hopeless at 256 bits, but each costs a database read — is
// held to 12 a minute. CaptchaAfter equals LockAfter: the page has no captcha.
var VerifyAddrLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 120, LockAfter: 120,
	LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: throttle.KeepOnSuccess}
