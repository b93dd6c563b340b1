package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/bench"
	"hall/internal/scale"
)

// TestScale: `hall scale` fills a fresh development database, prints its progress and
// summary, and writes logins that `hall bench --accounts` reads; a second run on the
// same database and production mode are refused, and so is a bad --logins.
func TestScale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	accounts := filepath.Join(dir, "logins.csv")
	var out bytes.Buffer
	if err := cmdScale(ctx, []string{"--persons", "400", "--units", "120", "--logins", "5", "--accounts", accounts,
		"--data-dir", dir, "--log-level", "warn"}, &out); err != nil {
		t.Fatalf("hall scale: %v\n%s", err, out.String())
	}
	for _, want := range []string{"scale: persons 400 / 400 (100%)", "scale: grants 240 / 240 (100%)",
		"400 persons, 120 units, 300 memberships, 240 grants", scalePassword} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	f, err := os.Open(accounts) // #nosec G304 -- the file the test just had written in its own directory
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	logins, err := bench.ReadAccounts(f)
	if err != nil {
		t.Fatal(err)
	}
	var unitLogins int
	for _, a := range logins {
		if a.Unit() {
			unitLogins++
		}
		if a.Password != scalePassword {
			t.Errorf("login %+v: password", a)
		}
	}
	if len(logins) != 10 || unitLogins != 5 {
		t.Errorf("%d logins, %d of units; want 10 and 5", len(logins), unitLogins)
	}
	if info, err := os.Stat(accounts); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("accounts file mode: %v, %v", info, err)
	}

	if err := cmdScale(ctx, []string{"--persons", "400", "--units", "120", "--data-dir", dir, "--log-level", "warn"}, &out); !errors.Is(err, scale.ErrNotEmpty) {
		t.Errorf("a second fill: %v, want ErrNotEmpty", err)
	}
	if err := cmdScale(ctx, []string{"--mode", "production", "--data-dir", t.TempDir()}, &out); !errors.Is(err, errScaleProduction) {
		t.Errorf("production mode: %v", err)
	}
	if err := cmdScale(ctx, []string{"--logins", "0", "--data-dir", t.TempDir()}, &out); err == nil {
		t.Error("--logins 0 accepted")
	}
}
