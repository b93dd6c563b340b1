package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	c := Defaults()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	if err := Register(fs, &c, func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != Development || c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.LogFormat != "text" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(secret, []byte("k-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HALL_ADDR":             "127.0.0.1:9000",
		"HALL_HALL_NAME":        "测试大厅",
		"HALL_SHUTDOWN_TIMEOUT": "3s",
		"HALL_DEMO":             "true",
		"HALL_AUDIT_KEY_FILE":   secret,
	}
	c, err := parse(t, env, "--addr", "127.0.0.1:9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" {
		t.Errorf("flag should win over env: %s", c.Addr)
	}
	if c.HallName != "测试大厅" || c.ShutdownTimeout != 3*time.Second || !c.Demo || c.AuditKey != "k-from-file" {
		t.Errorf("env not applied: %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"mode", nil, []string{"--mode", "staging"}, "mode must be"},
		{"addr", nil, []string{"--addr", "nonsense"}, "addr"},
		{"base url", nil, []string{"--base-url", "ftp://x"}, "base-url"},
		{"log format", nil, []string{"--log-format", "xml"}, "log-format"},
		{"log level", nil, []string{"--log-level", "loud"}, "log-level"},
		{"empty brand", nil, []string{"--hall-name", " "}, "hall-name"},
		{"bad env duration", map[string]string{"HALL_SHUTDOWN_TIMEOUT": "soon"}, nil, "HALL_SHUTDOWN_TIMEOUT"},
		{"production without key", nil, []string{"--mode", "production"}, "audit-key"},
		{"production with development adapters", nil, []string{"--mode", "production", "--audit-key", strings.Repeat("k", 32)}, "refuses development adapters"},
		{"session lifetimes", nil, []string{"--session-idle", "13h"}, "session-idle"},
		{"weak hashing", nil, []string{"--hash-memory-kib", "1024"}, "hash-memory-kib"},
		{"production without throttle key", nil, []string{"--mode", "production", "--audit-key", strings.Repeat("k", 32)}, "throttle-key"},
		{"production with demo", nil, []string{"--mode", "production", "--demo", "--audit-key", strings.Repeat("k", 32)}, "demo"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestHelpNamesEveryEnvironmentVariable(t *testing.T) {
	c := Defaults()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	if err := Register(fs, &c, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	fs.PrintDefaults()
	for _, k := range keys {
		if !strings.Contains(buf.String(), EnvName(k.name)) {
			t.Errorf("help does not mention %s", EnvName(k.name))
		}
	}
}
