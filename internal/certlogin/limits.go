package certlogin

import (
	"time"

	"hall/internal/throttle"
)

// ScopeStartAddr counts CA logins started per client address: each start saves a
// flow for an anonymous browser. ScopeCheckAddr counts checks on the TLS listener:
// each saves a hand-off and a refusal writes the audit log. AddrLimits are the
// limits of both, which services adds to the throttle's configuration.
const (
	ScopeStartAddr throttle.Scope = "ca-login-start-addr"
	ScopeCheckAddr throttle.Scope = "ca-login-check-addr"
)

// AddrLimits: every request counts; the 301st within 10 minutes is refused until
// the window ends — as for provider logins and QR tickets, far above what an
// office behind one address does by hand.
var AddrLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 300, LockAfter: 300,
	LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: throttle.KeepOnSuccess}
