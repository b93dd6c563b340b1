package bench

import (
	"net/netip"
	"testing"
)

func TestQRScenarios(t *testing.T) {
	for name, want := range map[string]string{"qr-login": "login", "qr-idle": "idle"} {
		s, err := ParseScenario(name)
		if err != nil || s.QR != want || s.Login != "" || len(s.Paths) != 0 {
			t.Errorf("%s: %+v, %v", name, s, err)
		}
	}
	cfg := Config{URL: "http://127.0.0.1:1", Scenario: Scenario{Name: "qr-idle", QR: "idle"}, Rates: []float64{10},
		MaxInFlight: 1, Duration: 1}
	if err := cfg.Validate(); err == nil {
		t.Error("qr-idle with a rate is accepted")
	}
}

// The visitors' addresses are distinct and inside 198.18.0.0/15.
func TestQRAddresses(t *testing.T) {
	bench := netip.MustParsePrefix("198.18.0.0/15")
	seen := map[string]bool{}
	for range 1 << 17 {
		a := nextQRAddress()
		ip, err := netip.ParseAddr(a)
		if err != nil || !bench.Contains(ip) {
			t.Fatalf("address %q outside %s (%v)", a, bench, err)
		}
		if seen[a] {
			t.Fatalf("address %s twice within %d", a, len(seen))
		}
		seen[a] = true
	}
}

// The patterns match the pages' markup (login.html's 扫码登录 form, the app's
// unit choices), and a disabled unit is not taken for a usable one.
func TestQRPagePatterns(t *testing.T) {
	if m := qrTicketField.FindStringSubmatch(`<input type="hidden" name="ticket" value="abc_DEF-123">`); m == nil || m[1] != "abc_DEF-123" {
		t.Errorf("ticket: %q", m)
	}
	screen := `<input id="f-unit-0" name="unit" type="radio" value="7" disabled aria-describedby="f-unit-0-why">` +
		`<input id="f-unit-1" name="unit" type="radio" value="9">`
	if m := qrUsableUnit.FindStringSubmatch(screen); m == nil || m[1] != "9" {
		t.Errorf("usable unit: %q", m)
	}
	if m := qrState.FindStringSubmatch(`{"state":"waiting","label":"等待扫码"}`); m == nil || m[1] != "waiting" {
		t.Errorf("state: %q", m)
	}
}
