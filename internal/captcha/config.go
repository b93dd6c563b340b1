package captcha

import (
	"errors"
	"time"
)

// Config tunes the captcha; zero fields take the defaults.
type Config struct {
	// Tolerance is how far (in background pixels, either way) the released piece
	// may be from the gap (default 4).
	Tolerance float64
	// TTL is how long a challenge may be solved (default 2 minutes).
	TTL time.Duration
	// PassTTL is how long a pass token may be redeemed after the solution
	// (default 2 minutes).
	PassTTL time.Duration
	// MinDuration refuses faster solutions (default 300 ms): no person finds the
	// gap and drags the piece there quicker.
	MinDuration time.Duration
	// MaxDuration refuses slower ones (default 60 s): a drag held that long is a
	// replay or a script waiting, not a hand.
	MaxDuration time.Duration
	// MinPoints is the least number of track points (default 5).
	MinPoints int
	// MaxPerBinding caps the challenges one binding may draw within one TTL
	// (default 30): a person needs a few, a solver harvesting images many.
	MaxPerBinding int
}

func (c Config) withDefaults() Config {
	if c.Tolerance == 0 {
		c.Tolerance = 4
	}
	if c.TTL == 0 {
		c.TTL = 2 * time.Minute
	}
	if c.PassTTL == 0 {
		c.PassTTL = 2 * time.Minute
	}
	if c.MinDuration == 0 {
		c.MinDuration = 300 * time.Millisecond
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = 60 * time.Second
	}
	if c.MinPoints == 0 {
		c.MinPoints = 5
	}
	if c.MaxPerBinding == 0 {
		c.MaxPerBinding = 30
	}
	return c
}

// WithDefaults returns c with the defaults filled in for zero fields.
func (c Config) WithDefaults() Config { return c.withDefaults() }

// Validate reports every setting that is out of range (after zero fields take their
// defaults), joined into one error.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if !(c.Tolerance >= 1 && c.Tolerance <= 20) {
		errs = append(errs, errors.New("captcha: tolerance must be from 1 to 20 pixels"))
	}
	if c.TTL < 30*time.Second || c.TTL > 10*time.Minute {
		errs = append(errs, errors.New("captcha: challenge TTL must be from 30s to 10m"))
	}
	if c.PassTTL < 30*time.Second || c.PassTTL > 30*time.Minute {
		errs = append(errs, errors.New("captcha: pass token TTL must be from 30s to 30m"))
	}
	if c.MinDuration < 100*time.Millisecond || c.MinDuration > 5*time.Second {
		errs = append(errs, errors.New("captcha: minimum duration must be from 100ms to 5s"))
	}
	if c.MaxDuration < 5*time.Second || c.MaxDuration > 10*time.Minute {
		errs = append(errs, errors.New("captcha: maximum duration must be from 5s to 10m"))
	} else if c.MaxDuration <= c.MinDuration {
		errs = append(errs, errors.New("captcha: maximum duration must exceed the minimum duration"))
	} else if c.MaxDuration > c.TTL {
		errs = append(errs, errors.New("captcha: maximum duration must not exceed the challenge TTL"))
	}
	if c.MinPoints < 2 || c.MinPoints > 100 {
		errs = append(errs, errors.New("captcha: minimum track points must be from 2 to 100"))
	}
	if c.MaxPerBinding < 1 || c.MaxPerBinding > 1000 {
		errs = append(errs, errors.New("captcha: challenges per binding must be from 1 to 1000"))
	}
	return errors.Join(errs...)
}
