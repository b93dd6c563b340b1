package config

import (
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	// The anchor file lies beside the database unless the operator moves it.
	if c.AuditAnchorFile != filepath.Join("data", "audit-anchor.log") || c.AuditAnchorEvery != time.Minute {
		t.Fatalf("audit anchor defaults: %q every %s", c.AuditAnchorFile, c.AuditAnchorEvery)
	}
	if c.RightsFileKeepMonths != 6 {
		t.Fatalf("a rights record's file kept %d months after its validity, want 6", c.RightsFileKeepMonths)
	}
	// One rights record built per core (at most 64), a further one waiting 2s.
	if want := uint(min(runtime.GOMAXPROCS(0), 64)); c.RightsBuilds != want || c.RightsBuildWait != 2*time.Second {
		t.Fatalf("rights records: %d built at once, waiting %s; want %d, 2s", c.RightsBuilds, c.RightsBuildWait, want)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(secret, []byte("k-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HALL_ADDR":                    "127.0.0.1:9000",
		"HALL_HALL_NAME":               "测试大厅",
		"HALL_SHUTDOWN_TIMEOUT":        "3s",
		"HALL_DEMO":                    "true",
		"HALL_AUDIT_KEY_FILE":          secret,
		"HALL_QR_TICKET_TTL":           "90s",
		"HALL_AUDIT_ANCHOR_FILE":       "/worm/hall-anchor.log",
		"HALL_AUDIT_ANCHOR_EVERY":      "30s",
		"HALL_RIGHTS_FILE_KEEP_MONTHS": "0",
		"HALL_RIGHTS_BUILDS":           "64",
		"HALL_RIGHTS_BUILD_WAIT":       "100ms",
	}
	c, err := parse(t, env, "--addr", "127.0.0.1:9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" {
		t.Errorf("flag should win over env: %s", c.Addr)
	}
	if c.HallName != "测试大厅" || c.ShutdownTimeout != 3*time.Second || !c.Demo || c.AuditKey != "k-from-file" || c.QRTicketTTL != 90*time.Second {
		t.Errorf("env not applied: %+v", c)
	}
	if c.AuditAnchorFile != "/worm/hall-anchor.log" || c.AuditAnchorEvery != 30*time.Second {
		t.Errorf("audit anchor env not applied: %q every %s", c.AuditAnchorFile, c.AuditAnchorEvery)
	}
	if c.RightsFileKeepMonths != 0 {
		t.Errorf("HALL_RIGHTS_FILE_KEEP_MONTHS=0 not applied: %d", c.RightsFileKeepMonths)
	}
	if c.RightsBuilds != 64 || c.RightsBuildWait != 100*time.Millisecond {
		t.Errorf("HALL_RIGHTS_BUILDS=64, HALL_RIGHTS_BUILD_WAIT=100ms not applied: %d, %s", c.RightsBuilds, c.RightsBuildWait)
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
		{"production with the development carrier", nil, []string{"--mode", "production", "--audit-key", strings.Repeat("k", 32)}, "set carrier-url"},
		{"carrier timeout too long", nil, []string{"--carrier-timeout", "5m"}, "carrier-timeout"},
		{"development carrier step too short", nil, []string{"--dev-carrier-step", "10ms"}, "dev-carrier-step"},
		{"delivery poll too often", nil, []string{"--delivery-poll-every", "1s"}, "delivery-poll-every"},
		{"session lifetimes", nil, []string{"--session-idle", "13h"}, "session-idle"},
		{"QR ticket too short", nil, []string{"--qr-ticket-ttl", "10s"}, "qr-ticket-ttl"},
		{"QR ticket too long", map[string]string{"HALL_QR_TICKET_TTL": "1h"}, nil, "qr-ticket-ttl"},
		{"QR wait beyond proxy timeouts", nil, []string{"--qr-wait-max", "2m"}, "qr-wait-max"},
		{"no QR waiters", nil, []string{"--qr-max-waiters", "0"}, "qr-max-waiters"},
		{"weak hashing", nil, []string{"--hash-memory-kib", "1024"}, "hash-memory-kib"},
		{"hash memory that would wrap past uint32", nil, []string{"--hash-memory-kib", "4294986752"}, "hash-memory-kib must be 8192–1048576"},
		{"hash memory above 1 GiB", nil, []string{"--hash-memory-kib", "1048577"}, "hash-memory-kib must be 8192–1048576"},
		{"too many hash passes", nil, []string{"--hash-time", "17"}, "hash-time 1–16"},
		{"hash queue too short", nil, []string{"--hash-max-wait", "10ms"}, "hash-max-wait"},
		{"hash queue too long", map[string]string{"HALL_HASH_MAX_WAIT": "5m"}, nil, "hash-max-wait"},
		{"hash admission queue too long", nil, []string{"--hash-max-queued", "100001"}, "hash-max-queued"},
		{"base floor above the ceiling", nil, []string{"--base-floor", "30000"}, "base-floor"},
		{"base ceiling past a million yuan", nil, []string{"--base-ceiling", "1000001"}, "which is at most 1000000"},
		{"base ceiling that would overflow in fen", nil, []string{"--base-ceiling", "18446744073709551615"}, "which is at most 1000000"},
		{"base ceiling from the environment below the floor", map[string]string{"HALL_BASE_CEILING": "4000"}, nil, "base-ceiling"},
		{"no material files per person", nil, []string{"--material-files-per-person", "0"}, "material-files-per-person"},
		{"material bytes below one file", nil, []string{"--material-mb-per-person", "9"}, "material-mb-per-person"},
		{"unit's material files below a person's", nil, []string{"--material-files-per-unit", "59"}, "material-files-per-unit"},
		{"unit's material bytes below a person's", map[string]string{"HALL_MATERIAL_MB_PER_UNIT": "100"}, nil, "material-mb-per-unit"},
		{"rights file kept past ten years", nil, []string{"--rights-file-keep-months", "121"}, "rights-file-keep-months"},
		{"no rights record built at once", nil, []string{"--rights-builds", "0"}, "rights-builds 0 must be between 1 and 64"},
		{"more rights records at once than 64", map[string]string{"HALL_RIGHTS_BUILDS": "65"}, nil, "rights-builds 65 must be between 1 and 64"},
		{"rights builds negative", map[string]string{"HALL_RIGHTS_BUILDS": "-1"}, nil, "HALL_RIGHTS_BUILDS"},
		{"rights build wait too short", nil, []string{"--rights-build-wait", "99ms"}, "rights-build-wait 99ms must be between 100ms and 1m"},
		{"rights build wait too long", map[string]string{"HALL_RIGHTS_BUILD_WAIT": "61s"}, nil, "rights-build-wait 1m1s must be between 100ms and 1m"},
		{"rights file keep time negative", map[string]string{"HALL_RIGHTS_FILE_KEEP_MONTHS": "-1"}, nil, "HALL_RIGHTS_FILE_KEEP_MONTHS"},
		{"production without throttle key", nil, []string{"--mode", "production", "--audit-key", strings.Repeat("k", 32)}, "throttle-key"},
		{"production without staff TOTP key", nil, []string{"--mode", "production", "--audit-key", strings.Repeat("k", 32)}, "staff-totp-key"},
		{"staff session shorter than a minute", nil, []string{"--staff-session-idle", "30s"}, "staff-session-idle"},
		{"staff session longer than a day", nil, []string{"--staff-session-absolute", "25h"}, "staff-session-idle"},
		{"production with demo", nil, []string{"--mode", "production", "--demo", "--audit-key", strings.Repeat("k", 32)}, "demo"},
		{"production with the default http base URL", nil, []string{"--mode", "production"}, "https:// base-url"},
		{"production with an http base URL", nil, []string{"--mode", "production", "--base-url", "http://hall.example.gov.cn"}, "https:// base-url"},
		{"admin address", nil, []string{"--admin-addr", "8081"}, "admin-addr"},
		{"admin address on the public listener", nil, []string{"--addr", "127.0.0.1:9000", "--admin-addr", "127.0.0.1:9000"}, "admin-addr must differ"},
		{"trusted proxy garbage", nil, []string{"--trusted-proxies", "10.0.0.0/8,proxy.local"}, "proxy.local"},
		{"trusted proxy bad prefix", nil, []string{"--trusted-proxies", "10.0.0.0/33"}, "10.0.0.0/33"},
		{"trusted proxy env garbage", map[string]string{"HALL_TRUSTED_PROXIES": "10.0.0.0/8;10.1.0.0/16"}, nil, "HALL_TRUSTED_PROXIES"},
		{"trusting every address", nil, []string{"--trusted-proxies", "0.0.0.0/0"}, "trusts every address"},
		{"trusting every IPv6 address", map[string]string{"HALL_TRUSTED_PROXIES": "::/0"}, nil, "trusts every address"},
		{"audit anchors too often", nil, []string{"--audit-anchor-every", "5s"}, "audit-anchor-every"},
		{"audit anchors too seldom", map[string]string{"HALL_AUDIT_ANCHOR_EVERY": "2h"}, nil, "audit-anchor-every"},
		{"audit anchor interval from the environment unreadable", map[string]string{"HALL_AUDIT_ANCHOR_EVERY": "often"}, nil, "HALL_AUDIT_ANCHOR_EVERY"},
		{"audit anchor file without a data dir", nil, []string{"--data-dir", "", "--database-url", "sqlite:/tmp/x.db"}, "audit-anchor-file"},
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

// testDataKey is a valid data key (32 bytes, base64).
var testDataKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, 32))

// TestDataKey: the data key is 32 bytes in base64 from the flag, the environment or
// its file; production refuses to start without it, as it does without audit-key;
// development without it needs the data directory, where the hall keeps the key it
// generates.
func TestDataKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data-key")
	if err := os.WriteFile(file, []byte(testDataKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"--data-key", testDataKey}},
		{"environment", map[string]string{"HALL_DATA_KEY": testDataKey}, nil},
		{"file", map[string]string{"HALL_DATA_KEY_FILE": file}, nil},
	} {
		c, err := parse(t, tc.env, productionArgs(append([]string{"--base-url", "https://hall.example.gov.cn"}, tc.args...)...)...)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if c.DataKey != testDataKey {
			t.Errorf("%s: data key %q", tc.name, c.DataKey)
		}
	}

	// Production without the key: refused by name, the rest of the configuration
	// being valid (productionArgs less its --data-key).
	args := productionArgs("--base-url", "https://hall.example.gov.cn")
	i := slices.Index(args, "--data-key")
	args = slices.Delete(args, i, i+2)
	_, err := parse(t, nil, args...)
	if err == nil || err.Error() != "production mode needs data-key (--data-key, HALL_DATA_KEY or, best, HALL_DATA_KEY_FILE): 32 random bytes in base64 (openssl rand -base64 32)" {
		t.Fatalf("production without data-key: %v", err)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"16 bytes", nil, []string{"--data-key", base64.StdEncoding.EncodeToString(make([]byte, 16))}, "this one is 16 bytes"},
		{"33 bytes", map[string]string{"HALL_DATA_KEY": base64.StdEncoding.EncodeToString(make([]byte, 33))}, nil, "this one is 33 bytes"},
		{"hex", nil, []string{"--data-key", strings.Repeat("5a", 32)}, "this one is 48 bytes"},
		{"not base64", nil, []string{"--data-key", "correct horse battery staple"}, "this one is not base64"},
		{"development without a data dir", nil, []string{"--data-dir", "", "--database-url", "postgres://x/y", "--audit-anchor-file", "/tmp/a.log"}, "data-key must be set when data-dir is empty"},
	} {
		_, err := parse(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "data-key") {
			t.Errorf("%s: %v, want an error about data-key saying %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "5a5a5a") {
			t.Errorf("%s: the error repeats the key: %v", tc.name, err)
		}
	}

	// Development: no key needed; it is generated beside the database.
	c, err := parse(t, nil, "--data-dir", "/var/lib/hall")
	if err != nil || c.DataKey != "" || c.DevelopmentDataKeyFile() != filepath.Join("/var/lib/hall", "data-key") {
		t.Fatalf("development without data-key: %v, key %q, file %s", err, c.DataKey, c.DevelopmentDataKeyFile())
	}
}

// productionArgs is a production configuration that validates, but for what a case
// adds.
func productionArgs(more ...string) []string {
	key := strings.Repeat("k", 32)
	return append([]string{"--mode", "production", "--audit-key", key, "--sms-code-key", key, "--throttle-key", key,
		"--staff-totp-key", key, "--sms-gateway-url", "https://sms.example", "--verify-url", "https://verify.example", "--registry-url", "https://registry.example",
		"--carrier-url", "https://carrier.example", "--audit-anchor-file", "/var/lib/hall-anchors/audit-anchor.log",
		"--data-key", testDataKey}, more...)
}

// TestInsurancePull: the scheduled pull's settings, checked only when insurance-url
// is set; the key from the environment or its _FILE form.
func TestInsurancePull(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("file-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		want  string // "" accepted
		key   string // the key read, when accepted
		every time.Duration
	}{
		{"off: no URL, nothing else checked", nil, []string{"--insurance-pull-every", "1s"}, "", "", time.Second},
		{"https with the key from the environment", map[string]string{"HALL_INSURANCE_API_KEY": "env-key"}, []string{"--insurance-url", "https://core.example.gov.cn/export"}, "", "env-key", time.Hour},
		{"the key from its file", map[string]string{"HALL_INSURANCE_API_KEY_FILE": keyFile, "HALL_INSURANCE_URL": "https://core.example.gov.cn/export", "HALL_INSURANCE_PULL_EVERY": "15m"}, nil, "", "file-key", 15 * time.Minute},
		{"http to loopback", nil, []string{"--insurance-url", "http://127.0.0.1:9000/export", "--insurance-api-key", "k"}, "", "k", time.Hour},
		{"http to localhost", nil, []string{"--insurance-url", "http://localhost:9000/export", "--insurance-api-key", "k", "--insurance-pull-every", "24h"}, "", "k", 24 * time.Hour},
		{"http elsewhere", nil, []string{"--insurance-url", "http://core.example.gov.cn/export", "--insurance-api-key", "k"}, "must use https", "", 0},
		{"not a URL", nil, []string{"--insurance-url", "core.example.gov.cn", "--insurance-api-key", "k"}, "insurance-url", "", 0},
		{"another scheme", nil, []string{"--insurance-url", "ftp://core.example.gov.cn/export", "--insurance-api-key", "k"}, "insurance-url", "", 0},
		{"a query", nil, []string{"--insurance-url", "https://core.example.gov.cn/export?x=1", "--insurance-api-key", "k"}, "without query", "", 0},
		{"credentials in the URL", nil, []string{"--insurance-url", "https://u:p@core.example.gov.cn/export", "--insurance-api-key", "k"}, "insurance-url", "", 0},
		{"no key", nil, []string{"--insurance-url", "https://core.example.gov.cn/export"}, "insurance-api-key", "", 0},
		{"pulled too often", nil, []string{"--insurance-url", "https://core.example.gov.cn/export", "--insurance-api-key", "k", "--insurance-pull-every", "30s"}, "insurance-pull-every", "", 0},
		{"pulled too seldom", map[string]string{"HALL_INSURANCE_PULL_EVERY": "25h"}, []string{"--insurance-url", "https://core.example.gov.cn/export", "--insurance-api-key", "k"}, "insurance-pull-every", "", 0},
		{"unreadable interval", map[string]string{"HALL_INSURANCE_PULL_EVERY": "hourly"}, nil, "HALL_INSURANCE_PULL_EVERY", "", 0},
		{"missing key file", map[string]string{"HALL_INSURANCE_API_KEY_FILE": filepath.Join(t.TempDir(), "none")}, nil, "HALL_INSURANCE_API_KEY_FILE", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.env, tc.args...)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.InsuranceAPIKey != tc.key || c.InsurancePullEvery != tc.every {
				t.Fatalf("key %q, every %s; want %q, %s", c.InsuranceAPIKey, c.InsurancePullEvery, tc.key, tc.every)
			}
		})
	}
}

func TestBaseURLSchemeInProduction(t *testing.T) {
	cases := []struct {
		name string
		args []string
		ok   bool
	}{
		{"https", productionArgs("--base-url", "https://hall.example.gov.cn"), true},
		{"http refused", productionArgs("--base-url", "http://hall.example.gov.cn"), false},
		{"default http://ADDR refused", productionArgs(), false},
		{"http explicitly allowed", productionArgs("--base-url", "http://hall.example.gov.cn", "--allow-insecure-http"), true},
		{"http in development", []string{"--base-url", "http://127.0.0.1:8080"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, nil, tc.args...)
			if (err == nil) != tc.ok {
				t.Fatalf("valid = %v (%v), want %v", err == nil, err, tc.ok)
			}
		})
	}
}

func TestAdminAddr(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"development default", nil, nil, "127.0.0.1:8081"},
		{"production default is off", nil, productionArgs("--base-url", "https://hall.example.gov.cn"), ""},
		{"production given", nil, productionArgs("--base-url", "https://hall.example.gov.cn", "--admin-addr", "10.0.0.5:9100",
			"--admin-base-url", "https://admin.hall.example.gov.cn"), "10.0.0.5:9100"},
		{"development turned off", nil, []string{"--admin-addr", ""}, ""},
		{"an empty environment variable counts as unset", map[string]string{"HALL_ADMIN_ADDR": ""}, nil, "127.0.0.1:8081"},
		{"from the environment", map[string]string{"HALL_ADMIN_ADDR": "127.0.0.1:9200"}, nil, "127.0.0.1:9200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.AdminAddr != tc.want {
				t.Fatalf("admin address %q, want %q", c.AdminAddr, tc.want)
			}
		})
	}
}

// TestAdminBaseURL: the back office's URL, by the public base URL's rule: default
// http://ADMIN-ADDR; production needs https:// (the back office's cookies Secure and
// __Host-) unless allow-insecure-http; it needs an operations listener.
func TestAdminBaseURL(t *testing.T) {
	https := "https://hall.example.gov.cn"
	cases := []struct {
		name string
		args []string
		want string // the URL when valid
		err  string // part of the error when not
	}{
		{"development default", nil, "http://127.0.0.1:8081", ""},
		{"development given, trailing slash trimmed", []string{"--admin-base-url", "https://admin.example.gov.cn/"}, "https://admin.example.gov.cn", ""},
		{"production https", productionArgs("--base-url", https, "--admin-addr", "10.0.0.5:9100", "--admin-base-url", "https://admin.example.gov.cn"),
			"https://admin.example.gov.cn", ""},
		{"production default http://ADMIN-ADDR refused", productionArgs("--base-url", https, "--admin-addr", "10.0.0.5:9100"), "", "https:// admin-base-url"},
		{"production http refused", productionArgs("--base-url", https, "--admin-addr", "10.0.0.5:9100", "--admin-base-url", "http://admin.example.gov.cn"),
			"", "https:// admin-base-url"},
		{"production http explicitly allowed", productionArgs("--base-url", https, "--admin-addr", "10.0.0.5:9100", "--admin-base-url", "http://admin.example.gov.cn",
			"--allow-insecure-http"), "http://admin.example.gov.cn", ""},
		{"production without a back office", productionArgs("--base-url", https), "", ""},
		{"not a URL", []string{"--admin-base-url", "admin.example.gov.cn"}, "", "absolute http(s) URL"},
		{"without admin-addr", []string{"--admin-addr", "", "--admin-base-url", "https://admin.example.gov.cn"}, "", "needs admin-addr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, nil, tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.AdminBaseURL != tc.want {
				t.Fatalf("admin base URL %q, want %q", c.AdminBaseURL, tc.want)
			}
		})
	}
}

func TestOIDCDevAddr(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // "": the development provider is off
		err  string
	}{
		{"development default", nil, "127.0.0.1:8082", ""},
		{"development with a provider list", []string{"--oidc-providers", "providers.json"}, "", ""},
		{"development turned off", []string{"--oidc-dev-addr", ""}, "", ""},
		{"development given", []string{"--oidc-dev-addr", "127.0.0.1:9300"}, "127.0.0.1:9300", ""},
		{"production default is off", productionArgs("--base-url", "https://hall.example.gov.cn"), "", ""},
		{"production refuses it", productionArgs("--base-url", "https://hall.example.gov.cn", "--oidc-dev-addr", "127.0.0.1:8082"), "", "only in development"},
		{"beside a provider list", []string{"--oidc-providers", "p.json", "--oidc-dev-addr", "127.0.0.1:8082"}, "", "only in development"},
		{"malformed", []string{"--oidc-dev-addr", "8082"}, "", "oidc-dev-addr"},
		{"on the admin listener", []string{"--oidc-dev-addr", "127.0.0.1:8081"}, "", "must differ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, nil, tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.OIDCDevAddr != tc.want {
				t.Fatalf("oidc-dev-addr %q, want %q", c.OIDCDevAddr, tc.want)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := parse(t, map[string]string{"HALL_TRUSTED_PROXIES": "192.0.2.0/24"}, "--trusted-proxies", " 10.0.0.0/8, 2001:db8::/32 ,198.51.100.7,::ffff:203.0.113.0/120,fd00::1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	want := "10.0.0.0/8 2001:db8::/32 198.51.100.7/32 203.0.113.0/24 fd00::1/128"
	if strings.Join(got, " ") != want {
		t.Fatalf("trusted proxies %q, want %q (the flag replaces the environment)", strings.Join(got, " "), want)
	}
	if c, err := parse(t, nil); err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default trusted proxies %v (%v), want none", c.TrustedProxies, err)
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

// TestPDFFont: the rights record's font defaults to Debian's WenQuanYi Micro Hei,
// may be named by flag or HALL_PDF_FONT, and must be an existing file.
func TestPDFFont(t *testing.T) {
	dir := t.TempDir()
	font := filepath.Join(dir, "font.ttf")
	if err := os.WriteFile(font, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" when refused
	}{
		{"flag", nil, []string{"--pdf-font", font}, font},
		{"environment", map[string]string{"HALL_PDF_FONT": font}, nil, font},
		{"missing file refused", nil, []string{"--pdf-font", filepath.Join(dir, "none.ttf")}, ""},
		{"a directory refused", nil, []string{"--pdf-font", dir}, ""},
		{"empty refused", nil, []string{"--pdf-font", ""}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.env, tc.args...)
			switch {
			case tc.want == "" && (err == nil || !strings.Contains(err.Error(), "pdf-font")):
				t.Errorf("err %v, want a pdf-font refusal", err)
			case tc.want != "" && (err != nil || c.PDFFont != tc.want):
				t.Errorf("PDFFont %q (%v), want %q", c.PDFFont, err, tc.want)
			}
		})
	}
}

// TestProductionAuditAnchorFile: production names the anchor file itself, and not in
// the data directory or beside the SQLite database, where the database's writers
// could rewrite the anchors with the chain; development keeps the default.
func TestProductionAuditAnchorFile(t *testing.T) {
	base := productionArgs("--base-url", "https://hall.example.gov.cn")
	without := slices.Clone(base)
	for i, a := range without {
		if a == "--audit-anchor-file" {
			without = slices.Delete(without, i, i+2)
			break
		}
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" when valid
	}{
		{"elsewhere", nil, base, ""},
		{"left to the default", nil, without, "audit-anchor-file set explicitly"},
		{"from the environment, elsewhere", map[string]string{"HALL_AUDIT_ANCHOR_FILE": "/mnt/worm/hall/anchors.log"}, without, ""},
		{"in the data directory", nil, append(slices.Clone(base), "--data-dir", "/srv/hall", "--audit-anchor-file", "/srv/hall/audit-anchor.log"),
			"refuses audit-anchor-file /srv/hall/audit-anchor.log in /srv/hall"},
		{"below the data directory", nil, append(slices.Clone(base), "--data-dir", "/srv/hall", "--audit-anchor-file", "/srv/hall/anchors/a.log"),
			"beside the database"},
		{"the default path typed", nil, append(slices.Clone(base), "--audit-anchor-file", filepath.Join("data", "audit-anchor.log")),
			"beside the database"},
		{"relative into the data directory", nil, append(slices.Clone(base), "--data-dir", "/srv/hall", "--audit-anchor-file", "/srv/other/../hall/a.log"),
			"beside the database"},
		{"beside a named SQLite file", nil, append(slices.Clone(base), "--database-url", "sqlite:/var/db/hall.db", "--audit-anchor-file", "/var/db/anchors.log"),
			"in /var/db"},
		{"a sibling of the data directory", nil, append(slices.Clone(base), "--data-dir", "/srv/hall", "--audit-anchor-file", "/srv/hall-anchors/a.log"), ""},
		{"PostgreSQL, outside the data directory", nil, append(slices.Clone(base), "--database-url", "postgres://db.example/hall",
			"--audit-anchor-file", "/var/db/anchors.log"), ""},
		{"development keeps the default", nil, nil, ""},
		{"development may keep it beside", nil, []string{"--audit-anchor-file", filepath.Join("data", "a.log")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.env, tc.args...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestPreviousDataKeyList: previous-data-keys is keys in base64 separated by commas,
// trimmed, empty places passed over, in the order given; a key that does not parse
// or is given twice is refused by its place, without repeating it; so is the data
// key itself among them; a list in a _FILE reads as on the command line.
func TestPreviousDataKeyList(t *testing.T) {
	key := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	enc := func(b byte) string { return base64.StdEncoding.EncodeToString(key(b)) }
	for _, tc := range []struct {
		name, list string
		want       [][]byte
		err        string // what the error says, when there is one
	}{
		{"empty", "", nil, ""},
		{"only separators and spaces", " , ,\n", nil, ""},
		{"one", enc(1), [][]byte{key(1)}, ""},
		{"one without padding", strings.TrimRight(enc(1), "="), [][]byte{key(1)}, ""},
		{"several in order", enc(3) + "," + enc(1) + "," + enc(2), [][]byte{key(3), key(1), key(2)}, ""},
		{"spaces and line breaks around", " " + enc(1) + " ,\n\t" + enc(2) + "\n,\n", [][]byte{key(1), key(2)}, ""},
		{"empty places", "," + enc(1) + ",," + enc(2) + ",", [][]byte{key(1), key(2)}, ""},
		{"lines without commas", enc(1) + "\n" + enc(2), nil, "key 1: a data key is 32 random bytes in base64 (openssl rand -base64 32); this one is not base64"},
		{"a bad key", enc(1) + ",,correct horse", nil, "key 3: a data key is 32 random bytes in base64 (openssl rand -base64 32); this one is not base64"},
		{"a short key", base64.StdEncoding.EncodeToString(make([]byte, 16)), nil, "key 1: a data key is 32 random bytes in base64 (openssl rand -base64 32); this one is 16 bytes"},
		{"a key twice", enc(1) + "," + enc(2) + ", " + enc(1), nil, "key 3 is key 1 again"},
		{"a key twice, once without padding", enc(1) + "," + strings.TrimRight(enc(1), "="), nil, "key 2 is key 1 again"},
	} {
		c := Config{PreviousDataKeys: tc.list}
		got, err := c.PreviousDataKeyList()
		switch {
		case tc.err == "" && (err != nil || !slices.EqualFunc(got, tc.want, bytes.Equal)):
			t.Errorf("%s: %d keys, %v; want %d keys", tc.name, len(got), err, len(tc.want))
		case tc.err != "" && (err == nil || err.Error() != "previous-data-keys: "+tc.err || got != nil):
			t.Errorf("%s: %d keys, %v; want the error %q", tc.name, len(got), err, tc.err)
		}
	}

	// Through the configuration: the data key itself among the previous ones is
	// refused (sealed.NewKeys would refuse it at start), the error repeats no key,
	// and a list read from a _FILE, line break at the end, is the same list.
	production := productionArgs("--base-url", "https://hall.example.gov.cn")
	_, err := parse(t, map[string]string{"HALL_PREVIOUS_DATA_KEYS": enc(1) + "," + testDataKey}, production...)
	if err == nil || err.Error() != "previous-data-keys: key 2 is data-key itself: a key rotation puts the old key here and the new one in data-key" {
		t.Errorf("the data key among the previous ones: %v", err)
	}
	_, err = parse(t, map[string]string{"HALL_PREVIOUS_DATA_KEYS": " ," + testDataKey}, production...)
	if err == nil || err.Error() != "previous-data-keys: key 2 is data-key itself: a key rotation puts the old key here and the new one in data-key" {
		t.Errorf("the data key after an empty place: %v (the place counts empty places)", err)
	}
	_, err = parse(t, nil, append(production, "--previous-data-keys", enc(1)+","+enc(1))...)
	if err == nil || !strings.Contains(err.Error(), "previous-data-keys: key 2 is key 1 again") || strings.Contains(err.Error(), enc(1)) {
		t.Errorf("a key twice on the command line: %v", err)
	}
	file := filepath.Join(t.TempDir(), "previous-data-keys")
	if err := os.WriteFile(file, []byte(enc(1)+",\n"+enc(2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, map[string]string{"HALL_PREVIOUS_DATA_KEYS_FILE": file}, production...)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.PreviousDataKeyList(); err != nil || !slices.EqualFunc(got, [][]byte{key(1), key(2)}, bytes.Equal) {
		t.Errorf("the list from a file: %d keys, %v; want 2", len(got), err)
	}
}

// FuzzPreviousDataKeyList: no list makes the parser panic; what parses is keys of
// 32 bytes, none twice, and their configured forms joined by commas parse to the
// same keys; what is refused is refused by its place, with no key.
func FuzzPreviousDataKeyList(f *testing.F) {
	one := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	two := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	for _, seed := range []string{"", ",", one, one + "," + two, " " + one + " ,\n" + two + "\n", one + "," + one,
		one + "\n" + two, strings.TrimRight(one, "="), "correct horse", one + ",,x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, list string) {
		c := Config{PreviousDataKeys: list}
		keys, err := c.PreviousDataKeyList()
		if err != nil {
			if keys != nil || !strings.HasPrefix(err.Error(), "previous-data-keys: key ") {
				t.Fatalf("%q: %d keys with the error %v", list, len(keys), err)
			}
			return
		}
		forms := make([]string, len(keys))
		seen := map[string]bool{}
		for i, k := range keys {
			if len(k) != 32 || seen[string(k)] {
				t.Fatalf("%q: key %d is %d bytes or given twice", list, i+1, len(k))
			}
			seen[string(k)] = true
			forms[i] = base64.StdEncoding.EncodeToString(k)
		}
		again, err := (&Config{PreviousDataKeys: strings.Join(forms, ",")}).PreviousDataKeyList()
		if err != nil || !slices.EqualFunc(again, keys, bytes.Equal) {
			t.Fatalf("%q: its keys joined again parse to %d keys, %v; want the same %d", list, len(again), err, len(keys))
		}
	})
}
