package services

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	"hall/internal/config"
	"hall/internal/sealed"
)

// TestDataKeys: development without data-key generates a key into the data
// directory (0600) on the first start, says in the log that it is a development
// key, and reuses it; a configured key is used as it is; production without one is
// refused.
func TestDataKeys(t *testing.T) {
	cfg := testConfig(t)
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	first, err := DataKeys(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(cfg.DevelopmentDataKeyFile())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("development key file: %v, %v; want mode 0600", st, err)
	}
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), "development data key") ||
		!strings.Contains(logged.String(), "created=true") {
		t.Errorf("first start's log: %s", logged.String())
	}
	logged.Reset()
	again, err := DataKeys(cfg, log)
	if err != nil || again.Primary() != first.Primary() {
		t.Fatalf("second start: key %v (%v), want the first one %s", again, err, first.Primary())
	}
	if !strings.Contains(logged.String(), "development data key") || !strings.Contains(logged.String(), "created=false") {
		t.Errorf("second start's log: %s", logged.String())
	}
	// The key itself is never logged.
	b, err := os.ReadFile(cfg.DevelopmentDataKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	if k := strings.TrimSpace(string(b)); strings.Contains(logged.String(), k[:12]) {
		t.Error("the log holds the key")
	}

	key := bytes.Repeat([]byte{7}, sealed.KeySize)
	want, err := sealed.NewKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	configured := testConfig(t, "--data-key", sealed.EncodeKey(key))
	got, err := DataKeys(configured, log)
	if err != nil || got.Primary() != want.Primary() {
		t.Fatalf("configured key: %v (%v), want %s", got, err, want.Primary())
	}
	if _, err := os.Stat(configured.DevelopmentDataKeyFile()); !os.IsNotExist(err) {
		t.Errorf("a configured key left a key file behind: %v", err)
	}

	production := testConfig(t)
	production.Mode = config.Production
	if _, err := DataKeys(production, log); err == nil || !strings.Contains(err.Error(), "data-key") {
		t.Fatalf("production without data-key: %v", err)
	}
	if _, err := os.Stat(production.DevelopmentDataKeyFile()); !os.IsNotExist(err) {
		t.Errorf("production generated a key file: %v", err)
	}
}
