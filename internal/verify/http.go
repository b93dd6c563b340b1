package verify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// HTTPProviderName is the Provider.Name of HTTPProvider, stored on its sessions.
const HTTPProviderName = "http"

// Limits on what crosses the wire.
const (
	maxBody       = 64 << 10 // request and response bodies
	maxRef        = 128      // provider_ref length
	maxURL        = 2048     // verify_url length
	minSecret     = 32       // bytes of HMAC key
	clientTimeout = 10 * time.Second
)

// HTTPConfig configures the production provider.
type HTTPConfig struct {
	// StartURL is the provider's endpoint that opens a check (POST).
	StartURL string
	// CallbackURL is the hall's public URL that receives results (POST); the web
	// layer routes it to HandleCallback.
	CallbackURL string
	// Secret is the shared HMAC-SHA256 key (at least 32 bytes), used to sign
	// requests to the provider and to verify its callbacks.
	Secret []byte
	// MaxSkew is how far a callback's timestamp may be from now (default 5
	// minutes); older or newer callbacks are refused as replays.
	MaxSkew time.Duration
	// Client makes the requests; nil means a client with a 10 s timeout.
	Client *http.Client
}

// HTTPProvider is the PRODUCTION face check: a verification service spoken to over
// HTTPS with JSON bodies, signed both ways with a shared secret. The wire format is
// in the package documentation.
type HTTPProvider struct {
	cfg HTTPConfig
	now func() time.Time
	svc atomic.Pointer[Service]
}

var (
	_ Provider = (*HTTPProvider)(nil)
	_ attacher = (*HTTPProvider)(nil)
)

// NewHTTPProvider checks cfg and returns the provider; pass it to New. now is the
// clock for timestamps. Errors wrap ErrInvalid.
func NewHTTPProvider(cfg HTTPConfig, now func() time.Time) (*HTTPProvider, error) {
	for name, u := range map[string]string{"StartURL": cfg.StartURL, "CallbackURL": cfg.CallbackURL} {
		if !httpURL(u) {
			return nil, fmt.Errorf("%w: %s must be an absolute http(s) URL", ErrInvalid, name)
		}
	}
	if len(cfg.Secret) < minSecret {
		return nil, fmt.Errorf("%w: secret shorter than %d bytes", ErrInvalid, minSecret)
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 5 * time.Minute
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: clientTimeout}
	}
	cfg.Secret = bytes.Clone(cfg.Secret)
	return &HTTPProvider{cfg: cfg, now: now}, nil
}

// Name returns HTTPProviderName.
func (*HTTPProvider) Name() string { return HTTPProviderName }

func (p *HTTPProvider) attach(s *Service) { p.svc.Store(s) }

type startRequest struct {
	Ref         string `json:"ref"`
	IDType      string `json:"id_type"`
	IDNumber    string `json:"id_number"`
	Name        string `json:"name"`
	Purpose     string `json:"purpose"`
	CallbackURL string `json:"callback_url"`
}

type startResponse struct {
	ProviderRef string `json:"provider_ref"`
	VerifyURL   string `json:"verify_url"`
}

// Begin opens the check at the provider and returns its reference and the URL where
// the person does it. Errors wrap ErrProvider (network failure, non-2xx status,
// malformed answer).
func (p *HTTPProvider) Begin(ctx context.Context, s Session) (string, string, error) {
	body, err := json.Marshal(startRequest{
		Ref: s.ID, IDType: string(s.Expected.IDType), IDNumber: s.Expected.IDNumber,
		Name: s.Expected.Name, Purpose: s.Purpose, CallbackURL: p.cfg.CallbackURL,
	})
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrProvider, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.StartURL, bytes.NewReader(body))
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrProvider, err)
	}
	ts := strconv.FormatInt(p.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("X-Signature", Sign(p.cfg.Secret, ts, body))
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrProvider, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return "", "", fmt.Errorf("%w: read answer: %v", ErrProvider, err)
	}
	if resp.StatusCode/100 != 2 {
		return "", "", fmt.Errorf("%w: HTTP %d", ErrProvider, resp.StatusCode)
	}
	if len(raw) > maxBody {
		return "", "", fmt.Errorf("%w: answer larger than %d bytes", ErrProvider, maxBody)
	}
	var out startResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", "", fmt.Errorf("%w: answer: %v", ErrProvider, err)
	}
	if !validRef(out.ProviderRef) || len(out.VerifyURL) > maxURL || !httpURL(out.VerifyURL) {
		return "", "", fmt.Errorf("%w: answer lacks a valid provider_ref or verify_url", ErrProvider)
	}
	return out.ProviderRef, out.VerifyURL, nil
}

// HandleCallback checks and records a result the provider POSTed: body is the raw
// request body, signature and timestamp the X-Signature and X-Timestamp headers.
// The signature is checked (in constant time) before anything in the body is read.
// Each session takes one result; a replayed or repeated callback changes nothing.
//
// Errors: ErrSignature for a missing or wrong signature; ErrStale for a timestamp
// more than MaxSkew from now; ErrBadCallback for a signed but malformed body;
// ErrNotFound for an unknown provider_ref; ErrUsed when the session already has a
// result (a retry or a replay); ErrExpired when the result came too late;
// otherwise database failures.
func (p *HTTPProvider) HandleCallback(ctx context.Context, body []byte, signature, timestamp string) error {
	svc := p.svc.Load()
	if svc == nil {
		return errors.New("verify: HTTPProvider is not attached to a Service (pass it to New)")
	}
	if len(body) > maxBody || !checkSignature(p.cfg.Secret, timestamp, body, signature) {
		return ErrSignature
	}
	ts, ok := parseUnix(timestamp)
	if !ok {
		return fmt.Errorf("%w: X-Timestamp", ErrBadCallback)
	}
	skew := p.now().Unix() - ts
	if skew < 0 {
		skew = -skew
	}
	if skew > int64(p.cfg.MaxSkew/time.Second) {
		return ErrStale
	}
	cb, err := parseCallback(body)
	if err != nil {
		return err
	}
	if cb.Timestamp != ts {
		return fmt.Errorf("%w: timestamp differs from X-Timestamp", ErrBadCallback)
	}
	var id string
	err = svc.db.QueryRow(ctx, "SELECT id FROM verify_sessions WHERE provider = ? AND provider_ref = ?",
		HTTPProviderName, cb.ProviderRef).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return fmt.Errorf("verify: find session: %w", err)
	}
	_, err = svc.finish(ctx, id, HTTPProviderName, func(Session) (Status, string) {
		if cb.Result == "pass" {
			return Passed, ""
		}
		return Failed, NoteFaceFail
	})
	return err
}

// Sign returns hex(HMAC-SHA256(secret, timestamp + "." + body)), the X-Signature of
// a request or callback with that X-Timestamp and body.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func checkSignature(secret []byte, timestamp string, body []byte, signature string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	want, _ := hex.DecodeString(Sign(secret, timestamp, body))
	return hmac.Equal(got, want)
}

type callback struct {
	ProviderRef string `json:"provider_ref"`
	Result      string `json:"result"`
	Timestamp   int64  `json:"timestamp"`
}

// parseCallback reads a callback body: a JSON object with provider_ref (1–128
// printable ASCII characters), result "pass" or "fail" and a positive timestamp.
// Unknown fields are ignored, so the provider can add some. Errors wrap
// ErrBadCallback.
func parseCallback(body []byte) (callback, error) {
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		return callback{}, fmt.Errorf("%w: %v", ErrBadCallback, err)
	}
	switch {
	case !validRef(cb.ProviderRef):
		return callback{}, fmt.Errorf("%w: provider_ref", ErrBadCallback)
	case cb.Result != "pass" && cb.Result != "fail":
		return callback{}, fmt.Errorf("%w: result", ErrBadCallback)
	case cb.Timestamp <= 0:
		return callback{}, fmt.Errorf("%w: timestamp", ErrBadCallback)
	}
	return cb, nil
}

// parseUnix reads decimal unix seconds: digits only, no sign, at most 12 of them
// (enough until the year 33658).
func parseUnix(s string) (int64, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

func validRef(s string) bool {
	if s == "" || len(s) > maxRef {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
