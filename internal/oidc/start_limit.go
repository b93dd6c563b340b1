package oidc

import (
	"time"

	"hall/internal/throttle"
)

// ScopeStartAddr counts provider logins started per client address: each start
// saves a flow row for an anonymous browser, so a script following the start link
// in a loop would fill the table. StartAddrLimits are its limits, which services adds
// to the throttle's configuration.
const ScopeStartAddr throttle.Scope = "oidc-start-addr"

// ScopeCallbackAddr counts callbacks per client address: every callback, even one
// with a forged or stale state, writes its outcome to the audit log, so a script
// calling the callback in a loop would fill the log through the single writer. It
// has StartAddrLimits too.
const ScopeCallbackAddr throttle.Scope = "oidc-callback-addr"

// StartAddrLimits: every start (and every callback) counts (KeepOnSuccess); the 301st within 10 minutes
// is refused until the window ends — far above what an office behind one address
// starts by hand, as for QR login tickets.
var StartAddrLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 300, LockAfter: 300,
	LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: throttle.KeepOnSuccess}
