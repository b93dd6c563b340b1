package sms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestSendFailure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{MaxPerMobilePerDay: 3})
		mobile := mobiles(10, 1)[0]
		req := Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"}
		_, code1 := f.issue(t, req)
		f.clock.Add(time.Minute)

		// Transient: the old code keeps working, and neither the window nor the daily
		// count is used up.
		f.outbox.FailNext(errors.New("connection reset"))
		_, err := f.codes.Issue(ctx, req)
		wantErr(t, "transient failure", err, ErrUnavailable)
		if errors.Is(err, ErrUndeliverable) || UserMessage(err) != "短信发送失败，请稍后再试" {
			t.Fatalf("transient failure: %v (%q)", err, UserMessage(err))
		}
		if n := count(t, db, "sms_codes", "state = 'failed'"); n != 1 {
			t.Fatalf("failed codes = %d, want 1", n)
		}
		wantErr(t, "old code after failed resend", f.codes.Check(ctx, "login", "s", mobile, code1), nil)
		_, code2 := f.issue(t, req) // at once: the window was given back
		f.clock.Add(time.Minute)
		_, code3 := f.issue(t, req) // third of three: the failed send was not counted
		if code2 != code3 {
			wantErr(t, "superseded code", f.codes.Check(ctx, "login", "s", mobile, code2), ErrCodeInvalid)
		}
		wantErr(t, "latest code", f.codes.Check(ctx, "login", "s", mobile, code3), nil)

		// Permanent: counted, and the window stays closed.
		f.clock.Add(24 * time.Hour)
		f.outbox.FailNext(fmt.Errorf("%w: number blocked", ErrUndeliverable))
		_, err = f.codes.Issue(ctx, req)
		wantErr(t, "permanent failure", err, ErrUndeliverable)
		if strings.Contains(err.Error(), mobile) {
			t.Fatalf("error names the full mobile: %v", err)
		}
		_, err = f.codes.Issue(ctx, req)
		wantErr(t, "after a permanent failure", err, ErrTooSoon)
		if n := count(t, db, "sms_codes", "state IN ('active', 'pending')"); n != 0 {
			t.Fatalf("%d codes usable or pending after failures", n)
		}
	})
}

func TestIssueRefusesBadRequests(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	f := newFixture(t, db, CodeConfig{})
	mobile := mobiles(11, 1)[0]
	cases := []struct {
		name string
		req  Request
		want error
	}{
		{"bad mobile", Request{Purpose: "login", Binding: "s", Mobile: "12345678901", ClientAddr: "198.51.100.7"}, ident.ErrMobileFormat},
		{"no purpose", Request{Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"}, ErrInvalidRequest},
		{"bad purpose", Request{Purpose: "Login!", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"}, ErrInvalidRequest},
		{"no binding", Request{Purpose: "login", Mobile: mobile, ClientAddr: "198.51.100.7"}, ErrInvalidRequest},
		{"long binding", Request{Purpose: "login", Binding: strings.Repeat("b", maxBinding+1), Mobile: mobile, ClientAddr: "198.51.100.7"}, ErrInvalidRequest},
		{"no address", Request{Purpose: "login", Binding: "s", Mobile: mobile}, ErrInvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.codes.Issue(context.Background(), c.req)
			wantErr(t, c.name, err, c.want)
		})
	}
	if n := count(t, db, "sms_outbox", ""); n != 0 {
		t.Fatalf("a refused request sent %d messages", n)
	}
	wantErr(t, "Check with a bad purpose", f.codes.Check(context.Background(), "", "s", mobile, "123456"), ErrInvalidRequest)
	wantErr(t, "Check without binding", f.codes.Check(context.Background(), "login", "", mobile, "123456"), ErrInvalidRequest)
}

func TestPurge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		ms := mobiles(12, 2)
		f.issue(t, Request{Purpose: "login", Binding: "old", Mobile: ms[0], ClientAddr: "198.51.100.7"})
		f.clock.Add(FlowRetention)
		_, code := f.issue(t, Request{Purpose: "login", Binding: "new", Mobile: ms[1], ClientAddr: "198.51.100.8"})
		f.clock.Add(time.Second)
		if err := f.codes.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "sms_flows", ""); n != 1 {
			t.Fatalf("flows after purge = %d, want 1", n)
		}
		if n := count(t, db, "sms_codes", ""); n != 1 {
			t.Fatalf("codes after purge = %d, want 1", n)
		}
		if n := count(t, db, "sms_mobile_rate", "mobile_index = ?", db.Keys().Index(sealed.KindMobile, ms[0])); n != 0 {
			t.Fatalf("yesterday's mobile rate row kept")
		}
		if n := count(t, db, "sms_mobile_rate", "mobile_index = ?", db.Keys().Index(sealed.KindMobile, ms[1])); n != 1 {
			t.Fatalf("today's mobile rate rows = %d, want 1", n)
		}
		if n := count(t, db, "sms_addr_rate", ""); n != 1 {
			t.Fatalf("address rate rows after purge = %d, want 1", n)
		}
		wantErr(t, "code of a kept flow", f.codes.Check(ctx, "login", "new", ms[1], code), nil)
	})
}

// TestWithhold: a withheld send is counted, sets the resend window and leaves an
// active code with its flow, exactly as a real one, but texts nobody.
func TestWithhold(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		ms := mobiles(12, 2)
		real := Request{Purpose: "login", Binding: "a", Mobile: ms[0], ClientAddr: "198.51.100.8"}
		held := Request{Purpose: "login", Binding: "b", Mobile: ms[1], ClientAddr: "198.51.100.9", Withhold: true}
		isReal, _ := f.issue(t, real)
		isHeld, err := f.codes.Issue(ctx, held)
		if err != nil {
			t.Fatalf("withheld send: %v", err)
		}
		if !isHeld.ResendAt.Equal(isReal.ResendAt) || !isHeld.ExpiresAt.Equal(isReal.ExpiresAt) {
			t.Fatalf("withheld %+v, real %+v", isHeld, isReal)
		}
		if n := f.sentTo(t, ms[1]); n != 0 {
			t.Fatalf("withheld send texted %d messages", n)
		}
		if n := count(t, db, "sms_codes", "state = 'active'"); n != 2 {
			t.Fatalf("%d active codes, want 2", n)
		}
		f.clock.Add(20 * time.Second)
		for _, r := range []Request{real, held} {
			r.Purpose = "register" // the window is per mobile, across purposes
			var re *RateError
			if _, err := f.codes.Issue(ctx, r); !errors.As(err, &re) || re.Reason != ReasonResend || re.RetryAfter != 40*time.Second {
				t.Fatalf("send to %s within the window: %v", r.Mobile, err)
			}
		}
		// Wrong codes count in the withheld flow as in a real one.
		for range f.codes.Config().MaxAttempts - 1 {
			wantErr(t, "wrong code", f.codes.Check(ctx, "login", "b", ms[1], "000000"), ErrCodeInvalid)
		}
		wantErr(t, "last wrong code", f.codes.Check(ctx, "login", "b", ms[1], "000000"), ErrTooManyAttempts)
	})
}
