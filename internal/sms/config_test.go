package sms

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
)

func TestCodeConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*CodeConfig)
		bad  string // substring of the error; "" means valid
	}{
		{"zero value takes the defaults", func(c *CodeConfig) { *c = CodeConfig{} }, ""},
		{"defaults", func(*CodeConfig) {}, ""},
		{"ten minutes", func(c *CodeConfig) { c.TTL = 10 * time.Minute }, ""},
		{"TTL not whole minutes", func(c *CodeConfig) { c.TTL = 90 * time.Second }, "TTL"},
		{"TTL too long", func(c *CodeConfig) { c.TTL = time.Hour }, "TTL"},
		{"TTL negative", func(c *CodeConfig) { c.TTL = -time.Minute }, "TTL"},
		{"resend too short", func(c *CodeConfig) { c.ResendAfter = time.Second }, "resend"},
		{"resend beyond TTL", func(c *CodeConfig) { c.TTL = 2 * time.Minute; c.ResendAfter = 3 * time.Minute }, "exceed"},
		{"per mobile negative", func(c *CodeConfig) { c.MaxPerMobilePerDay = -1 }, "per mobile"},
		{"per mobile huge", func(c *CodeConfig) { c.MaxPerMobilePerDay = 1000 }, "per mobile"},
		{"per address negative", func(c *CodeConfig) { c.MaxPerAddressPerDay = -5 }, "per client address"},
		{"attempts too many", func(c *CodeConfig) { c.MaxAttempts = 50 }, "attempts"},
		{"one attempt", func(c *CodeConfig) { c.MaxAttempts = 1 }, ""},
		{"sign one character", func(c *CodeConfig) { c.Sign = "人" }, "signature"},
		{"sign with brackets", func(c *CodeConfig) { c.Sign = "【人社】" }, "signature"},
		{"sign with space", func(c *CodeConfig) { c.Sign = "人 社" }, "signature"},
		{"sign too long", func(c *CodeConfig) { c.Sign = strings.Repeat("人", 13) }, "signature"},
		{"other sign", func(c *CodeConfig) { c.Sign = "某市人社局" }, ""},
		{"short key", func(c *CodeConfig) { c.Key = []byte("short") }, "key"},
		{"good key", func(c *CodeConfig) { c.Key = []byte("0123456789abcdef") }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultCodeConfig()
			c.mod(&cfg)
			err := cfg.Validate()
			switch {
			case c.bad == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
				t.Fatalf("Validate = %v, want an error about %q", err, c.bad)
			}
		})
	}
}

func TestDefaultCodeConfigMatchesSpec(t *testing.T) {
	d := DefaultCodeConfig()
	if d.TTL != 5*time.Minute || d.ResendAfter != time.Minute || d.MaxPerMobilePerDay != 10 ||
		d.MaxPerAddressPerDay != 30 || d.MaxAttempts != 5 {
		t.Fatalf("defaults = %+v", d)
	}
	if got := (&Codes{cfg: CodeConfig{}.withDefaults()}).Config(); got.TTL != d.TTL || got.Sign != d.Sign {
		t.Fatalf("zero config with defaults = %+v", got)
	}
}

func TestNewCodesPanicsOnInvalidConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewCodes accepted an invalid config")
		}
	}()
	NewCodes(nil, nil, CodeConfig{TTL: time.Second}, nil)
}

func TestCodeText(t *testing.T) {
	cases := []struct {
		sign, code string
		ttl        time.Duration
		want       string
	}{
		{DefaultSign, "123456", 5 * time.Minute, "【示范省人社】您的验证码为123456，5分钟内有效。请勿告诉他人。"},
		{DefaultSign, "000042", 5 * time.Minute, "【示范省人社】您的验证码为000042，5分钟内有效。请勿告诉他人。"},
		{"某市人社局", "987654", 10 * time.Minute, "【某市人社局】您的验证码为987654，10分钟内有效。请勿告诉他人。"},
	}
	for _, c := range cases {
		if got := codeText(c.sign, c.code, c.ttl); got != c.want {
			t.Errorf("codeText(%q, %q, %v) = %q, want %q", c.sign, c.code, c.ttl, got, c.want)
		}
	}
}

func TestUserMessage(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrCodeInvalid, "验证码错误"},
		{field(ErrCodeInvalid), "验证码错误"},
		{fmt.Errorf("wrapped: %w", ErrCodeExpired), "验证码已过期，请重新获取"},
		{ErrTooManyAttempts, "验证码错误次数过多，请重新获取"},
		{&RateError{RetryAfter: 42 * time.Second, Reason: ReasonResend}, "验证码发送过于频繁，请42秒后再试"},
		{&RateError{RetryAfter: 41500 * time.Millisecond, Reason: ReasonResend}, "验证码发送过于频繁，请42秒后再试"},
		{&RateError{RetryAfter: time.Millisecond, Reason: ReasonResend}, "验证码发送过于频繁，请1秒后再试"},
		{&RateError{RetryAfter: 5 * time.Hour, Reason: ReasonMobileDaily}, "今日验证码发送次数已达上限"},
		{&RateError{RetryAfter: 5 * time.Hour, Reason: ReasonAddressDaily}, "今日验证码发送次数已达上限"},
		{ident.ErrMobileFormat, "请输入正确的11位手机号码"},
		{fmt.Errorf("%w: blocked", ErrUndeliverable), "短信无法发送到该手机号码，请核对后重试"},
		{fmt.Errorf("%w: timeout", ErrUnavailable), "短信发送失败，请稍后再试"},
		{errors.New("database is on fire"), "系统繁忙，请稍后再试"},
	}
	for _, c := range cases {
		if got := UserMessage(c.err); got != c.want {
			t.Errorf("UserMessage(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestRateErrorMatching(t *testing.T) {
	soon := error(&RateError{RetryAfter: 10 * time.Second, Reason: ReasonResend})
	daily := error(fmt.Errorf("wrapped: %w", &RateError{RetryAfter: time.Hour, Reason: ReasonAddressDaily}))
	if !errors.Is(soon, ErrTooSoon) || errors.Is(soon, ErrDailyLimit) || errors.Is(soon, ErrCodeInvalid) {
		t.Error("resend RateError matches the wrong sentinels")
	}
	if !errors.Is(daily, ErrDailyLimit) || errors.Is(daily, ErrTooSoon) {
		t.Error("daily RateError matches the wrong sentinels")
	}
	var fm interface{ FieldMessage() string }
	if !errors.As(daily, &fm) || fm.FieldMessage() != "今日验证码发送次数已达上限" {
		t.Error("RateError has no FieldMessage")
	}
	var fe *ident.FieldError
	if !errors.As(soon, &fe) || fe.Code != CodeTooSoon || fe.Msg != "验证码发送过于频繁，请10秒后再试" {
		t.Errorf("errors.As(resend) = %+v", fe)
	}
	if !errors.As(daily, &fe) || fe.Code != CodeDailyLimit {
		t.Errorf("errors.As(daily) = %+v", fe)
	}
}

func TestUntilNextDay(t *testing.T) {
	cases := []struct {
		at   time.Time
		want time.Duration
	}{
		{time.Date(2026, 3, 2, 15, 59, 0, 0, time.UTC), time.Minute}, // 23:59 Shanghai
		{time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC), 24 * time.Hour},
		{time.Date(2026, 12, 31, 22, 0, 0, 0, chinatime.Zone), 2 * time.Hour},
	}
	for _, c := range cases {
		if got := untilNextDay(c.at); got != c.want {
			t.Errorf("untilNextDay(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	if day(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)) != "2026-03-03" {
		t.Error("day() is not the Asia/Shanghai calendar day")
	}
}

func TestNewCodeUniform(t *testing.T) {
	// Every digit position takes every value; a biased or truncated generator (e.g.
	// one that drops leading zeros) fails this with near certainty over 2,000 codes.
	var seen [CodeLen][10]int
	for range 2000 {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != CodeLen {
			t.Fatalf("code %q has %d digits", c, len(c))
		}
		for i := range CodeLen {
			seen[i][c[i]-'0']++
		}
	}
	for i := range CodeLen {
		for d, n := range seen[i] {
			if n < 120 || n > 290 { // mean 200, σ ≈ 13.4: beyond 6σ
				t.Errorf("digit %d at position %d seen %d times in 2000 codes", d, i, n)
			}
		}
	}
}
