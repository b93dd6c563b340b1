package oidc

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/flow"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/token"
	"hall/internal/unit"
)

// FlowKind is the kind of the saved flow (internal/flow) a login through a
// provider keeps between Start and Callback.
const FlowKind = "oidc-login"

// Steps of the flow: Start saves it at stepAuthorize; Callback moves it to
// stepCallback before it talks to the provider (so that of two callbacks with one
// state only one ever exchanges a code) and completes it with the login.
const (
	stepAuthorize = "authorize"
	stepCallback  = "callback"
)

// DefaultFlowTTL is how long a person has between Start and the callback: time to
// log in at the provider, which may include a face scan in its app.
const DefaultFlowTTL = 10 * time.Minute

// CallbackPath is the path of a provider's redirect URI at the hall; the page at
// GET CallbackPath(id) calls Callback. One path per provider means the provider
// that answers is the one the flow was started with (mix-up defence, RFC 9207 §1).
func CallbackPath(providerID string) string { return "/login/oidc/" + providerID + "/callback" }

// Deps are the services a login needs.
type Deps struct {
	DB         *store.DB
	Flows      *flow.Store
	Persons    *person.Service
	Units      *unit.Service
	Delegation *delegation.Service
	Registry   registry.Registry
	Audit      *audit.Log
	// HTTPClient talks to the providers; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	Now        func() time.Time
}

// Config are the service's settings.
type Config struct {
	// BaseURL is the hall's public URL; a provider's redirect URI is BaseURL +
	// CallbackPath(id), registered with the provider.
	BaseURL string
	// FlowTTL bounds the time from Start to the callback (default DefaultFlowTTL).
	FlowTTL time.Duration
}

// ProviderInfo is what a login page shows of a provider under 其他登录方式.
type ProviderInfo struct {
	ID          string
	DisplayName string
	Kind        Kind
	Purposes    []Purpose
	// Development marks the built-in development provider; the page says so.
	Development bool
}

// Offers reports whether the provider is shown on the purpose's tab.
func (p ProviderInfo) Offers(pu Purpose) bool {
	for _, x := range p.Purposes {
		if x == pu {
			return true
		}
	}
	return false
}

// Service runs logins through OpenID Connect providers (SPEC L4, L5) and opens a
// unit's account at its first such login (R5).
type Service struct {
	d         Deps
	cfg       Config
	list      []ProviderInfo
	providers map[string]*provider
}

// New returns the service for the providers, which must have passed Validate
// (LoadProviders does that). Errors: a bad BaseURL or provider list.
func New(d Deps, cfg Config, providers []ProviderConfig) (*Service, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.FlowTTL <= 0 {
		cfg.FlowTTL = DefaultFlowTTL
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oidc: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if err := Validate(providers, false); err != nil {
		return nil, err
	}
	s := &Service{d: d, cfg: cfg, providers: map[string]*provider{}}
	for _, p := range providers {
		s.providers[p.ID] = &provider{cfg: p, redirect: s.RedirectURL(p.ID), client: d.HTTPClient, now: d.Now}
		s.list = append(s.list, ProviderInfo{ID: p.ID, DisplayName: p.DisplayName, Kind: p.Kind,
			Purposes: append([]Purpose(nil), p.Purposes...), Development: p.Development})
	}
	return s, nil
}

// RedirectURL is the redirect URI of the provider, to be registered with it.
func (s *Service) RedirectURL(providerID string) string {
	return trimSlash(s.cfg.BaseURL) + CallbackPath(providerID)
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// Providers lists the configured providers in configuration order.
func (s *Service) Providers() []ProviderInfo { return append([]ProviderInfo(nil), s.list...) }

// flowData is what Start saves for Callback. The nonce and PKCE verifier stay on
// the server: the browser only ever carries the state (the flow ID), which is
// worth nothing in another browser (the flow is bound to this one).
type flowData struct {
	Provider string  `json:"provider"`
	Purpose  Purpose `json:"purpose"`
	Nonce    string  `json:"nonce"`
	Verifier string  `json:"verifier"`
	Next     string  `json:"next,omitempty"`
}

// Start begins a login through the provider for the browser with the binding (the
// visitor's binding cookie value) and returns the provider's authorization URL to
// redirect the browser to. The state sent is the ID of a flow bound to the browser,
// single use and expiring after Config.FlowTTL; PKCE (S256) and a nonce go with it.
// next is where the browser asked to go after the login (a local path the caller
// checked, or ""): it is kept with the flow, on the server, and comes back as
// Login.Next — the provider never sees it.
//
// Errors: ErrUnknownProvider for an unknown provider or one not offered for the
// purpose; ErrProviderUnavailable when its discovery document cannot be read;
// otherwise database failures.
func (s *Service) Start(ctx context.Context, providerID string, purpose Purpose, binding, next string) (string, error) {
	p, ok := s.providers[providerID]
	if !ok || !purpose.Valid() || !p.cfg.offers(purpose) {
		return "", ErrUnknownProvider
	}
	if _, _, _, err := p.ready(ctx); err != nil {
		return "", err
	}
	d := flowData{Provider: providerID, Purpose: purpose, Nonce: token.New(), Verifier: oauth2.GenerateVerifier(), Next: next}
	f, err := s.d.Flows.Create(ctx, FlowKind, binding, stepAuthorize, d, s.cfg.FlowTTL)
	if err != nil {
		return "", err
	}
	return p.authURL(ctx, f.ID, d.Nonce, d.Verifier)
}

// Login is a successful login: whom the session is for, and how the hall knows.
type Login struct {
	Provider ProviderInfo
	Purpose  Purpose
	// Next is the return path given to Start ("" for none); set, like Purpose, on a
	// refusal too once the flow was found.
	Next     string
	Asserted Asserted
	Person   person.Person
	// Subject is what the session acts as: the person alone (PurposePerson) or the
	// person in a role for Unit (PurposeUnit). Create the session with proof
	// auth.ProofOIDC.
	Subject auth.Subject
	Unit    unit.Unit // zero for a personal login
	// OpenedUnit is true when this login opened the unit's account (R5).
	OpenedUnit bool
}

// flowErrs maps the flow store's errors to this package's.
var flowErrs = flow.Errors{NotFound: ErrState, Expired: ErrStateExpired, Completed: ErrState, Step: ErrState}

// Callback finishes a login: the request to CallbackPath(providerID) came back
// from the provider with query, in the browser with binding. It checks the
// parameters and the state (a flow this browser started with this provider, not
// used, not expired), turns an error= into a *ProviderError, redeems the code,
// verifies the ID token and maps its claims to the hall's accounts:
//
//   - PurposePerson: the person with the asserted ID type and number, whose name
//     must match the asserted one;
//   - PurposeUnit: the unit with the asserted USCC and, in it, that person's role,
//     which must be usable now (the rules of the unit password login: legal rep,
//     admin or agent inside the grant's validity). A unit without an account is
//     opened here (R5) when the registry knows it and agrees with the provider and
//     the person is its legal representative with a personal account.
//
// Every outcome is in the audit log ("login.person.oidc", "login.unit.oidc").
//
// Errors: ErrUnknownProvider; ErrBadCallback; ErrState, ErrStateExpired; a
// *ProviderError; ErrProviderUnavailable; ErrToken; ErrNonce; ErrClaims; an
// *Unregistered (ErrUnknownPerson); ErrPersonMismatch; ErrUnitClosed; ErrNoRole;
// ErrRoleNotUsable (its message says why); for R5 ErrUnknownUnit,
// ErrUnitNotOpened, ErrRegistryMismatch, ErrRegistryUnavailable; otherwise
// database failures.
func (s *Service) Callback(ctx context.Context, providerID, binding string, query url.Values, at auth.Attempt) (Login, error) {
	p, ok := s.providers[providerID]
	if !ok {
		return Login{}, ErrUnknownProvider
	}
	l := Login{Provider: s.info(providerID)}
	params, err := ParseCallback(query)
	if err != nil {
		return l, s.fail(ctx, l, at, err)
	}
	f, err := s.d.Flows.Get(ctx, params.State, FlowKind, binding)
	if err != nil {
		return l, s.fail(ctx, l, at, flowErrs.Map(err))
	}
	var d flowData
	if err := f.Decode(&d); err != nil {
		return l, err
	}
	l.Purpose, l.Next = d.Purpose, d.Next
	if d.Provider != providerID {
		return l, s.fail(ctx, l, at, fmt.Errorf("%w: flow of provider %q came back to %q", ErrState, d.Provider, providerID))
	}
	if params.Issuer != "" && params.Issuer != p.cfg.Issuer {
		return l, s.fail(ctx, l, at, fmt.Errorf("%w: callback iss %q", ErrToken, params.Issuer))
	}
	// Claim the flow before anything else: a replayed or concurrent callback with the
	// same state stops here.
	if err := s.d.Flows.Advance(ctx, f, stepAuthorize, stepCallback, nil); err != nil {
		return l, s.fail(ctx, l, at, flowErrs.Map(err))
	}
	if params.Error != "" {
		return l, s.fail(ctx, l, at, &ProviderError{Code: params.Error, Description: params.ErrorDescription})
	}
	doc, err := p.exchange(ctx, params.Code, d.Verifier, d.Nonce)
	if err != nil {
		return l, s.fail(ctx, l, at, err)
	}
	if l.Asserted, err = Assert(doc, p.cfg.Claims, p.cfg.RoleValues, d.Purpose, s.d.Now()); err != nil {
		return l, s.fail(ctx, l, at, err)
	}
	if d.Purpose == PurposeUnit {
		l, err = s.unitLogin(ctx, f, l, at)
	} else {
		l, err = s.personLogin(ctx, f, l, at)
	}
	if err != nil {
		return l, s.fail(ctx, l, at, err)
	}
	return l, nil
}

func (s *Service) info(id string) ProviderInfo {
	for _, p := range s.list {
		if p.ID == id {
			return p
		}
	}
	return ProviderInfo{}
}
