package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/ident"
)

// Header names of the gateway protocol (see the package comment).
const (
	HeaderTimestamp = "X-Hall-Timestamp"
	HeaderNonce     = "X-Hall-Nonce"
	HeaderSignature = "X-Hall-Signature"
)

// DefaultGatewayTimeout bounds one Send when GatewayConfig.Timeout is zero.
const DefaultGatewayTimeout = 10 * time.Second

// maxResponseBody is how much of a response is read: enough for an error object.
const maxResponseBody = 64 << 10

// GatewayConfig configures the production SMS adapter.
type GatewayConfig struct {
	URL       string            // provider endpoint; https, or http on a loopback host (tests, a local relay)
	APIKey    string            // sent as "Authorization: Bearer <APIKey>"
	Secret    []byte            // HMAC-SHA256 key of the request signature, at least 16 bytes
	Sign      string            // registered signature name, e.g. "示范省人社"
	Templates map[string]string // provider template ID per message purpose; optional
	Timeout   time.Duration     // per Send; DefaultGatewayTimeout when zero
	// HTTPClient is the client to use (nil: a new one). Redirects are never followed:
	// a signed POST must not be replayed elsewhere.
	HTTPClient *http.Client
}

// Gateway is the production Sender: it POSTs each message as signed JSON to the
// provider (wire format in the package comment). It never logs, and its errors never
// contain the text or the full mobile number.
type Gateway struct {
	cfg    GatewayConfig
	url    string
	client *http.Client
	now    func() time.Time
}

var _ Sender = (*Gateway)(nil)

// NewGateway checks cfg and returns the adapter. now is the clock of the signature
// timestamp (nil: time.Now). Errors describe the first bad setting.
func NewGateway(cfg GatewayConfig, now func() time.Time) (*Gateway, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("sms gateway: URL must be an absolute https URL")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, errors.New("sms gateway: URL must use https (http only on a loopback host)")
	}
	if strings.TrimSpace(cfg.APIKey) == "" || strings.ContainsAny(cfg.APIKey, "\r\n") {
		return nil, errors.New("sms gateway: API key is missing or malformed")
	}
	if len(cfg.Secret) < 16 {
		return nil, errors.New("sms gateway: signing secret must have at least 16 bytes")
	}
	if err := checkSign(cfg.Sign); err != nil {
		return nil, fmt.Errorf("sms gateway: %w", err)
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("sms gateway: timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultGatewayTimeout
	}
	var client http.Client
	if cfg.HTTPClient != nil {
		client = *cfg.HTTPClient
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if now == nil {
		now = time.Now
	}
	return &Gateway{cfg: cfg, url: u.String(), client: &client, now: now}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// gatewayRequest is the JSON body of a send.
type gatewayRequest struct {
	Mobile   string `json:"mobile"`
	Text     string `json:"text"`
	Sign     string `json:"sign"`
	Template string `json:"template,omitempty"`
}

// Send posts msg to the provider. Errors: ErrUndeliverable (wrapped) for an invalid
// mobile or text (without calling the provider) and for a 4xx answer other than 408
// and 429; ErrUnavailable (wrapped) for timeouts, network errors, 408, 429, 5xx and
// other unexpected statuses; when ctx ends, an error matching both ErrUnavailable
// and ctx's error.
func (g *Gateway) Send(ctx context.Context, msg Message) error {
	mobile, err := ident.NormalizeMobile(msg.Mobile)
	if err != nil {
		return fmt.Errorf("%w: invalid mobile number", ErrUndeliverable)
	}
	if err := checkText(msg.Text); err != nil {
		return err
	}
	body, err := json.Marshal(gatewayRequest{Mobile: mobile, Text: msg.Text, Sign: g.cfg.Sign, Template: g.cfg.Templates[msg.Purpose]})
	if err != nil {
		return fmt.Errorf("sms gateway: encode: %w", err)
	}
	ts := strconv.FormatInt(g.now().Unix(), 10)
	var nb [16]byte
	_, _ = rand.Read(nb[:]) // crypto/rand.Read never fails (Go 1.24+)
	nonce := hex.EncodeToString(nb[:])

	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms gateway: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+g.cfg.APIKey)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, Signature(g.cfg.Secret, ts, nonce, body))

	who := ident.MaskMobile(mobile)
	resp, err := g.client.Do(req)
	if err != nil {
		// The *url.Error names the URL only, never the body.
		return fmt.Errorf("%w: send to %s: %w", ErrUnavailable, who, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	return classify(resp.StatusCode, raw, who)
}

// Signature returns the hex HMAC-SHA256 signature of a request: over timestamp, "\n",
// nonce, "\n" and the body bytes. Providers (and tests) use it to verify requests.
func Signature(secret []byte, timestamp, nonce string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'\n'})
	m.Write([]byte(nonce))
	m.Write([]byte{'\n'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// classify maps a provider answer to Send's error contract.
func classify(status int, body []byte, who string) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests:
		return fmt.Errorf("%w: provider answered %d for %s%s", ErrUnavailable, status, who, providerCode(body))
	case status >= 400 && status < 500:
		return fmt.Errorf("%w: provider refused the message to %s with %d%s", ErrUndeliverable, who, status, providerCode(body))
	}
	return fmt.Errorf("%w: provider answered %d for %s%s", ErrUnavailable, status, who, providerCode(body))
}

// providerCode returns ", code X" for an error body {"code": X, …}, or "". X is the
// provider's code as a string or number, reduced to at most 64 of [A-Za-z0-9._:-]
// with mobile-like numbers masked: the body is outside input and ends up in logs, and
// its message field is left out because it may echo the text.
func providerCode(body []byte) string {
	c := parseProviderCode(body)
	if c == "" {
		return ""
	}
	return ", code " + c
}

// parseProviderCode extracts the sanitised "code" of a provider's JSON error body
// ("" when there is none).
func parseProviderCode(body []byte) string {
	var v struct {
		Code json.RawMessage `json:"code"`
	}
	if len(body) == 0 || json.Unmarshal(body, &v) != nil || len(v.Code) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(v.Code, &s); err != nil {
		var n json.Number
		if json.Unmarshal(v.Code, &n) != nil {
			return ""
		}
		s = n.String()
	}
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			b.WriteRune(r)
		}
	}
	// A code built from a message may still carry a phone number.
	return ident.MaskText(b.String())
}
