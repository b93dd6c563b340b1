package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/unit"
)

// Kind is what a provider is to the hall.
type Kind string

const (
	// KindGov is the provincial government service portal's single sign-on (SPEC L4,
	// 省政务服务网): it signs persons in, and with a legal-person account asserts the
	// unit (USCC) and the acting person.
	KindGov Kind = "gov"
	// KindLicence is the electronic business licence (SPEC L5, 电子营业执照): it asserts
	// the unit (USCC) and the licence holder acting for it, with the holder's role.
	KindLicence Kind = "licence"
)

// Purpose is the login box tab a login was started from.
type Purpose string

const (
	PurposePerson Purpose = "person" // 个人登录
	PurposeUnit   Purpose = "unit"   // 单位登录
)

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return p == PurposePerson || p == PurposeUnit }

// Token endpoint client authentication methods (OIDC Core §9).
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
	AuthNone  = "none" // a public client: PKCE alone protects the code
)

// asymmetricAlgs are the ID token signature algorithms a provider may be configured
// with. "none" and the HMAC algorithms (HS256 …) are refused: with a shared secret
// the client itself could mint tokens, and "none" is no signature at all.
var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Defaults of a provider's settings.
var (
	DefaultSigningAlgs = []string{"RS256", "ES256"}
	DefaultScopes      = []string{"openid", "profile"}
)

const (
	DefaultClockSkew = 2 * time.Minute
	// MaxClockSkew bounds the configured skew: more would accept tokens long expired.
	MaxClockSkew = 5 * time.Minute
)

// ClaimNames says which claim of the ID token (or user info) holds each fact. Only
// top-level claims are read. IDNumber and Name are required; USCC is required for a
// provider that offers unit login.
type ClaimNames struct {
	IDNumber string `json:"id_number"`
	// IDType holds the kind of ID document; empty means every ID is a 居民身份证.
	IDType   string `json:"id_type,omitempty"`
	Name     string `json:"name"`
	Mobile   string `json:"mobile,omitempty"`
	USCC     string `json:"uscc,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	// Role holds the licence holder's role (法定代表人, 管理员, 经办人), mapped by
	// ProviderConfig.RoleValues.
	Role string `json:"role,omitempty"`
	// Verified, when set, names a claim that must be true (the account is real-name
	// verified at the provider); a login without it is refused.
	Verified string `json:"verified,omitempty"`
}

// Endpoints are a provider's endpoints given by hand, for a provider without a
// discovery document. Authorization, Token and JWKS are then required.
type Endpoints struct {
	Authorization string `json:"authorization"`
	Token         string `json:"token"`
	UserInfo      string `json:"userinfo,omitempty"`
	JWKS          string `json:"jwks"`
}

// ProviderConfig is one provider as configured: an entry of the JSON list the
// oidc-providers setting names (see LoadProviders).
type ProviderConfig struct {
	// ID names the provider in URLs (/login/oidc/{id}/callback) and the audit log:
	// 1–32 of a-z, 0-9 and '-'.
	ID          string `json:"id"`
	Kind        Kind   `json:"kind"`
	DisplayName string `json:"display_name"` // shown under 其他登录方式, e.g. 江苏政务服务网
	Issuer      string `json:"issuer"`
	ClientID    string `json:"client_id"`
	// ClientSecretFile is read at load time into ClientSecret, so that the secret is
	// kept out of the list and out of the environment.
	ClientSecretFile string `json:"client_secret_file,omitempty"`
	ClientSecret     string `json:"-"`
	TokenAuth        string `json:"token_auth,omitempty"` // AuthBasic (default), AuthPost or AuthNone
	// Purposes are the tabs the provider is offered on; default: both for KindGov,
	// unit only for KindLicence.
	Purposes    []Purpose `json:"purposes,omitempty"`
	Scopes      []string  `json:"scopes,omitempty"`
	SigningAlgs []string  `json:"signing_algs,omitempty"`
	// ClockSkew is how far the provider's clock may be from the hall's, e.g. "2m".
	ClockSkew Duration `json:"clock_skew,omitzero"`
	// UserInfo asks the user-info endpoint too; claims missing from the ID token are
	// taken from there.
	UserInfo bool       `json:"userinfo,omitempty"`
	Claims   ClaimNames `json:"claims"`
	// RoleValues maps the provider's role claim values to the hall's roles
	// (legal_rep, admin, agent); default: the codes and the Chinese labels.
	RoleValues map[string]unit.Role `json:"role_values,omitempty"`
	Endpoints  *Endpoints           `json:"endpoints,omitempty"`
	// Development marks the built-in development provider (DevProvider).
	Development bool `json:"-"`
}

// Duration is a time.Duration read from JSON as a string such as "90s".
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"2m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// LoadProviders reads the JSON list of providers at path, reads each client secret
// file, fills defaults and validates the list (see Validate). production refuses
// plain-HTTP issuers and endpoints. Errors name the provider and the setting.
func LoadProviders(path string, production bool) ([]ProviderConfig, error) {
	// #nosec G304 -- the path is the operator's configuration, not request input.
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc providers: %w", err)
	}
	return ParseProviders(b, os.ReadFile, production)
}

// ParseProviders is LoadProviders on the file's content; readFile reads secret files.
func ParseProviders(b []byte, readFile func(string) ([]byte, error), production bool) ([]ProviderConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var list []ProviderConfig
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("oidc providers: the file must be a JSON list of providers: %w", err)
	}
	var errs []error
	for i := range list {
		p := &list[i]
		if p.ClientSecretFile != "" {
			s, err := readFile(p.ClientSecretFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("oidc provider %q: client_secret_file: %w", p.ID, err))
				continue
			}
			p.ClientSecret = strings.TrimSpace(string(s))
		}
	}
	if err := Validate(list, production); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return list, nil
}

// Validate fills each provider's defaults and checks the list: unique IDs, a known
// kind, an absolute issuer (https in production), a client ID and, unless the
// client is public, a secret; scopes including openid; only asymmetric signature
// algorithms; a clock skew of at most MaxClockSkew; the claims each purpose needs;
// role values naming hall roles. It returns every problem found.
func Validate(list []ProviderConfig, production bool) error {
	var errs []error
	seen := map[string]bool{}
	for i := range list {
		p := &list[i]
		p.fillDefaults()
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("oidc provider %q: "+format, append([]any{p.ID}, args...)...))
		}
		if !validID(p.ID) {
			bad("id must be 1–32 characters of a-z, 0-9 and '-'")
		} else if seen[p.ID] {
			bad("id is used twice")
		}
		seen[p.ID] = true
		if p.Kind != KindGov && p.Kind != KindLicence {
			bad("kind must be %q or %q", KindGov, KindLicence)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(p.DisplayName)); n == 0 || n > 32 {
			bad("display_name must be 1–32 characters")
		}
		if err := checkURL(p.Issuer, production); err != nil {
			bad("issuer: %v", err)
		}
		if p.Endpoints != nil {
			for _, e := range []struct{ name, v string }{{"authorization", p.Endpoints.Authorization},
				{"token", p.Endpoints.Token}, {"jwks", p.Endpoints.JWKS}} {
				if err := checkURL(e.v, production); err != nil {
					bad("endpoints.%s: %v", e.name, err)
				}
			}
			if p.Endpoints.UserInfo != "" {
				if err := checkURL(p.Endpoints.UserInfo, production); err != nil {
					bad("endpoints.userinfo: %v", err)
				}
			}
		}
		if strings.TrimSpace(p.ClientID) == "" {
			bad("client_id is required")
		}
		switch p.TokenAuth {
		case AuthBasic, AuthPost:
			if p.ClientSecret == "" {
				bad("client_secret_file is required for token_auth %s", p.TokenAuth)
			}
		case AuthNone:
		default:
			bad("token_auth must be %s, %s or %s", AuthBasic, AuthPost, AuthNone)
		}
		if !slices.Contains(p.Scopes, "openid") {
			bad("scopes must include openid")
		}
		for _, a := range p.SigningAlgs {
			if !slices.Contains(asymmetricAlgs, a) {
				bad("signing_algs: %q is refused; use asymmetric algorithms only (%s)", a, strings.Join(asymmetricAlgs, ", "))
			}
		}
		if d := time.Duration(p.ClockSkew); d < 0 || d > MaxClockSkew {
			bad("clock_skew must be between 0 and %v", MaxClockSkew)
		}
		for _, pu := range p.Purposes {
			if !pu.Valid() {
				bad("purposes: %q is neither person nor unit", pu)
			}
		}
		if p.Kind == KindLicence && p.offers(PurposePerson) {
			bad("an e-business licence signs units in only: purposes must be [\"unit\"]")
		}
		if p.Claims.IDNumber == "" || p.Claims.Name == "" {
			bad("claims.id_number and claims.name are required")
		}
		if p.offers(PurposeUnit) && p.Claims.USCC == "" {
			bad("claims.uscc is required for unit login")
		}
		for v, r := range p.RoleValues {
			if !r.Valid() {
				bad("role_values[%q] = %q: must be legal_rep, admin or agent", v, r)
			}
		}
	}
	return errors.Join(errs...)
}

// fillDefaults sets what the configuration left empty.
func (p *ProviderConfig) fillDefaults() {
	p.Issuer = strings.TrimSpace(p.Issuer)
	if p.TokenAuth == "" {
		p.TokenAuth = AuthBasic
	}
	if len(p.Purposes) == 0 {
		p.Purposes = []Purpose{PurposePerson, PurposeUnit}
		if p.Kind == KindLicence {
			p.Purposes = []Purpose{PurposeUnit}
		}
	}
	if len(p.Scopes) == 0 {
		p.Scopes = slices.Clone(DefaultScopes)
	}
	if len(p.SigningAlgs) == 0 {
		p.SigningAlgs = slices.Clone(DefaultSigningAlgs)
	}
	if p.ClockSkew == 0 {
		p.ClockSkew = Duration(DefaultClockSkew)
	}
	if len(p.RoleValues) == 0 {
		p.RoleValues = map[string]unit.Role{}
		for _, r := range []unit.Role{unit.RoleLegalRep, unit.RoleAdmin, unit.RoleAgent} {
			p.RoleValues[string(r)] = r
			p.RoleValues[r.Label()] = r
		}
	}
}

// offers reports whether the provider is offered on the purpose's tab.
func (p *ProviderConfig) offers(pu Purpose) bool { return slices.Contains(p.Purposes, pu) }

// validID checks a provider ID.
func validID(s string) bool {
	return s != "" && len(s) <= 32 && !strings.ContainsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-')
	})
}

// checkURL accepts an absolute http(s) URL without query or fragment; production
// accepts http only for a loopback host (a provider proxied on the same machine).
func checkURL(s string, production bool) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be an absolute http(s) URL without query or fragment", s)
	}
	if production && u.Scheme == "http" {
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("%q: production mode needs https", s)
		}
	}
	return nil
}
