// Package config holds the hall's one typed configuration, read from command-line flags
// and HALL_* environment variables (a flag wins over the environment), with HALL_*_FILE
// variants for secrets, and validated before anything starts.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"hall/internal/rights/pdfdoc"
	"hall/internal/sealed"
)

// Mode selects development or production behaviour. Development is the default and
// allows the built-in development adapters (SMS outbox, face-verification screen,
// registry table); production refuses them.
type Mode string

const (
	Development Mode = "development"
	Production  Mode = "production"
)

// Config is everything the hall reads at start-up.
type Config struct {
	Mode        Mode
	Addr        string
	BaseURL     string
	DatabaseURL string
	DataDir     string
	Demo        bool

	// AllowInsecureHTTP lets production start with an http:// base URL (or admin
	// base URL). Without TLS
	// in the browser's URL the hall sets no Secure cookies and no HSTS, so this is
	// only for a closed network; a TLS-terminating proxy keeps an https:// base URL.
	AllowInsecureHTTP bool
	// AdminAddr is the listener of the operations endpoints (/metrics), kept off the
	// public address; empty means none. Development defaults to 127.0.0.1:8081.
	AdminAddr    string
	adminAddrSet bool
	// AdminBaseURL is where staff open the back office (default http://ADMIN-ADDR).
	// https:// — a TLS-terminating proxy in front of AdminAddr, whose own listener
	// is plain HTTP — gives the back office's cookies Secure and the __Host- prefix,
	// as an https:// BaseURL does the public site's; production needs it, as it
	// needs an https:// BaseURL, unless AllowInsecureHTTP.
	AdminBaseURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header names the
	// client; a request from any other peer is the client itself.
	TrustedProxies []netip.Prefix

	BureauName string
	HallName   string
	Hotline    string

	LogFormat string
	LogLevel  string

	ShutdownTimeout time.Duration
	AuditKey        string
	// DataKey is the data key that seals personal data at rest (internal/sealed;
	// docs/data-protection.md): the base64 of 32 random bytes. Production requires
	// it; development without it generates one into DevelopmentDataKeyFile on the
	// first start and reuses it.
	DataKey string
	// PreviousDataKeys are earlier data keys, base64 and comma-separated, that only
	// open: during a key rotation (`hall keys rotate`, docs/data-protection.md) every
	// instance runs with the new key as DataKey and the old one here, until the
	// rotation reports nothing left under it.
	PreviousDataKeys string
	// AuditAnchorFile is where `hall serve` appends signed anchors of the audit
	// chain's head and `hall audit verify` reads them (internal/audit, anchor.go;
	// docs/audit.md). Empty means DATA-DIR/audit-anchor.log. It belongs on storage
	// the database's writers cannot rewrite, or the anchor proves nothing.
	AuditAnchorFile string
	// AuditAnchorEvery is how often `hall serve` anchors the head when it moved.
	AuditAnchorEvery time.Duration

	SessionIdle     time.Duration
	SessionAbsolute time.Duration

	// QR login (SPEC L2, L6; internal/qrlogin): how long a ticket may be scanned
	// and confirmed, how long one long poll of the login page waits at most, and
	// how many such polls one process holds at once (the excess is refused).
	QRTicketTTL  time.Duration
	QRWaitMax    time.Duration
	QRMaxWaiters uint
	// The back office (internal/staff): its own, shorter session lifetimes, and the
	// key that seals staff TOTP secrets at rest.
	StaffSessionIdle     time.Duration
	StaffSessionAbsolute time.Duration
	StaffTOTPKey         string

	// Password hashing (argon2id): memory in KiB, passes, lanes.
	HashMemoryKiB uint
	HashTime      uint
	HashThreads   uint
	// HashMaxWait is how long a login may queue for a free hashing slot before
	// it is answered 503 (person.HashConfig.MaxWait).
	HashMaxWait time.Duration
	// HashMaxQueued is how many admitted logins may wait behind the busy hashing
	// slots; more are answered 429 at once (person.HashConfig.MaxQueued). 0 derives
	// it from HashMaxWait and the measured hash time.
	HashMaxQueued uint

	// External systems. Empty URLs mean the development implementations, which
	// production mode refuses.
	SMSGatewayURL string
	SMSAPIKey     string
	SMSSecret     string
	SMSSign       string
	SMSCodeKey    string
	// ThrottleKey is the HMAC key of the login throttle's counter keys (throttle
	// package), so that its table never holds an ID number, mobile or address.
	ThrottleKey    string
	VerifyURL      string
	VerifySecret   string
	RegistryURL    string
	RegistryAPIKey string
	// CarrierURL is the courier company's API for 单位快递 (U5, docs/deliveries.md);
	// empty uses the development carrier (开发用快递), which advances a shipment
	// every DevCarrierStep. DeliveryPollEvery is how often serve polls open
	// deliveries.
	CarrierURL        string
	CarrierAPIKey     string
	CarrierTimeout    time.Duration
	DevCarrierStep    time.Duration
	DeliveryPollEvery time.Duration
	// InsuranceURL is the core social-insurance system's export (the base URL of
	// `hall import insurance URL`, docs/insurance-import.md); when set, serve pulls
	// it every InsurancePullEvery with InsuranceAPIKey. Empty: no scheduled pull.
	InsuranceURL       string
	InsuranceAPIKey    string
	InsurancePullEvery time.Duration
	// OIDCProviders is the JSON file listing the OpenID Connect providers of the
	// provincial SSO and the e-business licence (SPEC L4, L5; internal/oidc
	// LoadProviders). Empty: the development provider in development, none in
	// production.
	OIDCProviders string
	// OIDCDevAddr is the listener of the development OpenID Connect provider, used
	// when OIDCProviders is empty in development; empty turns it off.
	OIDCDevAddr    string
	oidcDevAddrSet bool
	// CA is CA-certificate login (SPEC L3).
	CA CA
	// RightsSigningCertFile (PEM, CA chain after it) and RightsSigningKeyFile are
	// the bureau's document-signing certificate and key for the rights record
	// (SPEC U3). Development may leave them empty for one from the development CA
	// (ca.DevCA.EnsureSigning).
	RightsSigningCertFile, RightsSigningKeyFile string
	// RightsFileKeepMonths is how many months after a rights record's validity
	// (6 months) ends its signed PDF is kept for the unit to download again; then
	// the sweep deletes the file and keeps the record, which still verifies
	// (rights.Rules.FileKeepMonths). 0 deletes it when the validity ends.
	RightsFileKeepMonths uint
	// RightsBuilds is how many rights records one process lays out and signs at
	// once (CPU work, about 300 ms of a core for a 3,000-employee unit);
	// RightsBuildWait how long a further request waits for one of them before it
	// is told 繁忙 (503) with its form kept (rights.Config.Builds, BuildWait).
	RightsBuilds    uint
	RightsBuildWait time.Duration
	// PDFFont is the TrueType CJK font (.ttf or .ttc, font 0) the rights record's
	// PDF embeds as a subset; it is parsed once at start.
	PDFFont string
	// BaseFloor and BaseCeiling bound the monthly contribution base, whole yuan
	// (FACTS.md: one source's 4,879 / 24,396, year unconfirmed; demo data uses them).
	BaseFloor, BaseCeiling uint
	// MaterialFilesPerPerson, MaterialMBPerPerson, MaterialFilesPerUnit and
	// MaterialMBPerUnit are the upload budget of 申请材料 over 24 hours
	// (cases.UploadBudget): files and megabytes a person may upload, and a unit
	// across its users.
	MaterialFilesPerPerson, MaterialMBPerPerson, MaterialFilesPerUnit, MaterialMBPerUnit uint
}

// maxRightsBuilds bounds rights-builds: more records at once than a large
// machine has cores only share the cores and hold more memory.
const maxRightsBuilds = 64

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Mode:            Development,
		Addr:            "127.0.0.1:8080",
		DataDir:         "./data",
		BureauName:      "示范省人力资源和社会保障厅",
		PDFFont:         pdfdoc.DefaultFontPath,
		HallName:        "网上办事服务大厅",
		Hotline:         "12333",
		LogFormat:       "",
		LogLevel:        "info",
		ShutdownTimeout: 15 * time.Second,
		SessionIdle:     30 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		QRTicketTTL:     2 * time.Minute,
		QRWaitMax:       25 * time.Second,
		QRMaxWaiters:    10000,
		HashMemoryKiB:   19 * 1024,
		HashTime:        2,
		HashThreads:     1,
		HashMaxWait:     2 * time.Second,
		SMSSign:         "示范省人社",
		BaseFloor:       4879,
		BaseCeiling:     24396,
		// cases.DefaultUploadBudget.
		MaterialFilesPerPerson: 60,
		MaterialMBPerPerson:    200,
		MaterialFilesPerUnit:   300,
		MaterialMBPerUnit:      1000,
		// rights.DefaultRules.FileKeepMonths.
		RightsFileKeepMonths: 6,
		// One record per core, as the rights service builds without a setting;
		// rights.DefaultBuildWait.
		RightsBuilds:         uint(min(runtime.GOMAXPROCS(0), maxRightsBuilds)),
		RightsBuildWait:      2 * time.Second,
		CA:                   caDefaults(),
		StaffSessionIdle:     15 * time.Minute,
		StaffSessionAbsolute: 8 * time.Hour,
		AuditAnchorEvery:     time.Minute,
		CarrierTimeout:       10 * time.Second,
		DevCarrierStep:       10 * time.Minute,
		DeliveryPollEvery:    5 * time.Minute,
		InsurancePullEvery:   time.Hour,
	}
}

// key describes one setting: its flag, its environment variable and its help text.
type key struct {
	name   string // flag name; env is HALL_ + upper-case with '-' → '_'
	help   string
	secret bool // also read from HALL_X_FILE
	bind   func(fs *flag.FlagSet, c *Config, name, help string)
}

func str(get func(*Config) *string) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, help string) {
		p := get(c)
		fs.StringVar(p, name, *p, help)
	}
}

func dur(get func(*Config) *time.Duration) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, help string) {
		p := get(c)
		fs.DurationVar(p, name, *p, help)
	}
}

func uintv(get func(*Config) *uint) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, help string) {
		p := get(c)
		fs.UintVar(p, name, *p, help)
	}
}

// keys are every setting, in the order of the help text.
var keys = append(coreKeys, caKeys...)

var coreKeys = []key{
	{name: "mode", help: "development or production; production refuses development adapters", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.Func(n, h+" (default \"development\")", func(s string) error { c.Mode = Mode(s); return nil })
	}},
	{name: "addr", help: "address to listen on", bind: str(func(c *Config) *string { return &c.Addr })},
	{name: "base-url", help: "public URL of the hall, used in QR codes and SMS links (default http://ADDR)", bind: str(func(c *Config) *string { return &c.BaseURL })},
	{name: "allow-insecure-http", help: "let production mode start with an http:// base URL or admin base URL (no Secure cookies, no HSTS)", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.BoolVar(&c.AllowInsecureHTTP, n, c.AllowInsecureHTTP, h)
	}},
	{name: "admin-addr", help: "address of the operations listener serving /metrics; empty turns it off (default 127.0.0.1:8081 in development, off in production)", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.Func(n, h, func(s string) error { c.AdminAddr, c.adminAddrSet = s, true; return nil })
	}},
	{name: "admin-base-url", help: "URL at which staff open the back office (default http://ADMIN-ADDR); https:// (a TLS-terminating proxy in front of admin-addr) gives its cookies Secure and the __Host- prefix; production needs https:// unless allow-insecure-http", bind: str(func(c *Config) *string { return &c.AdminBaseURL })},
	{name: "trusted-proxies", help: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client (default none: the peer address is the client)", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.Func(n, h, func(s string) error {
			p, err := ParsePrefixes(s)
			if err != nil {
				return err
			}
			c.TrustedProxies = p
			return nil
		})
	}},
	{name: "database-url", help: "postgres://… for PostgreSQL, or sqlite:PATH; empty means DATA-DIR/hall.db", secret: true, bind: str(func(c *Config) *string { return &c.DatabaseURL })},
	{name: "data-dir", help: "directory for the SQLite database and other local files", bind: str(func(c *Config) *string { return &c.DataDir })},
	{name: "demo", help: "load generated demo data into an empty database at start", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.BoolVar(&c.Demo, n, c.Demo, h)
	}},
	{name: "bureau-name", help: "bureau name shown in the header", bind: str(func(c *Config) *string { return &c.BureauName })},
	{name: "hall-name", help: "name of the hall shown in the header", bind: str(func(c *Config) *string { return &c.HallName })},
	{name: "pdf-font", help: "TrueType CJK font (.ttf, or .ttc: font 0) embedded as a subset in the rights record's PDF; OpenType CFF fonts (.otf) do not work", bind: str(func(c *Config) *string { return &c.PDFFont })},
	{name: "rights-file-keep-months", help: "months a rights record's signed PDF is kept after the record's 6 months of validity end; then the sweep deletes the file and keeps the record, whose QR code still verifies (0–120; 0: deleted when the validity ends)", bind: uintv(func(c *Config) *uint { return &c.RightsFileKeepMonths })},
	{name: "rights-builds", help: "rights records one process builds and signs at once; a further request waits rights-build-wait for one to finish, then is answered 503 with its form kept (1–64; default: the number of cores)", bind: uintv(func(c *Config) *uint { return &c.RightsBuilds })},
	{name: "rights-build-wait", help: "longest a rights record request waits for a free build before it is answered 503 (100ms–1m)", bind: dur(func(c *Config) *time.Duration { return &c.RightsBuildWait })},
	{name: "hotline", help: "service hotline shown in the footer", bind: str(func(c *Config) *string { return &c.Hotline })},
	{name: "log-format", help: "text or json (default: text in development, json in production)", bind: str(func(c *Config) *string { return &c.LogFormat })},
	{name: "log-level", help: "debug, info, warn or error", bind: str(func(c *Config) *string { return &c.LogLevel })},
	{name: "shutdown-timeout", help: "how long in-flight requests may take to finish on SIGTERM", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.DurationVar(&c.ShutdownTimeout, n, c.ShutdownTimeout, h)
	}},
	{name: "session-idle", help: "a session ends after this long without activity", bind: dur(func(c *Config) *time.Duration { return &c.SessionIdle })},
	{name: "session-absolute", help: "a session ends this long after login whatever happens", bind: dur(func(c *Config) *time.Duration { return &c.SessionAbsolute })},
	{name: "qr-ticket-ttl", help: "a QR login code must be scanned and confirmed within this long (30s–10m)", bind: dur(func(c *Config) *time.Duration { return &c.QRTicketTTL })},
	{name: "qr-wait-max", help: "longest single wait of a QR login page for a change (1s–1m; keep it under the proxy's read timeout)", bind: dur(func(c *Config) *time.Duration { return &c.QRWaitMax })},
	{name: "qr-max-waiters", help: "QR login pages one process lets wait at once; more are answered 503 (1–1000000)", bind: uintv(func(c *Config) *uint { return &c.QRMaxWaiters })},
	{name: "staff-session-idle", help: "a back-office session ends after this long without activity", bind: dur(func(c *Config) *time.Duration { return &c.StaffSessionIdle })},
	{name: "staff-session-absolute", help: "a back-office session ends this long after login whatever happens (at most 24h)", bind: dur(func(c *Config) *time.Duration { return &c.StaffSessionAbsolute })},
	{name: "staff-totp-key", help: "key sealing back-office staff TOTP secrets at rest (required in production, 32+ characters)", secret: true, bind: str(func(c *Config) *string { return &c.StaffTOTPKey })},
	{name: "hash-memory-kib", help: "argon2id memory per password hash, KiB (OWASP: 19456)", bind: uintv(func(c *Config) *uint { return &c.HashMemoryKiB })},
	{name: "hash-time", help: "argon2id passes (OWASP: 2)", bind: uintv(func(c *Config) *uint { return &c.HashTime })},
	{name: "hash-threads", help: "argon2id lanes (OWASP: 1)", bind: uintv(func(c *Config) *uint { return &c.HashThreads })},
	{name: "hash-max-wait", help: "longest a login queues for a free password-hashing slot before it is answered 503 (100ms–1m); also the budget the login queue is sized to", bind: dur(func(c *Config) *time.Duration { return &c.HashMaxWait })},
	{name: "hash-max-queued", help: "logins let in to wait behind the busy password-hashing slots; more are answered 429 at once (0: as many as the slots hash within hash-max-wait, measured; at most 100000)", bind: uintv(func(c *Config) *uint { return &c.HashMaxQueued })},
	{name: "sms-gateway-url", help: "SMS gateway endpoint; empty uses the development outbox (/dev/outbox)", bind: str(func(c *Config) *string { return &c.SMSGatewayURL })},
	{name: "sms-api-key", help: "SMS gateway API key", secret: true, bind: str(func(c *Config) *string { return &c.SMSAPIKey })},
	{name: "sms-secret", help: "SMS gateway request-signing secret", secret: true, bind: str(func(c *Config) *string { return &c.SMSSecret })},
	{name: "sms-sign", help: "signature put in front of every SMS text, e.g. 【示范省人社】", bind: str(func(c *Config) *string { return &c.SMSSign })},
	{name: "sms-code-key", help: "key for hashing one-time SMS codes at rest", secret: true, bind: str(func(c *Config) *string { return &c.SMSCodeKey })},
	{name: "throttle-key", help: "key for hashing account identifiers and client addresses in the login throttle's counters (32+ characters in production)", secret: true, bind: str(func(c *Config) *string { return &c.ThrottleKey })},
	{name: "verify-url", help: "face-verification provider start endpoint; empty uses the development confirmation screen in the companion app", bind: str(func(c *Config) *string { return &c.VerifyURL })},
	{name: "verify-secret", help: "face-verification provider callback signing secret (32+ characters)", secret: true, bind: str(func(c *Config) *string { return &c.VerifySecret })},
	{name: "registry-url", help: "market-regulator registry API base URL; empty uses the development table (hall import registry)", bind: str(func(c *Config) *string { return &c.RegistryURL })},
	{name: "registry-api-key", help: "market-regulator registry API key", secret: true, bind: str(func(c *Config) *string { return &c.RegistryAPIKey })},
	{name: "carrier-url", help: "courier company API base URL for deliveries of paper results (docs/deliveries.md); empty uses the development carrier 开发用快递", bind: str(func(c *Config) *string { return &c.CarrierURL })},
	{name: "carrier-api-key", help: "courier company API key, sent as a bearer token", secret: true, bind: str(func(c *Config) *string { return &c.CarrierAPIKey })},
	{name: "carrier-timeout", help: "longest one call to the courier company's API may take (1s–1m)", bind: dur(func(c *Config) *time.Duration { return &c.CarrierTimeout })},
	{name: "dev-carrier-step", help: "time between the statuses of a development carrier shipment (1s–24h)", bind: dur(func(c *Config) *time.Duration { return &c.DevCarrierStep })},
	{name: "delivery-poll-every", help: "how often a serving process asks the carrier about open deliveries (10s–24h)", bind: dur(func(c *Config) *time.Duration { return &c.DeliveryPollEvery })},
	{name: "insurance-url", help: "the core social-insurance system's export base URL (https; http only to a loopback address) that 'hall serve' pulls the insurance read model from every insurance-pull-every (docs/insurance-import.md); empty: no scheduled pull", bind: str(func(c *Config) *string { return &c.InsuranceURL })},
	{name: "insurance-api-key", help: "the core social-insurance system's API key, for insurance-url and 'hall import insurance URL'", secret: true, bind: str(func(c *Config) *string { return &c.InsuranceAPIKey })},
	{name: "insurance-pull-every", help: "how often 'hall serve' pulls the insurance read model from insurance-url (1m–24h); of several serving processes one pulls, once per interval", bind: dur(func(c *Config) *time.Duration { return &c.InsurancePullEvery })},
	{name: "oidc-providers", help: "JSON file listing the OpenID Connect providers (provincial SSO, e-business licence); empty uses the development provider in development mode", bind: str(func(c *Config) *string { return &c.OIDCProviders })},
	{name: "oidc-dev-addr", help: "address of the development OpenID Connect provider's own listener; empty turns it off (default 127.0.0.1:8082 in development without oidc-providers)", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.Func(n, h, func(s string) error { c.OIDCDevAddr, c.oidcDevAddrSet = s, true; return nil })
	}},
	{name: "base-floor", help: "monthly contribution base floor, yuan", bind: uintv(func(c *Config) *uint { return &c.BaseFloor })},
	{name: "base-ceiling", help: "monthly contribution base ceiling, yuan", bind: uintv(func(c *Config) *uint { return &c.BaseCeiling })},
	{name: "material-files-per-person", help: "申请材料: files one person may upload in 24 hours (1–10000)", bind: uintv(func(c *Config) *uint { return &c.MaterialFilesPerPerson })},
	{name: "material-mb-per-person", help: "申请材料: megabytes one person may upload in 24 hours (10–100000: at least one file of 10 MB)", bind: uintv(func(c *Config) *uint { return &c.MaterialMBPerPerson })},
	{name: "material-files-per-unit", help: "申请材料: files the users of one unit may upload in 24 hours together (at least material-files-per-person, at most 100000)", bind: uintv(func(c *Config) *uint { return &c.MaterialFilesPerUnit })},
	{name: "material-mb-per-unit", help: "申请材料: megabytes the users of one unit may upload in 24 hours together (at least material-mb-per-person, at most 1000000)", bind: uintv(func(c *Config) *uint { return &c.MaterialMBPerUnit })},
	{name: "previous-data-keys", help: "earlier data keys, base64, comma-separated, that only open what was sealed under them: set during a key rotation (hall keys rotate) with the new key as data-key", secret: true, bind: str(func(c *Config) *string { return &c.PreviousDataKeys })},
	{name: "data-key", help: "data key sealing personal data at rest: 32 random bytes in base64 (openssl rand -base64 32); required in production; development without it generates DATA-DIR/data-key on first start", secret: true, bind: str(func(c *Config) *string { return &c.DataKey })},
	{name: "audit-key", help: "secret key for the audit log's hash chain (required in production)", secret: true, bind: str(func(c *Config) *string { return &c.AuditKey })},
	{name: "audit-anchor-file", help: "file the audit chain's signed head is appended to, and checked against by 'hall audit verify'; put it where the database's writers cannot rewrite it (another volume, WORM storage, a shipped log); production requires it set, outside the data directory and the SQLite database's (default DATA-DIR/audit-anchor.log in development)", bind: str(func(c *Config) *string { return &c.AuditAnchorFile })},
	{name: "audit-anchor-every", help: "how often 'hall serve' appends an anchor when the audit chain grew (10s–1h)", bind: dur(func(c *Config) *time.Duration { return &c.AuditAnchorEvery })},
}

// EnvName is the environment variable for a flag name.
func EnvName(flagName string) string {
	return "HALL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Register adds every setting to fs, with defaults taken from c after applying the
// environment (getenv), so that a flag given on the command line wins. The help text
// of each flag names its environment variable.
func Register(fs *flag.FlagSet, c *Config, getenv func(string) string) error {
	for _, k := range keys {
		env := EnvName(k.name)
		if v := getenv(env); v != "" {
			if err := setFromString(c, k, v); err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
		} else if k.secret {
			if f := getenv(env + "_FILE"); f != "" {
				// #nosec G304 -- the *_FILE variable is the operator's choice of secret file.
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("%s_FILE: %w", env, err)
				}
				if err := setFromString(c, k, strings.TrimSpace(string(b))); err != nil {
					return fmt.Errorf("%s_FILE: %w", env, err)
				}
			}
		}
		help := k.help + " [" + env
		if k.secret {
			help += ", or " + env + "_FILE"
		}
		k.bind(fs, c, k.name, help+"]")
	}
	return nil
}

// setFromString applies one environment value through the flag's own parser, so that
// the environment and the command line accept exactly the same syntax.
func setFromString(c *Config, k key, v string) error {
	tmp := flag.NewFlagSet("env", flag.ContinueOnError)
	tmp.SetOutput(discard{})
	k.bind(tmp, c, k.name, "")
	return tmp.Set(k.name, v)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// maxBaseCeiling is the highest base-ceiling accepted, in yuan.
const maxBaseCeiling = 1_000_000

// Validate checks the configuration and fills derived defaults.
func (c *Config) Validate() error {
	var errs []error
	switch c.Mode {
	case Development, Production:
	default:
		errs = append(errs, fmt.Errorf("mode must be development or production, not %q", c.Mode))
	}
	// The ceiling's own ceiling (a million yuan a month, far above any real one)
	// keeps the base in fen well inside int64, where the demo data works with it.
	if c.BaseFloor == 0 || c.BaseCeiling <= c.BaseFloor || c.BaseCeiling > maxBaseCeiling {
		errs = append(errs, fmt.Errorf("base-floor (%d) must be above 0 and below base-ceiling (%d), which is at most %d", c.BaseFloor, c.BaseCeiling, maxBaseCeiling))
	}
	// A budget below one file of 10 MB would refuse every upload; the upper
	// bounds keep the byte counts far inside int64.
	if c.MaterialFilesPerPerson < 1 || c.MaterialFilesPerPerson > 10_000 || c.MaterialMBPerPerson < 10 || c.MaterialMBPerPerson > 100_000 {
		errs = append(errs, fmt.Errorf("material-files-per-person (%d) must be 1–10000 and material-mb-per-person (%d) 10–100000", c.MaterialFilesPerPerson, c.MaterialMBPerPerson))
	}
	if c.MaterialFilesPerUnit < c.MaterialFilesPerPerson || c.MaterialFilesPerUnit > 100_000 ||
		c.MaterialMBPerUnit < c.MaterialMBPerPerson || c.MaterialMBPerUnit > 1_000_000 {
		errs = append(errs, fmt.Errorf("material-files-per-unit (%d) and material-mb-per-unit (%d) must be at least the person's and at most 100000 files and 1000000 MB", c.MaterialFilesPerUnit, c.MaterialMBPerUnit))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %v", c.Addr, err))
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base-url %q must be an absolute http(s) URL", c.BaseURL))
	} else if u.Scheme == "http" && c.Mode == Production && !c.AllowInsecureHTTP {
		errs = append(errs, fmt.Errorf("production mode needs an https:// base-url (%q would send cookies without Secure and no HSTS); behind a TLS-terminating proxy give the public https:// URL, or set allow-insecure-http", c.BaseURL))
	}
	if !c.adminAddrSet && c.Mode == Development {
		c.AdminAddr = "127.0.0.1:8081"
	}
	if c.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			errs = append(errs, fmt.Errorf("admin-addr %q: %v", c.AdminAddr, err))
		} else if c.AdminAddr == c.Addr {
			errs = append(errs, errors.New("admin-addr must differ from addr: the operations endpoints stay off the public listener"))
		}
		if c.AdminBaseURL == "" {
			c.AdminBaseURL = "http://" + c.AdminAddr
		}
		if u, err := url.Parse(c.AdminBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("admin-base-url %q must be an absolute http(s) URL", c.AdminBaseURL))
		} else if u.Scheme == "http" && c.Mode == Production && !c.AllowInsecureHTTP {
			errs = append(errs, fmt.Errorf("production mode needs an https:// admin-base-url (%q would send the back office's cookies without Secure); behind a TLS-terminating proxy give the URL staff open, or set allow-insecure-http", c.AdminBaseURL))
		}
		c.AdminBaseURL = strings.TrimRight(c.AdminBaseURL, "/")
	} else if c.AdminBaseURL != "" {
		errs = append(errs, errors.New("admin-base-url needs admin-addr: without the operations listener there is no back office"))
	}
	if !c.oidcDevAddrSet && c.Mode == Development && c.OIDCProviders == "" {
		c.OIDCDevAddr = "127.0.0.1:8082"
	}
	if c.OIDCDevAddr != "" {
		switch _, _, err := net.SplitHostPort(c.OIDCDevAddr); {
		case err != nil:
			errs = append(errs, fmt.Errorf("oidc-dev-addr %q: %v", c.OIDCDevAddr, err))
		case c.Mode == Production || c.OIDCProviders != "":
			errs = append(errs, errors.New("oidc-dev-addr runs the development OpenID Connect provider: only in development mode without oidc-providers"))
		case c.OIDCDevAddr == c.Addr || c.OIDCDevAddr == c.AdminAddr:
			errs = append(errs, errors.New("oidc-dev-addr must differ from addr and admin-addr"))
		}
	}
	for _, p := range c.TrustedProxies {
		if p.Bits() == 0 {
			errs = append(errs, fmt.Errorf("trusted-proxies: %s trusts every address, so any client could name its own address", p))
		}
	}
	errs = append(errs, c.validateCA()...)
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data-dir must be set when database-url is empty"))
	}
	if c.Mode == Production {
		// Before the default is filled in: production names the file itself.
		errs = append(errs, c.productionAnchorFile()...)
	}
	if c.AuditAnchorFile == "" {
		if c.DataDir == "" {
			errs = append(errs, errors.New("audit-anchor-file must be set when data-dir is empty"))
		} else {
			c.AuditAnchorFile = filepath.Join(c.DataDir, "audit-anchor.log")
		}
	}
	if c.AuditAnchorEvery < 10*time.Second || c.AuditAnchorEvery > time.Hour {
		errs = append(errs, fmt.Errorf("audit-anchor-every %s must be between 10s and 1h", c.AuditAnchorEvery))
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Mode == Production {
			c.LogFormat = "json"
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format must be text or json, not %q", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level must be debug, info, warn or error, not %q", c.LogLevel))
	}
	if st, err := os.Stat(c.PDFFont); err != nil || !st.Mode().IsRegular() {
		errs = append(errs, fmt.Errorf("pdf-font %q: no such font file (Debian: apt-get install fonts-wqy-microhei for %s)", c.PDFFont, pdfdoc.DefaultFontPath))
	}
	if c.RightsFileKeepMonths > 120 {
		errs = append(errs, fmt.Errorf("rights-file-keep-months %d must be at most 120 (ten years)", c.RightsFileKeepMonths))
	}
	if c.RightsBuilds < 1 || c.RightsBuilds > maxRightsBuilds {
		errs = append(errs, fmt.Errorf("rights-builds %d must be between 1 and %d", c.RightsBuilds, maxRightsBuilds))
	}
	if c.RightsBuildWait < 100*time.Millisecond || c.RightsBuildWait > time.Minute {
		errs = append(errs, fmt.Errorf("rights-build-wait %s must be between 100ms and 1m", c.RightsBuildWait))
	}
	if strings.TrimSpace(c.BureauName) == "" || strings.TrimSpace(c.HallName) == "" {
		errs = append(errs, errors.New("bureau-name and hall-name must not be empty"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown-timeout must be positive"))
	}
	if c.SessionIdle <= 0 || c.SessionAbsolute < c.SessionIdle {
		errs = append(errs, errors.New("session-idle must be positive and no longer than session-absolute"))
	}
	if c.QRTicketTTL < 30*time.Second || c.QRTicketTTL > 10*time.Minute {
		errs = append(errs, fmt.Errorf("qr-ticket-ttl %s must be between 30s and 10m", c.QRTicketTTL))
	}
	if c.QRWaitMax < time.Second || c.QRWaitMax > time.Minute {
		errs = append(errs, fmt.Errorf("qr-wait-max %s must be between 1s and 1m", c.QRWaitMax))
	}
	if c.QRMaxWaiters < 1 || c.QRMaxWaiters > 1_000_000 {
		errs = append(errs, fmt.Errorf("qr-max-waiters %d must be between 1 and 1000000", c.QRMaxWaiters))
	}
	if c.StaffSessionIdle < time.Minute || c.StaffSessionAbsolute < c.StaffSessionIdle || c.StaffSessionAbsolute > 24*time.Hour {
		errs = append(errs, errors.New("staff-session-idle must be at least 1m and no longer than staff-session-absolute, which is at most 24h"))
	}
	// The ceilings are the password hasher's own (person.HashConfig.Validate):
	// checked here, a value past uint32 is refused by name instead of wrapping
	// into a small, accepted one on its way to argon2.
	if c.HashMemoryKiB < 8*1024 || c.HashMemoryKiB > 1<<20 || c.HashTime < 1 || c.HashTime > 16 ||
		c.HashThreads < 1 || c.HashThreads > 16 {
		errs = append(errs, errors.New("hash-memory-kib must be 8192–1048576, hash-time 1–16, hash-threads 1–16"))
	}
	if c.HashMaxWait < 100*time.Millisecond || c.HashMaxWait > time.Minute {
		errs = append(errs, fmt.Errorf("hash-max-wait %s must be between 100ms and 1m", c.HashMaxWait))
	}
	if c.HashMaxQueued > 100_000 {
		errs = append(errs, fmt.Errorf("hash-max-queued %d must be at most 100000", c.HashMaxQueued))
	}
	if c.CarrierTimeout < time.Second || c.CarrierTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("carrier-timeout %s must be between 1s and 1m", c.CarrierTimeout))
	}
	if c.DevCarrierStep < time.Second || c.DevCarrierStep > 24*time.Hour {
		errs = append(errs, fmt.Errorf("dev-carrier-step %s must be between 1s and 24h", c.DevCarrierStep))
	}
	if c.DeliveryPollEvery < 10*time.Second || c.DeliveryPollEvery > 24*time.Hour {
		errs = append(errs, fmt.Errorf("delivery-poll-every %s must be between 10s and 24h", c.DeliveryPollEvery))
	}
	errs = append(errs, c.insurancePull()...)
	errs = append(errs, c.dataKey()...)
	if c.Mode == Production {
		if c.SMSGatewayURL == "" || c.VerifyURL == "" || c.RegistryURL == "" {
			errs = append(errs, errors.New("production mode refuses development adapters: set sms-gateway-url, verify-url and registry-url"))
		}
		if c.CarrierURL == "" {
			errs = append(errs, errors.New("production mode refuses the development carrier 开发用快递: set carrier-url"))
		}
		if len(c.SMSCodeKey) < 32 {
			errs = append(errs, errors.New("production mode needs sms-code-key of at least 32 characters"))
		}
		if len(c.ThrottleKey) < 32 {
			errs = append(errs, errors.New("production mode needs throttle-key of at least 32 characters"))
		}
		if c.Demo {
			errs = append(errs, errors.New("demo data is not allowed in production mode"))
		}
		if len(c.AuditKey) < 32 {
			errs = append(errs, errors.New("production mode needs audit-key of at least 32 characters"))
		}
		if len(c.StaffTOTPKey) < 32 {
			errs = append(errs, errors.New("production mode needs staff-totp-key of at least 32 characters"))
		}
	}
	return errors.Join(errs...)
}

// DevelopmentDataKeyFile is where development without data-key keeps the data key it
// generated (services.Build): beside the SQLite database, since a development key
// protects no more than the data directory's own mode does.
func (c *Config) DevelopmentDataKeyFile() string { return filepath.Join(c.DataDir, "data-key") }

// dataKey checks the data key: the configured form when it is set; production
// requires it, development without it needs the data directory to keep its own.
func (c *Config) dataKey() []error {
	var primary []byte
	switch {
	case c.DataKey != "":
		var err error
		if primary, err = sealed.ParseKey(c.DataKey); err != nil {
			return []error{fmt.Errorf("data-key: %w", err)}
		}
	case c.Mode == Production:
		return []error{errors.New("production mode needs data-key (--data-key, HALL_DATA_KEY or, best, HALL_DATA_KEY_FILE): 32 random bytes in base64 (openssl rand -base64 32)")}
	case c.DataDir == "":
		return []error{errors.New("data-key must be set when data-dir is empty: development keeps a generated key in the data directory")}
	}
	if _, err := c.PreviousDataKeyList(); err != nil {
		return []error{err}
	}
	// The data key among the previous ones would be refused at start (sealed.NewKeys:
	// the same key twice); said here, with the other settings' errors, naming the key
	// by its place as PreviousDataKeyList does (empty places counted).
	// (A generated development key is not known yet: sealed.NewKeys refuses it then.)
	for i, s := range strings.Split(c.PreviousDataKeys, ",") {
		if k, err := sealed.ParseKey(strings.TrimSpace(s)); err == nil && primary != nil && bytes.Equal(k, primary) {
			return []error{fmt.Errorf("previous-data-keys: key %d is data-key itself: a key rotation puts the old key here and the new one in data-key", i+1)}
		}
	}
	return nil
}

// PreviousDataKeyList parses PreviousDataKeys: keys in base64 separated by commas,
// each trimmed of white space (a key file's line breaks around them included), empty
// places passed over, in the order given. Lines alone do not separate keys. Errors,
// naming the key by its place in the list (empty places counted) and never
// repeating it: a key that is not 32 bytes in base64; a key given twice, which
// sealed.NewKeys would refuse at start.
func (c *Config) PreviousDataKeyList() ([][]byte, error) {
	var out [][]byte
	places := map[string]int{}
	for i, s := range strings.Split(c.PreviousDataKeys, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		k, err := sealed.ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("previous-data-keys: key %d: %w", i+1, err)
		}
		if first, ok := places[string(k)]; ok {
			return nil, fmt.Errorf("previous-data-keys: key %d is key %d again", i+1, first)
		}
		places[string(k)] = i + 1
		out = append(out, k)
	}
	return out, nil
}

// insurancePull checks the scheduled pull's settings when insurance-url is set: the
// URL as the import takes it (the key never crosses a network in clear text), a key,
// and an interval that neither hammers the core system nor lets the read model age
// past a day.
func (c *Config) insurancePull() []error {
	if c.InsuranceURL == "" {
		return nil
	}
	var errs []error
	u, err := url.Parse(c.InsuranceURL)
	switch {
	case err != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil ||
		(u.Scheme != "https" && u.Scheme != "http"):
		errs = append(errs, fmt.Errorf("insurance-url %q must be an absolute https URL without query", c.InsuranceURL))
	case u.Scheme == "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			errs = append(errs, fmt.Errorf("insurance-url %q must use https (http only to a loopback address): the API key goes with every request", c.InsuranceURL))
		}
	}
	if c.InsuranceAPIKey == "" {
		errs = append(errs, errors.New("insurance-url needs insurance-api-key (HALL_INSURANCE_API_KEY or HALL_INSURANCE_API_KEY_FILE)"))
	}
	if c.InsurancePullEvery < time.Minute || c.InsurancePullEvery > 24*time.Hour {
		errs = append(errs, fmt.Errorf("insurance-pull-every %s must be between 1m and 24h", c.InsurancePullEvery))
	}
	return errs
}

// productionAnchorFile refuses, in production, an audit anchor file left to its
// default or put in the data directory or beside the SQLite database: there the
// database's writers can rewrite the anchors as easily as the chain they prove
// (docs/audit.md).
func (c *Config) productionAnchorFile() []error {
	if c.AuditAnchorFile == "" {
		return []error{errors.New("production mode needs audit-anchor-file set explicitly, outside the data directory (another volume, WORM storage or a shipped log; docs/audit.md)")}
	}
	var dirs []string
	if c.DataDir != "" {
		dirs = append(dirs, c.DataDir)
	}
	switch db := c.DatabaseURL; {
	case strings.HasPrefix(db, "sqlite:"):
		dirs = append(dirs, filepath.Dir(strings.TrimPrefix(db, "sqlite:")))
	case strings.HasSuffix(db, ".db") && !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://"):
		dirs = append(dirs, filepath.Dir(db))
	}
	for _, d := range dirs {
		if within(d, filepath.Dir(c.AuditAnchorFile)) {
			return []error{fmt.Errorf("production mode refuses audit-anchor-file %s in %s, beside the database: whoever can rewrite the database could rewrite its anchors; put it on another volume, WORM storage or a shipped log", c.AuditAnchorFile, d)}
		}
	}
	return nil
}

// within reports whether dir is root or lies below it (paths made absolute first;
// one that cannot be is compared as given).
func within(root, dir string) bool {
	if a, err := filepath.Abs(root); err == nil {
		root = a
	}
	if a, err := filepath.Abs(dir); err == nil {
		dir = a
	}
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// ParsePrefixes reads a comma-separated list of CIDRs; a bare address stands for itself
// (/32 or /128). Addresses are stored unmapped, so that an IPv4 proxy matches whether
// the listener reports it as 192.0.2.1 or ::ffff:192.0.2.1.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(f, "/") {
			var err error
			if p, err = netip.ParsePrefix(f); err != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", f)
			}
			if a := p.Addr(); a.Is4In6() {
				if p.Bits() < 96 {
					return nil, fmt.Errorf("%q: an IPv4-mapped prefix needs at least 96 bits", f)
				}
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", f)
			}
			a = a.Unmap().WithZone("")
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Dev reports whether development adapters may be used.
func (c *Config) Dev() bool { return c.Mode == Development }
