package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/web/webtest"
)

// TestServeAnswersQRWaitsAtShutdown: a 扫码登录 page waiting on its long poll when
// `hall serve` is stopped gets an answer at once — its ticket still waiting, so it
// polls again — rather than a reset or an answer at the wait's bound (the poll's
// connection is detached, and net/http's Shutdown does not see it); serve then
// stops cleanly.
func TestServeAnswersQRWaitsAtShutdown(t *testing.T) {
	h := startServe(t, "--data-dir", t.TempDir())
	base := h.base

	page, ticket := webtest.OpenQRLoginPage(t, base, 60*time.Second)
	type answer struct {
		status int
		state  string
		err    error
	}
	polled := make(chan answer, 1)
	go func() {
		resp, err := page.Get(base + "/login/qr/wait?ticket=" + url.QueryEscape(ticket) + "&seen=waiting")
		if err != nil {
			polled <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var a struct {
			State string `json:"state"`
		}
		err = json.NewDecoder(resp.Body).Decode(&a)
		polled <- answer{resp.StatusCode, a.State, err}
	}()
	// The operations listener's gauge says when the poll is waiting.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(scrape(t, h.adminBase+"/metrics"), "hall_qr_login_waits 1\n"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the poll is not waiting after 10 s")
		}
	}

	stopped := time.Now()
	h.cancel()
	select {
	case a := <-polled:
		if a.err != nil || a.status != http.StatusOK || a.state != "waiting" {
			t.Fatalf("the waiting page at shutdown: status %d, state %q, %v", a.status, a.state, a.err)
		}
		if took := time.Since(stopped); took > 5*time.Second {
			t.Fatalf("the waiting page was answered %s after the stop", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting page had no answer 10 s after the stop")
	}
	h.stop(t)
}

// scrape is the text of a metrics page.
func scrape(t *testing.T, metricsURL string) string {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
