package qrlogin

import (
	"errors"
	"fmt"
	"time"

	"hall/internal/throttle"
)

// Defaults of Config.
const (
	DefaultTTL           = 2 * time.Minute
	DefaultConsumeWindow = time.Minute
	DefaultWaitMax       = 25 * time.Second
	DefaultMaxWaiters    = 10000
	DefaultPollInterval  = time.Second
)

// Config tunes a Service; zero fields take the defaults.
type Config struct {
	// TTL is how long a ticket may be scanned and confirmed (default 2 minutes,
	// SPEC L2; 30 seconds to 10 minutes).
	TTL time.Duration
	// ConsumeWindow is how long after the confirmation the browser may still sign
	// in with it (default 1 minute; 5 seconds to 10 minutes): the page is woken at
	// once, so this only covers a page that was between two waits.
	ConsumeWindow time.Duration
	// WaitMax is how long one Wait blocks at most (default 25 seconds; 1 to 60
	// seconds), so that a long poll stays under proxy timeouts. Each wait's bound is
	// drawn between four fifths of it and it (waitBound).
	WaitMax time.Duration
	// MaxWaiters bounds the Waits in progress in one process (default 10,000;
	// 1 to 1,000,000).
	MaxWaiters int
	// PollInterval is how often the process re-reads the tickets it has waiters
	// for, to see changes made by other processes (default 1 second; 10
	// milliseconds to 10 seconds).
	PollInterval time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.TTL, DefaultTTL)
	def(&c.ConsumeWindow, DefaultConsumeWindow)
	def(&c.WaitMax, DefaultWaitMax)
	def(&c.PollInterval, DefaultPollInterval)
	if c.MaxWaiters == 0 {
		c.MaxWaiters = DefaultMaxWaiters
	}
	return c
}

// Validate reports every setting out of range (after defaults), joined.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	within := func(name string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			errs = append(errs, fmt.Errorf("qrlogin: %s %s out of range %s–%s", name, d, lo, hi))
		}
	}
	within("ticket TTL", c.TTL, 30*time.Second, 10*time.Minute)
	within("consume window", c.ConsumeWindow, 5*time.Second, 10*time.Minute)
	within("wait max", c.WaitMax, time.Second, time.Minute)
	within("poll interval", c.PollInterval, 10*time.Millisecond, 10*time.Second)
	if c.MaxWaiters < 1 || c.MaxWaiters > 1_000_000 {
		errs = append(errs, fmt.Errorf("qrlogin: max waiters %d out of range 1–1000000", c.MaxWaiters))
	}
	return errors.Join(errs...)
}

// ScopeAddr counts tickets created per client address. AddrLimits are its limits,
// which services adds to the throttle's configuration.
const ScopeAddr throttle.Scope = "qr-ticket-addr"

// AddrLimits: every ticket counts (KeepOnSuccess); the 301st within 10 minutes is
// refused until the window ends. A login page asks for a new code every 2 minutes
// at most (刷新, or the page opened again); an office of a few hundred people behind
// one NAT address opening the login page in the morning stays under it, while a
// script filling the table does not. CaptchaAfter equals LockAfter: the page has no
// captcha to offer.
var AddrLimits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 300, LockAfter: 300,
	LockFor: 10 * time.Minute, Window: 10 * time.Minute, OnSuccess: throttle.KeepOnSuccess}
