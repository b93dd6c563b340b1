package throttle

import (
	"context"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// step is one move of a threshold scenario.
type step struct {
	wait   time.Duration // advance the clock first
	do     string        // "wrong", "right", "open" (Begin, never reported), "cancel" (Begin, Cancel), "status"
	solved bool          // WithCaptchaSolved
	want   string        // Begin: "ok", "captcha", "locked"; status: "free", "captcha", "locked"
}

func wrong(solved bool, want string) step { return step{do: "wrong", solved: solved, want: want} }
func right(solved bool, want string) step { return step{do: "right", solved: solved, want: want} }
func see(want string) step                { return step{do: "status", want: want} }
func after(d time.Duration, s step) step  { s.wait = d; return s }

// repeat returns n copies of s.
func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func seq(parts ...any) []step {
	var out []step
	for _, p := range parts {
		switch p := p.(type) {
		case step:
			out = append(out, p)
		case []step:
			out = append(out, p...)
		}
	}
	return out
}

// fiveWrong locks an account with the default limits: three failures without a
// captcha, two with.
var fiveWrong = seq(repeat(3, wrong(false, "ok")), repeat(2, wrong(true, "ok")))

func TestThresholds(t *testing.T) {
	custom := Scope("custom-test")
	cases := []struct {
		name  string
		scope Scope
		steps []step
	}{
		{"captcha after 3 failures; refusals are not counted", ScopeLoginAccount, seq(
			wrong(false, "ok"), wrong(false, "ok"), see("free"), wrong(false, "ok"), see("captcha"),
			repeat(10, wrong(false, "captcha")),
			wrong(true, "ok"), see("captcha"), // 4: still one to go
		)},
		{"lock after 5 failures", ScopeLoginAccount, seq(
			fiveWrong, see("locked"), wrong(true, "locked"), right(true, "locked"),
		)},
		{"unlock after 10 minutes, counting from zero", ScopeLoginAccount, seq(
			fiveWrong,
			after(10*time.Minute-time.Microsecond, wrong(true, "locked")),
			after(time.Microsecond, see("free")),
			wrong(false, "ok"), wrong(false, "ok"), wrong(false, "ok"), wrong(false, "captcha"),
		)},
		{"locked stays locked for the right password until LockFor passes", ScopeLoginAccount, seq(
			fiveWrong,
			repeat(9, after(time.Minute, right(true, "locked"))),
			after(59*time.Second, right(true, "locked")),
			after(time.Second, right(false, "ok")),
			see("free"), // the success reset the count
			wrong(false, "ok"), wrong(false, "ok"), see("free"),
		)},
		{"window expiry forgets old failures", ScopeLoginAccount, seq(
			wrong(false, "ok"), wrong(false, "ok"),
			after(15*time.Minute-time.Second, wrong(false, "ok")), see("captcha"),
			after(time.Second, see("free")), // 15 minutes since the window began
			wrong(false, "ok"), wrong(false, "ok"), wrong(false, "ok"), wrong(false, "captcha"),
			wrong(true, "ok"), wrong(true, "ok"), see("locked"),
		)},
		{"success resets", ScopeLoginAccount, seq(
			repeat(2, wrong(false, "ok")), right(false, "ok"), see("free"),
			repeat(3, wrong(false, "ok")), wrong(false, "captcha"), wrong(true, "ok"), see("captcha"),
			wrong(true, "ok"), see("locked"),
		)},
		{"the attempt that reaches the limit may still succeed", ScopeLoginAccount, seq(
			repeat(3, wrong(false, "ok")), wrong(true, "ok"), right(true, "ok"), see("free"),
		)},
		{"an unreported attempt counts as a failure", ScopeLoginAccount, seq(
			repeat(3, step{do: "open", want: "ok"}), wrong(false, "captcha"),
			repeat(2, step{do: "open", solved: true, want: "ok"}), see("locked"),
		)},
		{"a cancelled attempt is given back", ScopeLoginAccount, seq(
			repeat(20, step{do: "cancel", want: "ok"}), see("free"),
			repeat(3, wrong(false, "ok")), see("captcha"),
		)},
		{"cancelling the attempt that reached the limit lifts its lock", ScopeLoginAccount, seq(
			repeat(3, wrong(false, "ok")), wrong(true, "ok"),
			step{do: "cancel", solved: true, want: "ok"}, see("captcha"),
			wrong(true, "ok"), see("locked"),
		)},
		{"address limits: captcha after 10 failures, never a lock", ScopeLoginAddr, seq(
			repeat(10, wrong(false, "ok")), wrong(false, "captcha"), right(false, "captcha"),
			repeat(60, wrong(true, "ok")), see("captcha"), right(true, "ok"), see("captcha"),
			after(15*time.Minute, see("free")), wrong(false, "ok"),
		)},
		{"address: attempts in flight and cancelled ones are not counted", ScopeLoginAddr, seq(
			repeat(30, step{do: "open", want: "ok"}), see("free"),
			repeat(30, step{do: "cancel", want: "ok"}), see("free"),
			repeat(9, wrong(false, "ok")), see("free"), wrong(false, "ok"), see("captcha"),
		)},
		{"address success gives back only its own attempt", ScopeLoginAddr, seq(
			repeat(9, wrong(false, "ok")), right(false, "ok"), see("free"),
			wrong(false, "ok"), see("captcha"),
		)},
		{"sms sends count whatever the outcome", ScopeSMSSend, seq(
			repeat(3, right(false, "ok")), right(false, "captcha"), repeat(2, right(true, "ok")), see("locked"),
			after(time.Hour, right(false, "ok")),
		)},
		{"lock on the first attempt when LockAfter is 1", custom, seq(
			wrong(false, "ok"), see("locked"), right(true, "locked"),
			after(time.Minute, right(false, "ok")), see("free"),
		)},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ids := people(1, len(cases))
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				clock := newClock()
				th := New(db, Config{Secret: testSecret, Scopes: map[Scope]Limits{
					custom: {CaptchaAfter: 1, LockAfter: 1, LockFor: time.Minute, Window: time.Hour},
				}}, clock.Now)
				key := th.AccountKey(c.scope, ids[i])
				for n, s := range c.steps {
					clock.Add(s.wait)
					got := runStep(t, th, key, s)
					if got != s.want {
						t.Fatalf("step %d (%s, solved=%v): got %s, want %s", n+1, s.do, s.solved, got, s.want)
					}
				}
			})
		}
	})
}

// runStep performs s on key and names the outcome.
func runStep(t *testing.T, th *Throttle, key Key, s step) string {
	t.Helper()
	ctx := context.Background()
	keys := []Key{key}
	switch s.do {
	case "wrong", "right":
		return errName(attempt(t, th, keys, s.solved, s.do == "right"))
	case "open", "cancel":
		var opts []Option
		if s.solved {
			opts = append(opts, WithCaptchaSolved())
		}
		tk, err := th.Begin(ctx, keys, opts...)
		if err == nil && s.do == "cancel" {
			if err := tk.Cancel(ctx); err != nil {
				t.Fatalf("Cancel: %v", err)
			}
		}
		return errName(err)
	case "status":
		st := status(t, th, keys...)
		switch {
		case st.Locked():
			return "locked"
		case st.CaptchaRequired:
			return "captcha"
		}
		return "free"
	}
	t.Fatalf("unknown step %q", s.do)
	return ""
}
