package qrlogin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/delegation"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/throttle"
	"hall/internal/token"
	"hall/internal/verify"
)

// TestCreate: a ticket is waiting, describes the asking browser without its raw
// User-Agent or full address, stores neither its ID nor its binding, and refuses an
// unknown kind or a malformed binding.
func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		b := browser()
		tk := f.create(t, KindUnit, b)
		if !ValidID(tk.ID) || tk.State != StateWaiting || tk.Kind != KindUnit {
			t.Fatalf("created %+v", tk)
		}
		if tk.Device != "Windows 电脑 · Chrome" || tk.Place != "203.0.113.*" {
			t.Errorf("asking browser shown as %q at %q", tk.Device, tk.Place)
		}
		if !tk.CreatedAt.Equal(store.Time(t0)) || !tk.ExpiresAt.Equal(store.Time(t0.Add(DefaultTTL))) {
			t.Errorf("created %v, expires %v", tk.CreatedAt, tk.ExpiresAt)
		}
		var n int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM qr_tickets WHERE id_hash = ? AND binding_hash = ?`,
			token.Hash(tk.ID), token.Hash(b)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("stored by hashes: %d, %v", n, err)
		}
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM qr_tickets WHERE id_hash = ? OR binding_hash = ? OR device LIKE '%Mozilla%'`,
			tk.ID, b).Scan(&n); err != nil || n != 0 {
			t.Fatalf("a secret or the raw User-Agent is stored: %d, %v", n, err)
		}
		got, err := f.svc.Status(f.ctx, tk.ID, b)
		if err != nil || got.ID != tk.ID || got.Device != tk.Device || !got.ExpiresAt.Equal(tk.ExpiresAt) {
			t.Fatalf("status %+v, %v", got, err)
		}
		for _, r := range []Request{
			{Kind: "staff", Binding: b},
			{Kind: KindPerson, Binding: ""},
			{Kind: KindPerson, Binding: "short"},
			{Kind: KindPerson, Binding: strings.Repeat("a", 65)},
			{Kind: KindPerson, Binding: b[:30] + "\x00" + b[31:]},
		} {
			if _, err := f.svc.Create(f.ctx, r); !errors.Is(err, ErrInvalid) {
				t.Errorf("Create(%q, %q): %v, want ErrInvalid", r.Kind, r.Binding, err)
			}
		}
	})
}

// TestCreateRateLimit: tickets are counted per client address; past the limit the
// address is refused until the window ends, with the time to show, while another
// address goes on.
func TestCreateRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		f.limits = throttle.Limits{Mode: throttle.ModeReserve, CaptchaAfter: 3, LockAfter: 3, LockFor: 10 * time.Minute,
			Window: 10 * time.Minute, OnSuccess: throttle.KeepOnSuccess}
		f.svc = f.service(t, db, Config{})
		for i := range 3 {
			if _, err := f.svc.Create(f.ctx, Request{Kind: KindPerson, Binding: browser(), ClientAddr: pcAddr}); err != nil {
				t.Fatalf("ticket %d: %v", i+1, err)
			}
		}
		_, err := f.svc.Create(f.ctx, Request{Kind: KindPerson, Binding: browser(), ClientAddr: pcAddr})
		var r *RateError
		if !errors.Is(err, ErrRateLimited) || !errors.As(err, &r) || r.Until.Before(f.clk.Now()) {
			t.Fatalf("the fourth ticket: %v", err)
		}
		if want := r.Until.In(chinatime.Zone).Format("15:04"); !strings.Contains(Message(err), want) {
			t.Errorf("message %q does not say %s", Message(err), want)
		}
		if _, err := f.svc.Create(f.ctx, Request{Kind: KindPerson, Binding: browser(), ClientAddr: "198.51.100.99"}); err != nil {
			t.Fatalf("another address: %v", err)
		}
		f.clk.Add(10 * time.Minute)
		if _, err := f.svc.Create(f.ctx, Request{Kind: KindPerson, Binding: browser(), ClientAddr: pcAddr}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// TestSweep deletes tickets long expired, whatever their state, and keeps the rest.
func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		p := f.person(t)
		old := f.reach(t, fromConfirmed, browser(), p)
		f.reach(t, fromCancelled, browser(), p)
		f.clk.Add(time.Hour)
		fresh := f.create(t, KindPerson, browser())
		n, err := f.svc.Sweep(f.ctx, 30*time.Minute)
		if err != nil || n != 2 {
			t.Fatalf("swept %d, %v; want 2", n, err)
		}
		var left int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM qr_tickets WHERE id_hash = ?`, token.Hash(fresh.ID)).Scan(&left); err != nil || left != 1 {
			t.Fatalf("the live ticket: %d, %v", left, err)
		}
		if _, err := f.svc.Scan(f.ctx, old.ID, p); !errors.Is(err, ErrNotFound) {
			t.Errorf("a swept ticket: %v", err)
		}
	})
}

// TestMessages: every refusal has a Chinese sentence for the page, a denial its own
// reason, and anything else a generic one that reveals nothing.
func TestMessages(t *testing.T) {
	for _, e := range []*Error{ErrNotFound, ErrExpired, ErrOtherPerson, ErrNotScanned, ErrDecided, ErrUnitChoice,
		ErrNotUsable, ErrPending, ErrCancelled, ErrUsed, ErrTooManyWaiters, ErrRateLimited} {
		if m := Message(e); m == "" || m == Message(errors.New("x")) || !strings.ContainsFunc(m, isHan) {
			t.Errorf("%s: message %q", e.Code, m)
		}
	}
	d := &delegation.Denial{Reason: delegation.ReasonExpired, Msg: delegation.ReasonExpired.Message()}
	if got := Message(errors.Join(ErrNotUsable, d)); got != d.Msg {
		t.Errorf("denial: %q", got)
	}
	if got := Message(errors.New("pq: connection refused")); strings.Contains(got, "pq") {
		t.Errorf("a database failure leaks: %q", got)
	}
	for s, want := range map[State]bool{StateWaiting: false, StateScanned: false, StateConfirmed: false,
		StateCancelled: true, StateConsumed: true, StateExpired: true} {
		if s.Label() == "" || s.Final() != want {
			t.Errorf("%s: label %q, final %v", s, s.Label(), s.Final())
		}
	}
	if got := Link("https://hall.example.gov.cn/", "abc"); got != "https://hall.example.gov.cn/app/qr/abc" {
		t.Errorf("Link: %s", got)
	}
	if verify.DescribeDevice(pcUA) != "Windows 电脑 · Chrome" {
		t.Error("the device summary changed; TestCreate's expectation with it")
	}
}

func isHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }

// TestConfigValidate: zero takes the defaults; values out of range are refused.
func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c := (Config{}).withDefaults(); c.TTL != 2*time.Minute || c.WaitMax != 25*time.Second || c.MaxWaiters != 10000 {
		t.Errorf("defaults: %+v", c)
	}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"ticket too short", Config{TTL: 5 * time.Second}, "ticket TTL"},
		{"ticket too long", Config{TTL: time.Hour}, "ticket TTL"},
		{"negative ticket", Config{TTL: -time.Minute}, "ticket TTL"},
		{"consume window", Config{ConsumeWindow: time.Hour}, "consume window"},
		{"wait beyond proxies", Config{WaitMax: 5 * time.Minute}, "wait max"},
		{"wait too short", Config{WaitMax: time.Millisecond}, "wait max"},
		{"no waiters", Config{MaxWaiters: -1}, "max waiters"},
		{"poll too fast", Config{PollInterval: time.Millisecond}, "poll interval"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
