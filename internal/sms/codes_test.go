package sms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestIssueAndCheck(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(1, 1)[0]
		req := Request{Purpose: "register", Binding: "flow-1", Mobile: mobile, ClientAddr: "198.51.100.7"}
		now := f.clock.Now().UTC()
		is, code := f.issue(t, req)
		if is.ID <= 0 || !is.ExpiresAt.Equal(now.Add(5*time.Minute)) || !is.ResendAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("Issued = %+v, now %v", is, now)
		}
		msg, err := f.outbox.Latest(ctx, mobile)
		if err != nil {
			t.Fatal(err)
		}
		want := "【示范省人社】您的验证码为" + code + "，5分钟内有效。请勿告诉他人。"
		if msg.Text != want || msg.Purpose != "register" || msg.Mobile != mobile {
			t.Fatalf("outbox message = %+v, want text %q", msg, want)
		}
		// Only the keyed hash of the code and the hash of the binding are stored.
		if n := count(t, db, "sms_codes", "code_hash = ? AND state = 'active'", f.codes.codeHash("register", "flow-1", mobile, code)); n != 1 {
			t.Fatalf("active codes with the expected hash = %d, want 1", n)
		}
		if n := count(t, db, "sms_flows", "binding_hash = ?", bindingHash("flow-1")); n != 1 {
			t.Fatalf("flows with the binding's hash = %d, want 1", n)
		}

		f.clock.Add(4*time.Minute + 59*time.Second)
		wantErr(t, "right code", f.codes.Check(ctx, "register", "flow-1", mobile, code), nil)
		wantErr(t, "reuse", f.codes.Check(ctx, "register", "flow-1", mobile, code), ErrCodeInvalid)
	})
}

func TestCheckWrongThenRight(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(2, 1)[0]
		_, code := f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"})
		wantErr(t, "wrong code", f.codes.Check(ctx, "login", "s", mobile, wrong(code)), ErrCodeInvalid)
		if n := count(t, db, "sms_flows", "failures = 1"); n != 1 {
			t.Fatalf("flows with one failure = %d, want 1", n)
		}
		// Typed the way a phone keyboard in full-width mode and a paste produce it.
		wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, code)
		wantErr(t, "full-width right code", f.codes.Check(ctx, "login", "s", "+86 "+mobile, " "+wide[:9]+" "+wide[9:]+"\n"), nil)
		if n := count(t, db, "sms_flows", "failures = 0"); n != 1 {
			t.Fatalf("success did not reset the failure count")
		}
	})
}

func TestCheckExpired(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(3, 1)[0]
		_, code := f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"})
		f.clock.Add(5 * time.Minute)
		wantErr(t, "expired right code", f.codes.Check(ctx, "login", "s", mobile, code), ErrCodeExpired)
		wantErr(t, "expired wrong code", f.codes.Check(ctx, "login", "s", mobile, wrong(code)), ErrCodeExpired)
		if n := count(t, db, "sms_flows", "failures > 0"); n != 0 {
			t.Fatalf("checks of an expired code counted as failures")
		}
		// A new code works.
		_, code2 := f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"})
		wantErr(t, "new code", f.codes.Check(ctx, "login", "s", mobile, code2), nil)
	})
}

func TestResendTooSoon(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(4, 1)[0]
		req := Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"}
		_, code1 := f.issue(t, req)
		f.clock.Add(30 * time.Second)
		for _, r := range []Request{req, {Purpose: "register", Binding: "other", Mobile: mobile, ClientAddr: "203.0.113.9"}} {
			_, err := f.codes.Issue(ctx, r)
			var re *RateError
			if !errors.As(err, &re) || re.Reason != ReasonResend || re.RetryAfter != 30*time.Second || !errors.Is(err, ErrTooSoon) {
				t.Fatalf("Issue 30 s later (%s): %v, want a 30 s ErrTooSoon", r.Purpose, err)
			}
			if got := UserMessage(err); got != "验证码发送过于频繁，请30秒后再试" {
				t.Fatalf("UserMessage = %q", got)
			}
		}
		if n := count(t, db, "sms_outbox", ""); n != 1 {
			t.Fatalf("outbox has %d messages, want 1", n)
		}
		if n := count(t, db, "sms_flows", ""); n != 1 {
			t.Fatalf("a refused Issue left a flow row (%d flows)", n)
		}
		f.clock.Add(30 * time.Second)
		_, code2 := f.issue(t, req)
		if code1 != code2 {
			wantErr(t, "superseded code", f.codes.Check(ctx, "login", "s", mobile, code1), ErrCodeInvalid)
		}
		wantErr(t, "new code", f.codes.Check(ctx, "login", "s", mobile, code2), nil)
	})
}

func TestDailyLimitPerMobile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		// 22:00 Asia/Shanghai: ten sends fit before midnight.
		f.clock.Set(time.Date(2026, 3, 2, 22, 0, 0, 0, chinatime.Zone))
		mobile := mobiles(5, 1)[0]
		for i := range 10 {
			f.issue(t, Request{Purpose: "login", Binding: fmt.Sprint("s", i), Mobile: mobile, ClientAddr: fmt.Sprint("198.51.100.", i)})
			f.clock.Add(61 * time.Second)
		}
		_, err := f.codes.Issue(ctx, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.99"})
		var re *RateError
		if !errors.As(err, &re) || re.Reason != ReasonMobileDaily || !errors.Is(err, ErrDailyLimit) || errors.Is(err, ErrTooSoon) {
			t.Fatalf("11th Issue: %v, want the mobile's ErrDailyLimit", err)
		}
		midnight := time.Date(2026, 3, 3, 0, 0, 0, 0, chinatime.Zone)
		if want := midnight.Sub(f.clock.Now()); re.RetryAfter != want {
			t.Fatalf("RetryAfter = %v, want %v (until midnight Asia/Shanghai)", re.RetryAfter, want)
		}
		if got := UserMessage(err); got != "今日验证码发送次数已达上限" {
			t.Fatalf("UserMessage = %q", got)
		}
		// 23:59:59 Shanghai is 15:59:59 UTC: still the same day.
		f.clock.Set(midnight.Add(-time.Second))
		_, err = f.codes.Issue(ctx, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.99"})
		wantErr(t, "one second before midnight", err, ErrDailyLimit)
		f.clock.Set(midnight)
		f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.99"})
	})
}

func TestDailyLimitPerAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{MaxPerAddressPerDay: 3})
		ms := mobiles(6, 8)
		// Different IPv6 addresses in one /64 count as one client.
		addrs := []string{"2001:db8:1:2::10", "[2001:db8:1:2::11]:4431", "2001:db8:1:2:ffff::1"}
		for i, a := range addrs {
			f.issue(t, Request{Purpose: "register", Binding: "b", Mobile: ms[i], ClientAddr: a})
		}
		_, err := f.codes.Issue(ctx, Request{Purpose: "register", Binding: "b", Mobile: ms[3], ClientAddr: "2001:db8:1:2::99"})
		var re *RateError
		if !errors.As(err, &re) || re.Reason != ReasonAddressDaily || !errors.Is(err, ErrDailyLimit) {
			t.Fatalf("4th Issue from the /64: %v, want the address's ErrDailyLimit", err)
		}
		// The refusal did not touch the mobile: it can get a code from elsewhere now.
		f.issue(t, Request{Purpose: "register", Binding: "b", Mobile: ms[3], ClientAddr: "2001:db8:1:3::1"})
		// IPv4 and its IPv6-mapped form are one client.
		for i, a := range []string{"198.51.100.7", "::ffff:198.51.100.7", "198.51.100.7:50000"} {
			f.issue(t, Request{Purpose: "register", Binding: "b", Mobile: ms[4+i], ClientAddr: a})
		}
		_, err = f.codes.Issue(ctx, Request{Purpose: "register", Binding: "b", Mobile: ms[7], ClientAddr: "198.51.100.7"})
		wantErr(t, "4th Issue from one IPv4", err, ErrDailyLimit)
		// The next Asia/Shanghai day (16:00 UTC) resets the count.
		f.clock.Set(time.Date(2026, 3, 3, 0, 0, 1, 0, chinatime.Zone))
		f.issue(t, Request{Purpose: "register", Binding: "b", Mobile: ms[7], ClientAddr: "198.51.100.7"})
	})
}

func TestBindingMismatchRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		ms := mobiles(7, 2)
		_, code := f.issue(t, Request{Purpose: "change-mobile", Binding: "session-A", Mobile: ms[0], ClientAddr: "198.51.100.7"})
		others := []struct{ purpose, binding, mobile string }{
			{"change-mobile", "session-B", ms[0]},
			{"change-mobile", "session-a", ms[0]},
			{"login", "session-A", ms[0]},
			{"change-mobile", "session-A", ms[1]},
			{"change-mobile", "session-A", "not a mobile"},
		}
		for _, o := range others {
			for range 6 { // more than MaxAttempts: none of it may count against session-A
				wantErr(t, fmt.Sprintf("check as %v", o), f.codes.Check(ctx, o.purpose, o.binding, o.mobile, code), ErrCodeInvalid)
			}
		}
		wantErr(t, "right flow", f.codes.Check(ctx, "change-mobile", "session-A", ms[0], code), nil)
	})
}

func TestAttemptsNotResetByNewCode(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(8, 1)[0]
		req := Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"}
		_, code := f.issue(t, req)
		for i := range 3 {
			wantErr(t, fmt.Sprint("wrong ", i+1), f.codes.Check(ctx, "login", "s", mobile, wrong(code)), ErrCodeInvalid)
		}
		f.clock.Add(time.Minute)
		_, code = f.issue(t, req)
		wantErr(t, "wrong 4", f.codes.Check(ctx, "login", "s", mobile, wrong(code)), ErrCodeInvalid)
		wantErr(t, "wrong 5", f.codes.Check(ctx, "login", "s", mobile, wrong(code)), ErrTooManyAttempts)
		err := f.codes.Check(ctx, "login", "s", mobile, code)
		wantErr(t, "right code after 5 wrong", err, ErrTooManyAttempts)
		// The account packages show FieldMessage beside the code field.
		var fm interface{ FieldMessage() string }
		var fe *ident.FieldError
		if !errors.As(err, &fm) || fm.FieldMessage() != "验证码错误次数过多，请重新获取" || !errors.As(err, &fe) || fe.Code != CodeTooManyAttempts {
			t.Fatalf("Check error %v: FieldMessage or FieldError missing", err)
		}
		if got := UserMessage(ErrTooManyAttempts); got != "验证码错误次数过多，请重新获取" {
			t.Fatalf("UserMessage = %q", got)
		}
		// No SMS for a dead flow; a new flow starts afresh.
		f.clock.Add(time.Minute)
		_, err = f.codes.Issue(ctx, req)
		wantErr(t, "Issue on a dead flow", err, ErrTooManyAttempts)
		req.Binding = "s2"
		_, code = f.issue(t, req)
		wantErr(t, "new flow", f.codes.Check(ctx, "login", "s2", mobile, code), nil)
	})
}

func TestMalformedCodeNotCounted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(9, 1)[0]
		_, code := f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"})
		for _, bad := range []string{"", "12345", "1234567", "12a456", "١٢٣٤٥٦", code + "0", "abcdef"} {
			wantErr(t, fmt.Sprintf("code %q", bad), f.codes.Check(ctx, "login", "s", mobile, bad), ErrCodeInvalid)
		}
		wantErr(t, "right code", f.codes.Check(ctx, "login", "s", mobile, code), nil)
	})
}
