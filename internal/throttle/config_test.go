package throttle

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	scopes := func(s Scope, l Limits) map[Scope]Limits { return map[Scope]Limits{s: l} }
	cases := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"zero config takes the defaults", Config{}, ""},
		{"default config", DefaultConfig(), ""},
		{"16-byte secret", Config{Secret: make([]byte, 16)}, ""},
		{"short secret", Config{Secret: []byte("short")}, "secret is 5 bytes"},
		{"partial override", Config{Scopes: scopes(ScopeLoginAccount, Limits{LockAfter: 8})}, ""},
		{"custom scope with zero fields", Config{Scopes: scopes("unit-login", Limits{})}, ""},
		{"captcha equal to lock", Config{Scopes: scopes(ScopeLoginAccount, Limits{CaptchaAfter: 5, LockAfter: 5})}, ""},
		{"captcha after the lock", Config{Scopes: scopes(ScopeLoginAccount, Limits{CaptchaAfter: 6, LockAfter: 5})}, "CaptchaAfter 6"},
		{"negative captcha", Config{Scopes: scopes(ScopeLoginAccount, Limits{CaptchaAfter: -1})}, "CaptchaAfter -1"},
		{"negative lock", Config{Scopes: scopes(ScopeLoginAddr, Limits{LockAfter: -5})}, "LockAfter -5"},
		{"huge lock count", Config{Scopes: scopes(ScopeLoginAddr, Limits{LockAfter: maxLockAfter + 1})}, "LockAfter 10001"},
		{"negative LockFor", Config{Scopes: scopes(ScopeLoginAccount, Limits{LockFor: -time.Minute})}, "LockFor -1m0s"},
		{"LockFor in nanoseconds by mistake", Config{Scopes: scopes(ScopeLoginAccount, Limits{LockFor: 600})}, "LockFor 600ns"},
		{"lock longer than a day", Config{Scopes: scopes(ScopeLoginAccount, Limits{LockFor: 25 * time.Hour})}, "LockFor 25h0m0s"},
		{"window longer than a week", Config{Scopes: scopes(ScopeLoginAccount, Limits{Window: 8 * 24 * time.Hour})}, "Window 192h0m0s"},
		{"unknown mode", Config{Scopes: scopes(ScopeLoginAccount, Limits{Mode: 7})}, "unknown Mode Mode(7)"},
		{"unknown policy", Config{Scopes: scopes(ScopeLoginAccount, Limits{OnSuccess: 9})}, "unknown OnSuccess"},
		{"upper-case scope", Config{Scopes: scopes("Login", Limits{})}, `scope "Login"`},
		{"empty scope", Config{Scopes: scopes("", Limits{})}, `scope ""`},
		{"underscore in scope", Config{Scopes: scopes("a_b", Limits{})}, `scope "a_b"`},
		{"scope starting with a digit", Config{Scopes: scopes("1abc", Limits{})}, `scope "1abc"`},
		{"long scope", Config{Scopes: scopes(Scope(strings.Repeat("a", 33)), Limits{})}, "scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("Validate: %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	in := map[Scope]Limits{ScopeLoginAccount: {LockAfter: 8}, "unit-login": {LockFor: time.Hour}}
	th := New(nil, Config{Secret: testSecret, Scopes: in}, nil)
	cases := []struct {
		scope Scope
		want  Limits
	}{
		{ScopeLoginAccount, Limits{Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 8, LockFor: 10 * time.Minute, Window: 15 * time.Minute, OnSuccess: ResetOnSuccess}},
		{ScopeLoginAddr, Limits{Mode: ModeEscalate, CaptchaAfter: 10, LockAfter: 50, LockFor: 10 * time.Minute, Window: 15 * time.Minute, OnSuccess: RefundOnSuccess}},
		{ScopeSMSSend, Limits{Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 5, LockFor: time.Hour, Window: time.Hour, OnSuccess: KeepOnSuccess}},
		{"unit-login", Limits{Mode: ModeReserve, CaptchaAfter: 3, LockAfter: 5, LockFor: time.Hour, Window: 15 * time.Minute, OnSuccess: ResetOnSuccess}},
	}
	for _, c := range cases {
		got, ok := th.Limits(c.scope)
		if !ok || got != c.want {
			t.Errorf("Limits(%s) = %+v, %v; want %+v", c.scope, got, ok, c.want)
		}
	}
	if in[ScopeLoginAccount].CaptchaAfter != 0 || len(in) != 2 {
		t.Errorf("New modified the caller's map: %+v", in)
	}
	if _, ok := th.Limits("no-such-scope"); ok {
		t.Error("an unconfigured scope reported as configured")
	}
}

func TestNewPanicsOnInvalidConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted an invalid Config")
		}
	}()
	New(nil, Config{Secret: []byte("short")}, nil)
}

func TestModeString(t *testing.T) {
	cases := map[Mode]string{ModeDefault: "default", ModeReserve: "reserve", ModeEscalate: "escalate", 9: "Mode(9)"}
	for m, want := range cases {
		if got := m.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(m), got, want)
		}
	}
}

func TestSuccessPolicyString(t *testing.T) {
	cases := map[SuccessPolicy]string{PolicyDefault: "default", ResetOnSuccess: "reset", RefundOnSuccess: "refund", KeepOnSuccess: "keep", 9: "SuccessPolicy(9)"}
	for p, want := range cases {
		if got := p.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(p), got, want)
		}
	}
}
