package upgrade

import (
	"time"

	"hall/internal/throttle"
)

// ScopeNomination counts step 3's nominations per legacy account, across flows.
// Each flow allows MaxNominationFailures refusals, but a new flow only needs the
// legacy password again: without a count per account, one legacy credential could
// test any number of (name, ID number, mobile) guesses against the registered
// persons. NominationLimits are its limits, which services adds to the throttle's
// configuration.
const ScopeNomination throttle.Scope = "upgrade-nomination"

// NominationLimits: every nomination is counted before the persons are looked up;
// a nomination that names a registered person exactly gives its count back
// (RefundOnSuccess), so the refusals stay counted; the tenth in a day pauses the
// account's nominations for a day.
var NominationLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 10, LockAfter: 10,
	LockFor: 24 * time.Hour, Window: 24 * time.Hour, OnSuccess: throttle.RefundOnSuccess}
