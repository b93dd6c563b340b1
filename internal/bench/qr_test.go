package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// A qr-idle page starts its long poll as soon as its tab is open, as the page's
// script does: a stand-in hall that opens no tab past the first qrCreateClients+1
// until a poll has arrived would fail the level if the tool opened every tab
// before polling.
func TestQRIdlePollsAsTabsOpen(t *testing.T) {
	const pages = 3 * qrCreateClients
	var tabs, polls atomic.Int64
	firstPoll := make(chan struct{})
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if tabs.Add(1) > qrCreateClients+1 {
			select {
			case <-firstPoll:
			case <-time.After(10 * time.Second):
				http.Error(w, "no page polled while the tabs opened", http.StatusInternalServerError)
				return
			}
		}
		fmt.Fprintf(w, `<input type="hidden" name="ticket" value="t%d">`, tabs.Load())
	})
	mux.HandleFunc("GET /login/qr/wait", func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		once.Do(func() { close(firstPoll) })
		select { // the hall's bound, shortened
		case <-time.After(50 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, `{"state":"waiting","label":"等待扫码"}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	idle, recs, err := holdQRIdle(context.Background(), newTarget(srv.URL), pages, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if idle.Created != pages || len(recs) != pages || idle.CreateClients != qrCreateClients {
		t.Fatalf("created %d tickets, %d pages recorded, %d openers; want %d, %d, %d",
			idle.Created, len(recs), idle.CreateClients, pages, pages, qrCreateClients)
	}
	st := summarize(recs, time.Second)
	if st.Errors != 0 || st.Refusals != 0 || st.Requests < pages {
		t.Errorf("%d polls answered, %d errors (%v), %d refusals; want at least one answered a page, none failed",
			st.Requests, st.Errors, st.FirstErrors, st.Refusals)
	}
	if idle.MostOpen < 1 || idle.MostOpen > pages {
		t.Errorf("most polls open at once %d, want 1 to %d", idle.MostOpen, pages)
	}
}

// A tab that fails ends the level with its error, and the pages opened before it
// stop polling.
func TestQRIdleStopsOnAFailedTab(t *testing.T) {
	var tabs atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if tabs.Add(1) > 5 {
			fmt.Fprint(w, `<p>二维码刷新过于频繁</p>`)
			return
		}
		fmt.Fprintf(w, `<input type="hidden" name="ticket" value="t%d">`, tabs.Load())
	})
	mux.HandleFunc("GET /login/qr/wait", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	done := make(chan error, 1)
	go func() {
		_, _, err := holdQRIdle(context.Background(), newTarget(srv.URL), 100, time.Hour)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errQRRateLimited) {
			t.Errorf("err = %v, want errQRRateLimited", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a failed tab did not end the level")
	}
}
