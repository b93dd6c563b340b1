package captcha_test

import (
	"strings"
	"testing"
	"time"

	"hall/internal/captcha"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  captcha.Config
		bad  string // substring of the error; "" means valid
	}{
		{"zero value takes the defaults", captcha.Config{}, ""},
		{"generous", captcha.Config{Tolerance: 8, TTL: 5 * time.Minute, MaxDuration: 2 * time.Minute, MinPoints: 3}, ""},
		{"tolerance too small", captcha.Config{Tolerance: 0.5}, "tolerance"},
		{"tolerance too large", captcha.Config{Tolerance: 40}, "tolerance"},
		{"negative tolerance", captcha.Config{Tolerance: -4}, "tolerance"},
		{"TTL too short", captcha.Config{TTL: 10 * time.Second, MaxDuration: 5 * time.Second}, "challenge TTL"},
		{"TTL too long", captcha.Config{TTL: time.Hour}, "challenge TTL"},
		{"pass TTL too long", captcha.Config{PassTTL: time.Hour}, "pass token TTL"},
		{"min duration too short", captcha.Config{MinDuration: 10 * time.Millisecond}, "minimum duration"},
		{"max duration beyond TTL", captcha.Config{MaxDuration: 3 * time.Minute}, "must not exceed the challenge TTL"},
		{"max duration too short", captcha.Config{MaxDuration: time.Second}, "maximum duration"},
		{"max not above min", captcha.Config{MinDuration: 5 * time.Second, MaxDuration: 5 * time.Second}, "exceed the minimum"},
		{"too few points", captcha.Config{MinPoints: 1}, "track points"},
		{"too many points", captcha.Config{MinPoints: 600}, "track points"},
		{"negative per binding", captcha.Config{MaxPerBinding: -1}, "per binding"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			switch {
			case c.bad == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
				t.Fatalf("Validate: %v, want an error about %q", err, c.bad)
			}
			if _, nerr := captcha.NewPuzzles(nil, c.cfg, nil); (nerr == nil) != (err == nil) {
				t.Errorf("NewPuzzles disagrees with Validate: %v", nerr)
			}
		})
	}
	d := captcha.Config{}.WithDefaults()
	if d.Tolerance != 4 || d.TTL != 2*time.Minute || d.PassTTL != 2*time.Minute || d.MinDuration != 300*time.Millisecond ||
		d.MaxDuration != time.Minute || d.MinPoints != 5 || d.MaxPerBinding != 30 {
		t.Errorf("defaults %+v", d)
	}
}
