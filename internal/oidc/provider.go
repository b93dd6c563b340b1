package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"hall/internal/token"
)

// provider is one configured provider at run time: its discovered metadata (read
// on first use and kept), its OAuth 2.0 client and its ID token verifier.
type provider struct {
	cfg      ProviderConfig
	redirect string
	client   *http.Client
	now      func() time.Time

	mu       sync.Mutex
	op       *gooidc.Provider
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
	failedAt time.Time // last failed discovery, to answer at once for a while
}

// rediscoverAfter is how long a failed discovery is remembered: logins in that time
// fail at once rather than each waiting for the provider's timeout.
const rediscoverAfter = 10 * time.Second

// ready returns the provider's client and verifier, reading the discovery document
// on first use (or building them from configured endpoints). Discovery is lazy so
// that the hall starts while a provider is down; a provider whose document names
// another issuer is refused (go-oidc checks it). Errors wrap ErrProviderUnavailable.
func (p *provider) ready(ctx context.Context) (*oauth2.Config, *gooidc.IDTokenVerifier, *gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.op != nil {
		return p.oauth, p.verifier, p.op, nil
	}
	if !p.failedAt.IsZero() && p.now().Sub(p.failedAt) < rediscoverAfter {
		return nil, nil, nil, fmt.Errorf("%w: %s: discovery failed moments ago", ErrProviderUnavailable, p.cfg.ID)
	}
	// The provider and its key set keep this context for later requests (key
	// rotation): it carries the client only, never a request's lifetime or values.
	cctx := gooidc.ClientContext(context.Background(), p.client)
	var op *gooidc.Provider
	if e := p.cfg.Endpoints; e != nil {
		op = (&gooidc.ProviderConfig{IssuerURL: p.cfg.Issuer, AuthURL: e.Authorization, TokenURL: e.Token,
			UserInfoURL: e.UserInfo, JWKSURL: e.JWKS, Algorithms: p.cfg.SigningAlgs}).NewProvider(cctx)
	} else {
		dctx, cancel := context.WithTimeout(gooidc.ClientContext(ctx, p.client), 10*time.Second)
		defer cancel()
		var err error
		if op, err = gooidc.NewProvider(dctx, p.cfg.Issuer); err != nil {
			p.failedAt = p.now()
			return nil, nil, nil, fmt.Errorf("%w: %s: discovery: %v", ErrProviderUnavailable, p.cfg.ID, err)
		}
	}
	style := oauth2.AuthStyleInHeader
	if p.cfg.TokenAuth != AuthBasic {
		style = oauth2.AuthStyleInParams
	}
	ep := op.Endpoint()
	ep.AuthStyle = style
	p.oauth = &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: ep,
		RedirectURL: p.redirect, Scopes: p.cfg.Scopes}
	// The verifier's own expiry check is off: verified below with the configured
	// clock skew, which go-oidc does not apply to exp. The algorithms are always the
	// configured ones, never what the discovery document offers.
	p.verifier = op.VerifierContext(cctx, &gooidc.Config{ClientID: p.cfg.ClientID,
		SupportedSigningAlgs: p.cfg.SigningAlgs, SkipExpiryCheck: true, Now: p.now})
	p.op = op
	return p.oauth, p.verifier, p.op, nil
}

// authURL is where the browser goes to log in at the provider.
func (p *provider) authURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, _, err := p.ready(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)), nil
}

// maxTokenAge bounds how long ago an ID token may have been issued (iat): a code is
// exchanged seconds after the login, so an old token is a replay or a broken clock.
const maxTokenAge = 10 * time.Minute

// exchange redeems the code with the PKCE verifier, verifies the ID token (signature
// with a configured algorithm, issuer, audience and azp, expiry, not-before and
// issued-at within the clock skew, the nonce, at_hash when present) and returns the
// claims document: the ID token's payload, with claims it lacks taken from user info
// when the provider is configured for it.
//
// Errors: ErrProviderUnavailable when the provider cannot be reached or answers
// with a server error; ErrToken when the code is refused or the token fails a
// check; ErrNonce for another login's nonce.
func (p *provider) exchange(ctx context.Context, code, verifier, nonce string) ([]byte, error) {
	oc, v, op, err := p.ready(ctx)
	if err != nil {
		return nil, err
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := oc.Exchange(hctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, fmt.Errorf("%w: token endpoint refused the code: %s", ErrToken, re.ErrorCode)
		}
		return nil, fmt.Errorf("%w: %s: token endpoint: %v", ErrProviderUnavailable, p.cfg.ID, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: no id_token in the token response", ErrToken)
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrToken, err)
	}
	var doc json.RawMessage
	if err := idt.Claims(&doc); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	if err := p.checkTimes(idt, doc); err != nil {
		return nil, err
	}
	if !token.Equal(idt.Nonce, nonce) {
		return nil, ErrNonce
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("%w: at_hash: %v", ErrToken, err)
		}
	}
	if !p.cfg.UserInfo {
		return doc, nil
	}
	ui, err := op.UserInfo(gooidc.ClientContext(ctx, p.client), oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: userinfo: %v", ErrProviderUnavailable, p.cfg.ID, err)
	}
	if ui.Subject != idt.Subject {
		// OIDC Core §5.3.2: a user-info response for another subject must not be used.
		return nil, fmt.Errorf("%w: userinfo sub differs from the id token's", ErrToken)
	}
	var extra json.RawMessage
	if err := ui.Claims(&extra); err != nil {
		return nil, fmt.Errorf("%w: %s: userinfo claims: %v", ErrProviderUnavailable, p.cfg.ID, err)
	}
	return mergeClaims(doc, extra)
}

// timeClaims are the ID token claims checkTimes reads that go-oidc does not expose.
type timeClaims struct {
	NotBefore *json.Number `json:"nbf"`
	AZP       string       `json:"azp"`
}

// checkTimes applies the clock skew to exp, nbf and iat, and checks azp: with
// several audiences it must name this client (OIDC Core §3.1.3.7).
func (p *provider) checkTimes(idt *gooidc.IDToken, doc []byte) error {
	skew := time.Duration(p.cfg.ClockSkew)
	now := p.now()
	var tc timeClaims
	if err := json.Unmarshal(doc, &tc); err != nil {
		return fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	switch {
	case idt.Expiry.IsZero() || idt.IssuedAt.IsZero():
		return fmt.Errorf("%w: exp and iat are required", ErrToken)
	case !now.Before(idt.Expiry.Add(skew)):
		return fmt.Errorf("%w: expired at %s", ErrToken, idt.Expiry.UTC().Format(time.RFC3339))
	case idt.IssuedAt.After(now.Add(skew)):
		return fmt.Errorf("%w: issued in the future (%s)", ErrToken, idt.IssuedAt.UTC().Format(time.RFC3339))
	case now.Sub(idt.IssuedAt) > maxTokenAge+skew:
		return fmt.Errorf("%w: issued too long ago (%s)", ErrToken, idt.IssuedAt.UTC().Format(time.RFC3339))
	case (len(idt.Audience) > 1 || tc.AZP != "") && tc.AZP != p.cfg.ClientID:
		return fmt.Errorf("%w: azp %q is not this client", ErrToken, tc.AZP)
	}
	if tc.NotBefore != nil {
		n, err := tc.NotBefore.Float64()
		if err != nil {
			return fmt.Errorf("%w: nbf: %v", ErrToken, err)
		}
		if nbf := time.Unix(int64(n), 0); nbf.After(now.Add(skew)) {
			return fmt.Errorf("%w: not valid before %s", ErrToken, nbf.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// mergeClaims adds to the ID token's claims those of user info it lacks; the ID
// token, signed by the provider, wins where both have a claim.
func mergeClaims(idToken, userInfo []byte) ([]byte, error) {
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(idToken, &a); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	if err := json.Unmarshal(userInfo, &b); err != nil {
		return nil, fmt.Errorf("%w: userinfo claims: %v", ErrProviderUnavailable, err)
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			a[k] = v
		}
	}
	return json.Marshal(a)
}
