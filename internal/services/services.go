// Package services wires the hall's domain services from a Config and an open
// database: it chooses, for each external system, the development implementation or
// the production adapter. cmd/hall and the web tests build the same graph through it.
package services

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"time"

	"hall/internal/address"
	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ca"
	"hall/internal/captcha"
	"hall/internal/cases"
	"hall/internal/certlogin"
	"hall/internal/config"
	"hall/internal/counter"
	"hall/internal/delegation"
	"hall/internal/delivery"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/insurance"
	"hall/internal/legacy"
	"hall/internal/notices"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/qrlogin"
	"hall/internal/recovery"
	"hall/internal/registry"
	"hall/internal/registrysync"
	"hall/internal/rights"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/skills"
	"hall/internal/sms"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/throttle"
	"hall/internal/unit"
	"hall/internal/upgrade"
	"hall/internal/verify"
)

// Services is the wired domain. Fields named Dev* are the development
// implementations; they are nil in production mode.
type Services struct {
	Config  config.Config
	DB      *store.DB
	Log     *slog.Logger
	Now     func() time.Time
	Audit   *audit.Log
	Catalog *cases.Catalog
	// DataKeys seal personal data at rest (internal/sealed): the configured data
	// key, or in development without one the key kept in the data directory.
	DataKeys *sealed.Keys

	Hasher   *person.Hasher
	Persons  *person.Service
	Sessions *auth.Sessions
	Login    *auth.Login
	Units    *unit.Service
	Flows    *flow.Store
	// Legacy is the legacy hall's unit accounts that may be upgraded (R4).
	Legacy *legacy.Store

	SMS      sms.Sender
	Codes    *sms.Codes
	Notices  *sms.Notices // tells an account's mobile of password and mobile changes
	Registry registry.Registry
	Verify   *verify.Service
	Policy   ident.PasswordPolicy

	// Throttle counts failed logins per account and per client address (SPEC §4,
	// QUALITY.md "Failed logins"); Captcha is the slider puzzle it asks for.
	Throttle *throttle.Throttle
	Captcha  *captcha.Puzzles

	// Delegation is 经办人管理 (U6) and the single Authorize check of business
	// items; serve runs a delegation.Runner beside it.
	Delegation *delegation.Service

	// Institutions is 机构管理 (U7): the institution accounts units open, whose
	// operators sign in with the 机构编号 at the unit login (Login).
	Institutions *institution.Service

	// OIDC logs in through the provincial SSO and the e-business licence (L4, L5)
	// and opens a unit's account at its first such login (R5). DevOIDC is the
	// development provider serve runs on its own listener (config OIDCDevAddr).
	OIDC    *oidc.Service
	DevOIDC *oidc.DevProvider
	// CA verifies client certificates for CA login (SPEC L3); nil when CA login is
	// off. serve runs its Run loop, which keeps the CRLs fresh.
	CA *ca.Verifier
	// CertLogin is CA login itself (internal/certlogin): nil unless the CA-login
	// listener is configured (UseCALogin).
	CertLogin *certlogin.Service
	// caLoginURL is CALoginURL's answer, set with CertLogin.
	caLoginURL string
	// QRLogin is 扫码登录 (L2, L6): tickets, the app's scan and confirmation, and the
	// login page's wait.
	QRLogin *qrlogin.Service
	// Staff is the back office's accounts, login and sessions (SPEC B1–B6).
	Staff *staff.Service
	// RegistrySync applies legal-rep changes, renames and cancellations from the
	// registry's change feed to unit accounts (B5). Only the development registry
	// table has a change feed: nil with the HTTP registry adapter.
	RegistrySync *registrysync.Syncer
	// Scans keeps the counter's document scans under DATA-DIR/scans; Counter is the
	// counter's requests (registration, admin change, password reset, appeal release)
	// and appeals.
	Scans   *scans.Store
	Counter *counter.Service

	// Insurance is the read model of the core social-insurance system (U2); Rights
	// issues, lists and verifies the unit's rights records (U3, A4).
	Insurance *insurance.Store
	Rights    *rights.Service
	// Addresses are the units' delivery addresses (U9 收件地址), which deliveries
	// (U5) send to.
	Addresses *address.Store
	// Cases are the units' applications and their processing (U4, B4).
	Cases *cases.Service
	// NoticeBoard is 公示公告 (H1): drafted and published in the back office, read
	// on the public hall. (Notices are the account-change SMS above.)
	NoticeBoard *notices.Service
	// Skills is 职业技能等级认定 on the unit's workbench (U8): plans opened in the
	// back office, candidates entered by the unit, reviewed by staff.
	Skills *skills.Service
	// Deliveries are 单位快递 (U5): the paper results of approved cases posted
	// through the carrier; serve runs their poll job. DevCarrier is the development
	// carrier (开发用快递), nil with the HTTP carrier adapter.
	Deliveries *delivery.Service
	DevCarrier *delivery.DevCarrier

	DevOutbox   *sms.Outbox
	DevRegistry *registry.Table
	DevVerify   *verify.DevProvider
	HTTPVerify  *verify.HTTPProvider
}

// DataKeys are the keys of cfg's data key. Development without one uses the key kept
// in the data directory, generated on the first start, and says so in the log: it
// protects a copy of the database taken without the directory, nothing more.
// Production without one is refused (config.Validate refuses it first).
func DataKeys(cfg config.Config, log *slog.Logger) (*sealed.Keys, error) {
	development := cfg.DataKey == ""
	if development && (!cfg.Dev() || cfg.DataDir == "") {
		return nil, errors.New("data-key is not set (production mode needs it; development keeps its own in data-dir)")
	}
	var key []byte
	var created bool
	var err error
	if development {
		key, created, err = sealed.LoadOrCreateKeyFile(cfg.DevelopmentDataKeyFile())
	} else {
		key, err = sealed.ParseKey(cfg.DataKey)
	}
	if err != nil {
		return nil, err
	}
	previous, err := cfg.PreviousDataKeyList()
	if err != nil {
		return nil, err
	}
	keys, err := sealed.NewKeys(key, previous...)
	if err != nil {
		return nil, err
	}
	if development {
		level := slog.LevelInfo
		if created {
			level = slog.LevelWarn
		}
		log.Log(context.Background(), level, "development data key: personal data is sealed under a key kept beside the database, not fit for production (set data-key there)",
			"file", cfg.DevelopmentDataKeyFile(), "created", created, "key_id", keys.Primary().String())
	}
	return keys, nil
}

// databaseKeys are the keys db seals with: the ones already set on it (cmd/hall sets
// them before migrating, a test's database comes with its own), or else cfg's, which
// it then sets. A configured data key other than the database's is refused: the
// services would seal what the migrations and the database's other users cannot open.
func databaseKeys(cfg config.Config, db *store.DB, log *slog.Logger) (*sealed.Keys, error) {
	keys := db.Keys()
	if keys == nil {
		keys, err := DataKeys(cfg, log)
		if err != nil {
			return nil, err
		}
		db.UseKeys(keys)
		return keys, nil
	}
	if cfg.DataKey != "" {
		configured, err := DataKeys(cfg, log)
		if err != nil {
			return nil, err
		}
		if configured.Primary() != keys.Primary() {
			return nil, fmt.Errorf("the configured data key %s is not the database's %s", configured.Primary(), keys.Primary())
		}
	}
	return keys, nil
}

// Build wires the services. now may be nil (time.Now); tests pass a fake clock.
func Build(cfg config.Config, db *store.DB, log *slog.Logger, now func() time.Time) (*Services, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	// Every service logs through this logger: identifiers inside messages, errors
	// and attributes are masked before they are written (SPEC §2).
	log = ident.MaskingLogger(log)
	s := &Services{Config: cfg, DB: db, Log: log, Now: now, Policy: ident.DefaultPasswordPolicy()}
	s.Audit = audit.New(db, []byte(cfg.AuditKey), now)
	s.Catalog = cases.NewCatalog(db)
	var err error
	if s.DataKeys, err = databaseKeys(cfg, db, log); err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}

	hc := person.DefaultHashConfig()
	// config.Validate bounds these far below; a Config built without it must
	// still not wrap a large value into a small one that NewHasher would accept.
	if cfg.HashMemoryKiB > math.MaxUint32 || cfg.HashTime > math.MaxUint32 || cfg.HashThreads > math.MaxUint8 {
		return nil, fmt.Errorf("password hashing: hash-memory-kib %d, hash-time %d or hash-threads %d out of range",
			cfg.HashMemoryKiB, cfg.HashTime, cfg.HashThreads)
	}
	hc.Memory, hc.Time, hc.Threads = uint32(cfg.HashMemoryKiB), uint32(cfg.HashTime), uint8(cfg.HashThreads)
	hc.MaxWait, hc.MaxQueued = cfg.HashMaxWait, int(cfg.HashMaxQueued)
	if s.Hasher, err = person.NewHasher(hc); err != nil {
		return nil, fmt.Errorf("password hashing: %w", err)
	}
	if s.NoticeBoard, err = notices.New(notices.Deps{DB: db, Audit: s.Audit, Now: now}); err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}

	if cfg.SMSGatewayURL != "" {
		s.SMS, err = sms.NewGateway(sms.GatewayConfig{URL: cfg.SMSGatewayURL, APIKey: cfg.SMSAPIKey,
			Secret: []byte(cfg.SMSSecret), Sign: cfg.SMSSign}, now)
		if err != nil {
			return nil, fmt.Errorf("sms gateway: %w", err)
		}
	} else {
		s.DevOutbox = sms.NewOutbox(db, s.DataKeys, now)
		s.SMS = s.DevOutbox
	}
	cc := sms.DefaultCodeConfig()
	cc.Sign = cfg.SMSSign
	if cfg.SMSCodeKey != "" {
		cc.Key = []byte(cfg.SMSCodeKey)
	}
	if err := cc.Validate(); err != nil {
		return nil, fmt.Errorf("sms codes: %w", err)
	}
	s.Codes = sms.NewCodes(db, s.SMS, cc, now)
	s.Notices = sms.NewNotices(s.SMS, s.Codes.Config().Sign, cfg.Hotline, now)

	s.Persons = person.New(db, s.Hasher, s.Codes, s.Policy, s.Audit, now)
	if s.Sessions, err = auth.NewSessions(db, auth.SessionConfig{Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute}, now); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	s.Units = unit.New(db, now)
	s.Login = auth.NewLogin(s.Persons, s.Units, s.Hasher, s.Audit, now)
	s.Flows = flow.NewStore(db, now)
	s.Legacy = legacy.NewStore(db, derivedKey(cfg.ThrottleKey, "hall legacy dummy hash"))
	s.Insurance = insurance.New(db)
	s.Addresses = address.New(db, s.Audit, now)

	tc := throttle.DefaultConfig()
	// Password recovery starts per client address (recovery.ScopeAddr).
	tc.Scopes[recovery.ScopeAddr] = recovery.AddrLimits
	// QR login tickets created per client address (qrlogin.ScopeAddr).
	tc.Scopes[qrlogin.ScopeAddr] = qrlogin.AddrLimits
	// Provider logins started and callbacks per client address (oidc.ScopeStartAddr,
	// oidc.ScopeCallbackAddr).
	tc.Scopes[oidc.ScopeStartAddr] = oidc.StartAddrLimits
	tc.Scopes[oidc.ScopeCallbackAddr] = oidc.StartAddrLimits
	// CA logins started and checked per client address (certlogin.ScopeStartAddr,
	// certlogin.ScopeCheckAddr).
	tc.Scopes[certlogin.ScopeStartAddr] = certlogin.AddrLimits
	tc.Scopes[certlogin.ScopeCheckAddr] = certlogin.AddrLimits
	// Anonymous look-ups of rights records on the verify page (rights.ScopeVerifyAddr).
	tc.Scopes[rights.ScopeVerifyAddr] = rights.VerifyAddrLimits
	// Anonymous look-ups of a case's progress on 查询服务 (cases.ScopeProgressAddr).
	tc.Scopes[cases.ScopeProgressAddr] = cases.ProgressAddrLimits
	// … and per USCC typed, whatever the address (cases.ScopeProgressUSCC).
	tc.Scopes[cases.ScopeProgressUSCC] = cases.ProgressUSCCLimits
	// 历史单位用户升级's nominations per legacy account (upgrade.ScopeNomination).
	tc.Scopes[upgrade.ScopeNomination] = upgrade.NominationLimits
	// The back-office login (staff.ScopeLogin, staff.ScopeLoginAddr).
	for scope, limits := range staff.ThrottleScopes {
		tc.Scopes[scope] = limits
	}
	if cfg.ThrottleKey != "" {
		tc.Secret = []byte(cfg.ThrottleKey)
	}
	if err := tc.Validate(); err != nil {
		return nil, fmt.Errorf("login throttle: %w", err)
	}
	s.Throttle = throttle.New(db, tc, now)
	if s.Captcha, err = captcha.NewPuzzles(db, captcha.Config{}, now); err != nil {
		return nil, fmt.Errorf("captcha: %w", err)
	}

	if cfg.RegistryURL != "" {
		if s.Registry, err = registry.NewHTTP(cfg.RegistryURL, cfg.RegistryAPIKey, &http.Client{Timeout: 10 * time.Second}, now); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
	} else {
		s.DevRegistry = registry.NewTable(db, now)
		s.Registry = s.DevRegistry
	}

	var provider verify.Provider
	if cfg.VerifyURL != "" {
		s.HTTPVerify, err = verify.NewHTTPProvider(verify.HTTPConfig{StartURL: cfg.VerifyURL,
			CallbackURL: cfg.BaseURL + "/verify/callback", Secret: []byte(cfg.VerifySecret)}, now)
		if err != nil {
			return nil, fmt.Errorf("verification provider: %w", err)
		}
		provider = s.HTTPVerify
	} else {
		s.DevVerify = verify.NewDevProvider()
		provider = s.DevVerify
	}
	s.Verify = verify.New(db, provider, verify.Config{}, now)

	if s.Delegation, err = delegation.New(delegation.Deps{DB: db, Audit: s.Audit, Persons: s.Persons,
		Sessions: s.Sessions, Hasher: s.Hasher, Policy: s.Policy, SMS: s.SMS, Now: now},
		delegation.Config{Sign: cfg.SMSSign}); err != nil {
		return nil, fmt.Errorf("delegation: %w", err)
	}
	if s.Institutions, err = institution.NewService(institution.Deps{DB: db, Audit: s.Audit, Hasher: s.Hasher,
		Persons: s.Persons, Sessions: s.Sessions, Operators: s.resolveOperator, Policy: s.Policy, Now: now}); err != nil {
		return nil, fmt.Errorf("institutions: %w", err)
	}
	s.Login.SetInstitutions(s.Institutions)
	if s.Skills, err = skills.New(skills.Deps{DB: db, Audit: s.Audit, Authorizer: s.Delegation, Now: now}); err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	if err := s.buildOIDC(); err != nil {
		return nil, err
	}
	if s.CA, err = buildCA(cfg, log, now); err != nil {
		return nil, fmt.Errorf("CA login: %w", err)
	}
	if s.CA != nil && cfg.CA.LoginAddr != "" {
		s.UseCALogin(s.CA)
	}
	if s.QRLogin, err = qrlogin.New(qrlogin.Deps{DB: db, Units: s.Units, Authorizer: s.Delegation, Throttle: s.Throttle,
		Audit: s.Audit, Now: now}, qrlogin.Config{TTL: cfg.QRTicketTTL, WaitMax: cfg.QRWaitMax,
		MaxWaiters: int(cfg.QRMaxWaiters)}); err != nil {
		return nil, fmt.Errorf("QR login: %w", err)
	}
	if s.Staff, err = staff.New(staff.Deps{DB: db, Audit: s.Audit, Hasher: s.Hasher, Policy: s.Policy,
		Throttle: s.Throttle, Sealer: staff.NewSealer(cfg.StaffTOTPKey), Issuer: cfg.HallName + " 后台",
		Sessions:        staff.SessionConfig{Idle: cfg.StaffSessionIdle, Absolute: cfg.StaffSessionAbsolute},
		AuditAnchorFile: cfg.AuditAnchorFile, Now: now}); err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	if s.Scans, err = scans.NewStore(filepath.Join(cfg.DataDir, "scans"), db, s.Audit, now); err != nil {
		return nil, fmt.Errorf("scans: %w", err)
	}
	if s.Counter, err = counter.New(counter.Deps{DB: db, Audit: s.Audit, Persons: s.Persons, Units: s.Units,
		Delegation: s.Delegation, Sessions: s.Sessions, Registry: s.Registry, Scans: s.Scans, Hasher: s.Hasher,
		Policy: s.Policy, SMS: s.SMS, Sign: cfg.SMSSign, Hotline: cfg.Hotline, Now: now, Log: log}); err != nil {
		return nil, fmt.Errorf("counter: %w", err)
	}
	carrier, dev, err := buildCarrier(cfg, now)
	if err != nil {
		return nil, fmt.Errorf("carrier: %w", err)
	}
	s.DevCarrier = dev
	if s.Deliveries, err = delivery.New(delivery.Deps{DB: db, Carrier: carrier, Now: now, Log: log}); err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	// #nosec G115 -- config.Validate keeps base-ceiling at most 1000000 yuan, so the fen fit int64.
	if s.Cases, err = cases.NewService(cases.Deps{DB: db, Audit: s.Audit, Catalog: s.Catalog, Authorizer: s.Delegation,
		SMS: s.SMS, Bounds: insurance.Bounds{Floor: int64(cfg.BaseFloor) * 100, Ceiling: int64(cfg.BaseCeiling) * 100},
		Sign: cfg.SMSSign, Hotline: cfg.Hotline, Now: now, Approvals: s.Deliveries, Filings: s.Deliveries, Files: s.Scans,
		UploadBudget: cases.UploadBudget{PersonFiles: int(cfg.MaterialFilesPerPerson), PersonBytes: int64(cfg.MaterialMBPerPerson) << 20,
			UnitFiles: int(cfg.MaterialFilesPerUnit), UnitBytes: int64(cfg.MaterialMBPerUnit) << 20},
		KeySecret: derivedKey(cfg.ThrottleKey, "hall cases employee key")}); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if err := s.buildRights(); err != nil {
		return nil, fmt.Errorf("rights record: %w", err)
	}
	if s.DevRegistry != nil {
		if s.RegistrySync, err = registrysync.New(registrysync.Deps{DB: db, Audit: s.Audit, Changes: s.DevRegistry,
			Sessions: s.Sessions, Units: s.Units, Now: now}); err != nil {
			return nil, fmt.Errorf("registry sync: %w", err)
		}
	}
	return s, nil
}

// buildCarrier is the carrier of deliveries (U5): the HTTP adapter when
// carrier-url is set, else the development carrier, returned also as dev.
func buildCarrier(cfg config.Config, now func() time.Time) (c delivery.Carrier, dev *delivery.DevCarrier, err error) {
	if cfg.CarrierURL != "" {
		c, err = delivery.NewHTTPCarrier(delivery.HTTPConfig{URL: cfg.CarrierURL, APIKey: cfg.CarrierAPIKey, Timeout: cfg.CarrierTimeout})
		return c, nil, err
	}
	dev = delivery.NewDevCarrier(cfg.DevCarrierStep, now)
	return dev, dev, nil
}

// buildOIDC wires the OpenID Connect providers: those of the configured list, or
// in development the built-in development provider, or none.
func (s *Services) buildOIDC() error {
	cfg := s.Config
	var providers []oidc.ProviderConfig
	var err error
	switch {
	case cfg.OIDCProviders != "":
		if providers, err = oidc.LoadProviders(cfg.OIDCProviders, !cfg.Dev()); err != nil {
			return err
		}
	case cfg.Dev() && cfg.OIDCDevAddr != "":
		s.DevOIDC, err = oidc.NewDevProvider(oidc.DevConfig{BaseURL: "http://" + cfg.OIDCDevAddr,
			HallBaseURL: cfg.BaseURL, Directory: oidc.DBDirectory(s.DB), Now: s.Now})
		if err != nil {
			return err
		}
		providers = s.DevOIDC.Providers()
	}
	s.OIDC, err = oidc.New(oidc.Deps{DB: s.DB, Flows: s.Flows, Persons: s.Persons, Units: s.Units,
		Delegation: s.Delegation, Registry: s.Registry, Audit: s.Audit, Now: s.Now},
		oidc.Config{BaseURL: cfg.BaseURL}, providers)
	if err != nil {
		return fmt.Errorf("oidc: %w", err)
	}
	return nil
}

// derivedKey is a key for one use (label) derived from the throttle's key
// (required in production, shared by every instance), so that what it keys holds
// across instances and restarts: cases.EmployeeKey's keys in pages and addresses,
// legacy's choice of an unknown number's hash. nil in development without one (the
// user draws a random key).
func derivedKey(throttleKey, label string) []byte {
	if throttleKey == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(throttleKey))
	m.Write([]byte(label))
	return m.Sum(nil)
}

// resolveOperator finds an institution's operator by the rule an agent is found
// by (delegation.Service.ResolveNominee), with the institution's refusal.
func (s *Services) resolveOperator(ctx context.Context, o institution.Operator) (person.Person, error) {
	p, err := s.Delegation.ResolveNominee(ctx, delegation.Nominee{Name: o.Name, IDType: o.IDType, IDNumber: o.IDNumber, Mobile: o.Mobile})
	if errors.Is(err, delegation.ErrNomineeMismatch) {
		return person.Person{}, institution.ErrOperatorMismatch
	}
	return p, err
}
