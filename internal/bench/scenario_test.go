package bench

import (
	"context"
	"testing"
	"time"
)

func TestLoginClientsKeepTheirAccountsWithinTheThrottlesBound(t *testing.T) {
	s, err := ParseScenario("unit-login")
	if err != nil {
		t.Fatal(err)
	}
	accounts := DemoAccounts()
	units := pick(accounts, true)
	n := maxInFlightPerAccount * len(units)
	workers, err := newWorkers(context.Background(), newTarget("http://127.0.0.1:1"), s, accounts, n, DefaultRightsMonths)
	if err != nil {
		t.Fatal(err)
	}
	// However the clients' requests interleave, no account has more than
	// maxInFlightPerAccount of them in flight: each client keeps its own account.
	per := map[Account]int{}
	for _, w := range workers {
		a := w.(*loginWorker).account
		if !a.Unit() {
			t.Errorf("a unit-login client logs in with a personal account %+v", a)
		}
		per[a]++
	}
	if len(per) != len(units) {
		t.Errorf("%d clients use %d of the %d accounts", n, len(per), len(units))
	}
	for a, k := range per {
		if k > maxInFlightPerAccount {
			t.Errorf("%d clients log in to %s %s, more than the %d the throttle lets through at once", k, a.Account, a.Login, maxInFlightPerAccount)
		}
	}
	if maxInFlightPerAccount < 1 {
		t.Fatalf("the login-account throttle's captcha bound is %d", maxInFlightPerAccount)
	}
}

func TestParseScenario(t *testing.T) {
	for name, want := range map[string]Scenario{
		"unit-login":    {Name: "unit-login", Login: "/login/unit"},
		"person-login":  {Name: "person-login", Login: "/login/person"},
		"page:/catalog": {Name: "page:/catalog", Paths: []string{"/catalog"}},
	} {
		got, err := ParseScenario(name)
		if err != nil || got.Name != want.Name || got.Login != want.Login || len(got.Paths) != len(want.Paths) {
			t.Errorf("ParseScenario(%q) = %+v, %v", name, got, err)
		}
	}
	if mix, err := ParseScenario("mix"); err != nil || !mix.Mix || len(mix.Paths) < 5 {
		t.Errorf("mix = %+v, %v", mix, err)
	}
	if tabs, err := ParseScenario("info-tabs"); err != nil || len(tabs.Paths) != 10 || tabs.Rights {
		t.Errorf("info-tabs = %+v, %v", tabs, err)
	}
	if rights, err := ParseScenario("rights-record"); err != nil || !rights.Rights || rights.Paths != nil || rights.Login != "" {
		t.Errorf("rights-record = %+v, %v", rights, err)
	}
	for _, bad := range []string{"", "page:", "page:unit", "login"} {
		if _, err := ParseScenario(bad); err == nil {
			t.Errorf("ParseScenario(%q) accepted", bad)
		}
	}
	if need, unit := signedIn("/unit/items"); !need || !unit {
		t.Error("/unit/items needs a unit session")
	}
	if need, unit := signedIn("/me"); !need || unit {
		t.Error("/me needs a personal session")
	}
	if need, _ := signedIn("/catalog"); need {
		t.Error("/catalog is public")
	}
}

// TestRightsPeriod: the period is the last full months before this month in
// China, whose month may already have turned when it has not in UTC.
func TestRightsPeriod(t *testing.T) {
	for _, c := range []struct {
		now      time.Time
		months   int
		from, to string
	}{
		{time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC), 12, "2025-12", "2026-11"},
		{time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), 12, "2026-01", "2026-12"}, // 01:00 on 1 January in China
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 1, "2026-02", "2026-02"},
	} {
		if from, to := rightsPeriod(c.now, c.months); from != c.from || to != c.to {
			t.Errorf("rightsPeriod(%v, %d) = %s–%s, want %s–%s", c.now, c.months, from, to, c.from, c.to)
		}
	}
	for _, n := range []int{0, 37, -1} {
		if err := (Config{URL: "http://x", Clients: []int{1}, Duration: time.Second, Scenario: Scenario{Name: "rights-record", Rights: true},
			RightsMonths: n}).Validate(); (err == nil) != (n == 0) {
			t.Errorf("RightsMonths %d: %v", n, err)
		}
	}
}
