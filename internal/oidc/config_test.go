package oidc_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"hall/internal/oidc"
	"hall/internal/unit"
)

// secrets is the file system ParseProviders reads client secrets from in tests.
func secrets(name string) ([]byte, error) {
	if name == "/run/secrets/gov" {
		return []byte("  s3cret-from-file\n"), nil
	}
	return nil, fs.ErrNotExist
}

// providerJSON is a valid provider entry, with fields replaced (by a JSON value)
// or removed (by "").
func providerJSON(fields map[string]string) string {
	base := map[string]string{
		"id": `"jsgov"`, "kind": `"gov"`, "display_name": `"江苏政务服务网"`, "issuer": `"https://sso.example.gov.cn/oidc"`,
		"client_id": `"hall"`, "client_secret_file": `"/run/secrets/gov"`,
		"claims": `{"id_number": "idcard", "name": "name", "uscc": "uscc"}`,
	}
	for k, v := range fields {
		if v == "" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	var parts []string
	for k, v := range base {
		parts = append(parts, `"`+k+`": `+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func TestParseProviders(t *testing.T) {
	list, err := oidc.ParseProviders([]byte("["+providerJSON(nil)+"]"), secrets, true)
	if err != nil {
		t.Fatal(err)
	}
	p := list[0]
	if p.ClientSecret != "s3cret-from-file" || p.TokenAuth != oidc.AuthBasic || time.Duration(p.ClockSkew) != oidc.DefaultClockSkew ||
		strings.Join(p.Scopes, " ") != "openid profile" || strings.Join(p.SigningAlgs, " ") != "RS256 ES256" ||
		len(p.Purposes) != 2 || p.RoleValues["法定代表人"] != unit.RoleLegalRep || p.RoleValues["agent"] != unit.RoleAgent {
		t.Fatalf("defaults not filled: %+v", p)
	}
	lic, err := oidc.ParseProviders([]byte("["+providerJSON(map[string]string{"kind": `"licence"`, "clock_skew": `"30s"`,
		"role_values": `{"1": "legal_rep", "2": "agent"}`, "token_auth": `"none"`, "client_secret_file": ""})+"]"), secrets, false)
	if err != nil {
		t.Fatal(err)
	}
	if l := lic[0]; len(l.Purposes) != 1 || l.Purposes[0] != oidc.PurposeUnit || time.Duration(l.ClockSkew) != 30*time.Second ||
		l.RoleValues["1"] != unit.RoleLegalRep || l.RoleValues["法定代表人"] != "" {
		t.Fatalf("licence: %+v", l)
	}
}

func TestParseProvidersRefuses(t *testing.T) {
	cases := []struct {
		name       string
		json       string
		production bool
		want       string
	}{
		{"not a list", providerJSON(nil), false, "JSON list"},
		{"unknown field", "[" + providerJSON(map[string]string{"secret": `"x"`}) + "]", false, "unknown field"},
		{"bad id", "[" + providerJSON(map[string]string{"id": `"Gov SSO"`}) + "]", false, "id must be"},
		{"id twice", "[" + providerJSON(nil) + "," + providerJSON(nil) + "]", false, "used twice"},
		{"unknown kind", "[" + providerJSON(map[string]string{"kind": `"wechat"`}) + "]", false, "kind must be"},
		{"no display name", "[" + providerJSON(map[string]string{"display_name": `" "`}) + "]", false, "display_name"},
		{"relative issuer", "[" + providerJSON(map[string]string{"issuer": `"sso.example"`}) + "]", false, "issuer"},
		{"http issuer in production", "[" + providerJSON(map[string]string{"issuer": `"http://sso.example.gov.cn"`}) + "]", true, "needs https"},
		{"no client id", "[" + providerJSON(map[string]string{"client_id": `""`}) + "]", false, "client_id"},
		{"secret file missing", "[" + providerJSON(map[string]string{"client_secret_file": `"/nope"`}) + "]", false, "client_secret_file"},
		{"no secret for basic auth", "[" + providerJSON(map[string]string{"client_secret_file": ""}) + "]", false, "client_secret_file is required"},
		{"unknown token auth", "[" + providerJSON(map[string]string{"token_auth": `"private_key_jwt"`}) + "]", false, "token_auth"},
		{"no openid scope", "[" + providerJSON(map[string]string{"scopes": `["profile"]`}) + "]", false, "openid"},
		{"alg none", "[" + providerJSON(map[string]string{"signing_algs": `["none"]`}) + "]", false, `"none" is refused`},
		{"HS256", "[" + providerJSON(map[string]string{"signing_algs": `["RS256", "HS256"]`}) + "]", false, `"HS256" is refused`},
		{"skew too large", "[" + providerJSON(map[string]string{"clock_skew": `"10m"`}) + "]", false, "clock_skew"},
		{"skew not a duration", "[" + providerJSON(map[string]string{"clock_skew": `120`}) + "]", false, "duration"},
		{"unknown purpose", "[" + providerJSON(map[string]string{"purposes": `["staff"]`}) + "]", false, "purposes"},
		{"licence for persons", "[" + providerJSON(map[string]string{"kind": `"licence"`, "purposes": `["person", "unit"]`}) + "]", false, "signs units in only"},
		{"no ID number claim", "[" + providerJSON(map[string]string{"claims": `{"name": "name", "uscc": "uscc"}`}) + "]", false, "claims.id_number"},
		{"unit login without USCC claim", "[" + providerJSON(map[string]string{"claims": `{"id_number": "i", "name": "n"}`}) + "]", false, "claims.uscc"},
		{"role value not a role", "[" + providerJSON(map[string]string{"role_values": `{"1": "boss"}`}) + "]", false, "role_values"},
		{"bad endpoint", "[" + providerJSON(map[string]string{"endpoints": `{"authorization": "https://a/x", "token": "t", "jwks": "https://a/j"}`}) + "]", false, "endpoints.token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oidc.ParseProviders([]byte(tc.json), secrets, tc.production)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	// A person-only provider needs no USCC claim.
	ok := "[" + providerJSON(map[string]string{"purposes": `["person"]`, "claims": `{"id_number": "i", "name": "n"}`}) + "]"
	if _, err := oidc.ParseProviders([]byte(ok), secrets, false); err != nil {
		t.Errorf("person-only provider: %v", err)
	}
	if _, err := oidc.LoadProviders("/nonexistent/providers.json", false); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
