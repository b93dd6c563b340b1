package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"hall/internal/ca"
)

// TestServeCALoginListener: `hall serve --ca-login-addr` in development opens the
// TLS listener with a server certificate from the development CA it creates; the
// listener sends a browser that opens it directly to the login page's CA登录 tab,
// which the login page offers.
func TestServeCALoginListener(t *testing.T) {
	dir := t.TempDir()
	addr, adminAddr, caAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--admin-addr", adminAddr, "--ca-login-addr", caAddr,
			"--data-dir", dir, "--log-level", "warn"})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	base := "http://" + addr
	for deadline := time.Now().Add(serveStartWait); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not become ready")
		}
	}
	pem, err := os.ReadFile(ca.PathsIn(ca.DevCADir(dir)).Cert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("https://" + caAddr + "/")
	if err != nil {
		t.Fatalf("CA-login listener: %v", err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != base+"/login?tab=unit&method=ca" {
		t.Errorf("CA-login listener: %d → %q", resp.StatusCode, loc)
	}
	resp, err = http.Get(base + "/login?tab=unit&method=ca")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `href="/login/certificate"`) {
		t.Error("the login page does not offer 证书登录")
	}
}
