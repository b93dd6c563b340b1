package oidc_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// forger rewrites the ID token of the mock provider's token responses, for tests
// of tokens no honest provider sends: another key's signature, alg none, HS256.
type forger struct {
	mu sync.Mutex
	fn func(idToken string) string
}

func (f *forger) set(fn func(string) string) {
	f.mu.Lock()
	f.fn = fn
	f.mu.Unlock()
}

func (f *forger) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fn := f.fn
		f.mu.Unlock()
		if r.URL.Path != mockoidc.TokenEndpoint || fn == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := map[string]any{}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if s, ok := body["id_token"].(string); ok {
			body["id_token"] = fn(s)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// seg encodes one part of a compact JWS.
func seg(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// payloadOf returns the payload segment of a compact JWS.
func payloadOf(t *testing.T, jws string) string {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", jws)
	}
	return parts[1]
}

// resignedWithOtherKey signs the genuine payload with a key the provider never
// published, under the provider's key ID.
func resignedWithOtherKey(t *testing.T, kid string) func(string) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return func(jws string) string {
		head := seg([]byte(`{"alg":"RS256","typ":"JWT","kid":"` + kid + `"}`))
		signing := head + "." + payloadOf(t, jws)
		sum := sha256.Sum256([]byte(signing))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		if err != nil {
			t.Error(err)
		}
		return signing + "." + seg(sig)
	}
}

// algNone strips the signature and says alg none.
func algNone(t *testing.T) func(string) string {
	return func(jws string) string {
		return seg([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + payloadOf(t, jws) + "."
	}
}

// hs256WithPublicKey is the key-confusion attack: an HMAC "signed" with the
// provider's public key as the secret.
func hs256WithPublicKey(t *testing.T, pub *rsa.PublicKey) func(string) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return func(jws string) string {
		signing := seg([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + payloadOf(t, jws)
		mac := hmac.New(sha256.New, der)
		mac.Write([]byte(signing))
		return signing + "." + seg(mac.Sum(nil))
	}
}
