package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"hall/internal/token"
	"hall/internal/unit"
)

// DevIdentity is one identity the development provider's login page offers: a
// person, and for a unit login the unit and the person's role in it.
type DevIdentity struct {
	Label    string    `json:"label"`
	IDType   string    `json:"id_type,omitempty"`
	IDNumber string    `json:"id_number"`
	Name     string    `json:"name"`
	Mobile   string    `json:"mobile,omitempty"`
	USCC     string    `json:"uscc,omitempty"`
	UnitName string    `json:"unit_name,omitempty"`
	Role     unit.Role `json:"role,omitempty"`
}

// DevConfig configures the development provider.
type DevConfig struct {
	// BaseURL is where the provider is served, as both the browser and the hall
	// reach it (its own listener, e.g. http://127.0.0.1:8082).
	BaseURL string
	// HallBaseURL is the hall's public URL: the only redirect URIs accepted are the
	// hall's callbacks.
	HallBaseURL string
	// Directory lists the identities the login page offers (DBDirectory in serve).
	Directory func(ctx context.Context) ([]DevIdentity, error)
	Now       func() time.Time
}

// Lifetimes of the development provider, like a real provider's: a code is
// redeemable once within a minute, tokens live five minutes.
const (
	devCodeTTL  = time.Minute
	devTokenTTL = 5 * time.Minute
)

// DevProvider is the development stand-in for the provincial government SSO and
// the e-business licence: a small OpenID Connect provider on its own listener that
// behaves like the real ones — discovery, JWKS, an authorization endpoint with a
// login page, single-use codes that expire, PKCE S256 required, exact redirect URI
// match, client authentication, ES256-signed ID tokens with nonce and at_hash,
// user info, error=access_denied when the person cancels. The login page is
// labelled 开发环境 and lets the tester pick a demo identity or type one. Codes and
// tokens are kept in memory: it stands for an outside system, not the hall's state.
type DevProvider struct {
	cfg     DevConfig
	key     *ecdsa.PrivateKey
	kid     string
	signer  jose.Signer
	clients map[string]devClient // by provider ID

	mu     sync.Mutex
	codes  map[string]*devGrant
	tokens map[string]*devGrant // access token → grant, for user info
}

type devClient struct {
	cfg      ProviderConfig
	redirect string
}

// devGrant is one login at the provider: who logged in and the request's binding.
type devGrant struct {
	client, redirect, nonce, challenge string
	claims                             map[string]any
	expires                            time.Time
}

// NewDevProvider makes the development provider with a fresh signing key and fresh
// client credentials for the two providers (Providers).
func NewDevProvider(cfg DevConfig) (*DevProvider, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Directory == nil {
		cfg.Directory = func(context.Context) ([]DevIdentity, error) { return nil, nil }
	}
	cfg.BaseURL, cfg.HallBaseURL = trimSlash(cfg.BaseURL), trimSlash(cfg.HallBaseURL)
	for _, u := range []string{cfg.BaseURL, cfg.HallBaseURL} {
		if err := checkURL(u, false); err != nil {
			return nil, fmt.Errorf("oidc dev provider: %w", err)
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	d := &DevProvider{cfg: cfg, key: key, kid: token.New()[:16], clients: map[string]devClient{},
		codes: map[string]*devGrant{}, tokens: map[string]*devGrant{}}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", d.kid)
	if d.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts); err != nil {
		return nil, err
	}
	for _, p := range []ProviderConfig{{
		ID: "gov", Kind: KindGov, DisplayName: "示范省政务服务网（开发环境）", TokenAuth: AuthBasic,
		Claims: ClaimNames{IDNumber: "certificate_number", IDType: "certificate_type", Name: "name",
			Mobile: "phone_number", USCC: "org_uscc", UnitName: "org_name", Role: "org_role"},
	}, {
		ID: "licence", Kind: KindLicence, DisplayName: "电子营业执照（开发环境）", TokenAuth: AuthPost, UserInfo: true,
		Claims: ClaimNames{IDNumber: "holder_id_number", Name: "holder_name", Mobile: "holder_mobile",
			USCC: "uscc", UnitName: "entname", Role: "holder_role"},
	}} {
		p.Issuer = cfg.BaseURL + "/" + p.ID
		p.ClientID = "hall-" + p.ID
		p.ClientSecret = token.New()
		p.SigningAlgs = []string{"ES256"}
		p.Development = true
		d.clients[p.ID] = devClient{cfg: p, redirect: cfg.HallBaseURL + CallbackPath(p.ID)}
	}
	return d, nil
}

// Providers are the relying-party configurations of the two development
// providers, for New.
func (d *DevProvider) Providers() []ProviderConfig {
	return []ProviderConfig{d.clients["gov"].cfg, d.clients["licence"].cfg}
}

// Handler serves both providers: /{id}/.well-known/openid-configuration,
// /{id}/authorize, /{id}/token, /{id}/userinfo and /{id}/jwks.
func (d *DevProvider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{id}/.well-known/openid-configuration", d.discovery)
	mux.HandleFunc("GET /{id}/jwks", d.jwks)
	mux.HandleFunc("GET /{id}/authorize", d.authorize)
	mux.HandleFunc("POST /{id}/authorize", d.authorize)
	mux.HandleFunc("POST /{id}/token", d.token)
	mux.HandleFunc("GET /{id}/userinfo", d.userinfo)
	return mux
}

func (d *DevProvider) client(r *http.Request) (devClient, bool) {
	c, ok := d.clients[r.PathValue("id")]
	return c, ok
}

func (d *DevProvider) discovery(w http.ResponseWriter, r *http.Request) {
	c, ok := d.client(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	iss := c.cfg.Issuer
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"userinfo_endpoint": iss + "/userinfo", "jwks_uri": iss + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"ES256"}, "code_challenge_methods_supported": []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{c.cfg.TokenAuth},
		"scopes_supported":                               []string{"openid", "profile"},
		"authorization_response_iss_parameter_supported": true,
	})
}

func (d *DevProvider) jwks(w http.ResponseWriter, r *http.Request) {
	if _, ok := d.client(r); !ok {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &d.key.PublicKey, KeyID: d.kid,
		Algorithm: string(jose.ES256), Use: "sig"}}})
}

// authorize shows the login page (GET) and answers it (POST). A request that names
// an unknown client or a redirect URI not registered for it gets an error page, as
// the OAuth rules demand (never a redirect to an unchecked URI); any other bad
// request is sent back to the hall with error=invalid_request.
func (d *DevProvider) authorize(w http.ResponseWriter, r *http.Request) {
	c, ok := d.client(r)
	if err := r.ParseForm(); !ok || err != nil {
		http.Error(w, "unknown provider or malformed request", http.StatusBadRequest)
		return
	}
	q := r.Form
	if q.Get("client_id") != c.cfg.ClientID || q.Get("redirect_uri") != c.redirect {
		http.Error(w, "client_id 或 redirect_uri 未登记（开发环境认证平台）", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		params.Set("state", q.Get("state"))
		params.Set("iss", c.cfg.Issuer)
		http.Redirect(w, r, c.redirect+"?"+params.Encode(), http.StatusFound)
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code", !slices.Contains(scopes, "openid"), q.Get("state") == "",
		q.Get("nonce") == "", q.Get("code_challenge_method") != "S256", len(q.Get("code_challenge")) != 43:
		back(url.Values{"error": {"invalid_request"},
			"error_description": {"response_type=code, scope openid, state, nonce and PKCE S256 are required"}})
		return
	}
	if r.Method == http.MethodGet {
		d.renderLogin(w, r, c, q, "")
		return
	}
	if q.Get("action") != "login" {
		back(url.Values{"error": {"access_denied"}, "error_description": {"the person cancelled"}})
		return
	}
	id, err := d.chosenIdentity(r.Context(), q)
	if err != nil {
		d.renderLogin(w, r, c, q, err.Error())
		return
	}
	code := token.New()
	d.mu.Lock()
	d.prune()
	d.codes[code] = &devGrant{client: c.cfg.ID, redirect: c.redirect, nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), claims: devClaims(c.cfg.Claims, id), expires: d.cfg.Now().Add(devCodeTTL)}
	d.mu.Unlock()
	back(url.Values{"code": {code}})
}

// chosenIdentity reads the identity picked on the login page (by its key, so that
// the page holds no ID number), or typed in.
func (d *DevProvider) chosenIdentity(ctx context.Context, q url.Values) (DevIdentity, error) {
	if v := q.Get("identity"); v != "" && v != "manual" {
		ids, err := d.cfg.Directory(ctx)
		if err != nil {
			return DevIdentity{}, fmt.Errorf("读取演示身份失败，请手工填写")
		}
		for _, id := range ids {
			if devKey(id) == v {
				return id, nil
			}
		}
		return DevIdentity{}, fmt.Errorf("所选身份已不存在，请重新选择")
	}
	id := DevIdentity{IDNumber: strings.TrimSpace(q.Get("id_number")), Name: strings.TrimSpace(q.Get("name")),
		Mobile: strings.TrimSpace(q.Get("mobile")), USCC: strings.TrimSpace(q.Get("uscc")),
		UnitName: strings.TrimSpace(q.Get("unit_name")), Role: unit.Role(q.Get("role"))}
	if id.IDNumber == "" || id.Name == "" {
		return id, fmt.Errorf("请选择一个身份，或填写证件号码和姓名")
	}
	return id, nil
}

// devKey names an identity on the login page without showing its ID number.
func devKey(id DevIdentity) string {
	b, _ := json.Marshal(id)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// devClaims are the claims a provider asserts for an identity, under its claim
// names.
func devClaims(n ClaimNames, id DevIdentity) map[string]any {
	c := map[string]any{n.IDNumber: id.IDNumber, n.Name: id.Name}
	set := func(name, v string) {
		if name != "" && v != "" {
			c[name] = v
		}
	}
	set(n.IDType, id.IDType)
	set(n.Mobile, id.Mobile)
	set(n.USCC, id.USCC)
	set(n.UnitName, id.UnitName)
	if id.Role.Valid() {
		set(n.Role, id.Role.Label())
	}
	return c
}

// token redeems a code: client authentication as configured, the code unused,
// unexpired, issued to this client for this redirect URI, and the PKCE verifier.
func (d *DevProvider) token(w http.ResponseWriter, r *http.Request) {
	c, ok := d.client(r)
	if err := r.ParseForm(); !ok || err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_request"))
		return
	}
	id, secret, basic := r.BasicAuth()
	if c.cfg.TokenAuth == AuthPost {
		id, secret, basic = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), false
	}
	if basic != (c.cfg.TokenAuth == AuthBasic) || id != c.cfg.ClientID || !token.Equal(secret, c.cfg.ClientSecret) {
		writeJSON(w, http.StatusUnauthorized, oauthError("invalid_client"))
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, http.StatusBadRequest, oauthError("unsupported_grant_type"))
		return
	}
	now := d.cfg.Now()
	d.mu.Lock()
	g := d.codes[r.PostForm.Get("code")]
	delete(d.codes, r.PostForm.Get("code")) // single use, whatever happens next
	d.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if g == nil || !now.Before(g.expires) || g.client != c.cfg.ID || g.redirect != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_grant"))
		return
	}
	access := token.New()
	atHash := sha256.Sum256([]byte(access))
	claims := map[string]any{}
	for k, v := range g.claims {
		claims[k] = v
	}
	sub := sha256.Sum256([]byte(c.cfg.ID + "|" + fmt.Sprint(g.claims[c.cfg.Claims.IDNumber])))
	// A pairwise subject: stable per person and provider, not the ID number itself.
	claims["iss"], claims["aud"], claims["sub"] = c.cfg.Issuer, c.cfg.ClientID, base64.RawURLEncoding.EncodeToString(sub[:16])
	claims["iat"], claims["exp"], claims["nonce"] = now.Unix(), now.Add(devTokenTTL).Unix(), g.nonce
	claims["at_hash"] = base64.RawURLEncoding.EncodeToString(atHash[:16])
	payload, _ := json.Marshal(claims)
	jws, err := d.signer.Sign(payload)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, oauthError("server_error"))
		return
	}
	idToken, _ := jws.CompactSerialize()
	d.mu.Lock()
	d.tokens[access] = &devGrant{client: c.cfg.ID, claims: claims, expires: now.Add(devTokenTTL)}
	d.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int(devTokenTTL.Seconds()), "id_token": idToken})
}

// userinfo answers with the claims of a live access token issued by this provider.
func (d *DevProvider) userinfo(w http.ResponseWriter, r *http.Request) {
	c, ok := d.client(r)
	access, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	d.mu.Lock()
	g := d.tokens[access]
	d.mu.Unlock()
	if !ok || !found || g == nil || g.client != c.cfg.ID || !d.cfg.Now().Before(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, oauthError("invalid_token"))
		return
	}
	out := map[string]any{}
	for k, v := range g.claims {
		switch k {
		case "iss", "aud", "iat", "exp", "nonce", "at_hash":
		default:
			out[k] = v
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// prune drops expired codes and tokens; the caller holds d.mu.
func (d *DevProvider) prune() {
	now := d.cfg.Now()
	for _, m := range []map[string]*devGrant{d.codes, d.tokens} {
		for k, g := range m {
			if !now.Before(g.expires) {
				delete(m, k)
			}
		}
	}
}

func oauthError(code string) map[string]string { return map[string]string{"error": code} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
