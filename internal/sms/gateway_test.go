package sms

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	testAPIKey = "test-api-key"
	testSecret = []byte("test-signing-secret-0123456789")
)

// provider is a test SMS provider: it verifies every request the way a real one
// should (credentials, timestamp, nonce, signature, body) and answers with a
// configurable status.
type provider struct {
	t   *testing.T
	now time.Time

	mu       sync.Mutex
	status   int
	respBody string
	delay    time.Duration
	got      []map[string]any
	nonces   map[string]bool
}

func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		p.t.Errorf("read body: %v", err)
		return
	}
	p.mu.Lock()
	status, respBody, delay := p.status, p.respBody, p.delay
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		p.t.Errorf("request %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Authorization") != "Bearer "+testAPIKey {
		p.t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
	}
	ts, nonce := r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderNonce)
	if ts != strconv.FormatInt(p.now.Unix(), 10) {
		p.t.Errorf("timestamp %q, want %d", ts, p.now.Unix())
	}
	if len(nonce) != 32 || p.nonces[nonce] {
		p.t.Errorf("nonce %q is malformed or repeated", nonce)
	}
	p.nonces[nonce] = true
	sig, err := hex.DecodeString(r.Header.Get(HeaderSignature))
	want, _ := hex.DecodeString(Signature(testSecret, ts, nonce, body))
	if err != nil || !hmac.Equal(sig, want) {
		p.t.Errorf("bad signature %q", r.Header.Get(HeaderSignature))
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		p.t.Errorf("body is not JSON: %v", err)
	}
	p.got = append(p.got, m)
	p.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(status)
	io.WriteString(w, respBody)
}

func newProvider(t *testing.T) (*provider, *httptest.Server) {
	p := &provider{t: t, now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), status: http.StatusOK, nonces: map[string]bool{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func newTestGateway(t *testing.T, url string, now time.Time, timeout time.Duration) *Gateway {
	t.Helper()
	g, err := NewGateway(GatewayConfig{
		URL: url, APIKey: testAPIKey, Secret: testSecret, Sign: DefaultSign,
		Templates: map[string]string{"login": "SMS_LOGIN_01"}, Timeout: timeout,
	}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGatewaySendsSignedJSON(t *testing.T) {
	p, srv := newProvider(t)
	g := newTestGateway(t, srv.URL+"/v1/sms", p.now, 0)
	mobile := mobiles(40, 1)[0]
	text := "【示范省人社】您的验证码为123456，5分钟内有效。请勿告诉他人。<&>"
	ctx := context.Background()
	if err := g.Send(ctx, Message{Mobile: "+86 " + mobile, Text: text, Purpose: "login"}); err != nil {
		t.Fatal(err)
	}
	if err := g.Send(ctx, Message{Mobile: mobile, Text: text, Purpose: "register"}); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.got) != 2 {
		t.Fatalf("provider got %d requests", len(p.got))
	}
	first, second := p.got[0], p.got[1]
	if first["mobile"] != mobile || first["text"] != text || first["sign"] != DefaultSign || first["template"] != "SMS_LOGIN_01" {
		t.Errorf("first body = %v", first)
	}
	if _, has := second["template"]; has || len(second) != 3 {
		t.Errorf("second body = %v, want no template", second)
	}
}

func TestGatewayErrorMapping(t *testing.T) {
	cases := []struct {
		status    int
		body      string
		want      error
		wantInErr string
	}{
		{200, `{"id":"m-1"}`, nil, ""},
		{202, "", nil, ""},
		{400, `{"code":"isv.MOBILE_NUMBER_ILLEGAL","message":"手机号码格式错误 13800000000"}`, ErrUndeliverable, "isv.MOBILE_NUMBER_ILLEGAL"},
		{401, "", ErrUndeliverable, "401"},
		{403, `{"code":40301}`, ErrUndeliverable, "40301"},
		{404, "not json", ErrUndeliverable, "404"},
		{422, `{"code":"<script>x</script>"}`, ErrUndeliverable, "scriptxscript"},
		{408, "", ErrUnavailable, "408"},
		{429, `{"code":"isv.BUSINESS_LIMIT_CONTROL"}`, ErrUnavailable, "BUSINESS_LIMIT_CONTROL"},
		{500, "", ErrUnavailable, "500"},
		{502, "<html>bad gateway</html>", ErrUnavailable, "502"},
		{503, `{"code":"busy"}`, ErrUnavailable, "busy"},
		{307, "", ErrUnavailable, "307"},
	}
	p, srv := newProvider(t)
	g := newTestGateway(t, srv.URL, p.now, 0)
	mobile := mobiles(41, 1)[0]
	text := "【示范省人社】您的验证码为654321，5分钟内有效。请勿告诉他人。"
	for _, c := range cases {
		p.mu.Lock()
		p.status, p.respBody = c.status, c.body
		p.mu.Unlock()
		err := g.Send(context.Background(), Message{Mobile: mobile, Text: text, Purpose: "login"})
		if c.want == nil {
			if err != nil {
				t.Errorf("status %d: %v", c.status, err)
			}
			continue
		}
		other := ErrUnavailable
		if c.want == ErrUnavailable {
			other = ErrUndeliverable
		}
		if !errors.Is(err, c.want) || errors.Is(err, other) {
			t.Errorf("status %d: error %v, want only %v", c.status, err, c.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.wantInErr) {
			t.Errorf("status %d: error %q lacks %q", c.status, msg, c.wantInErr)
		}
		// Neither the text, the code, the full mobile nor the provider's message leaks.
		for _, secret := range []string{"654321", mobile, "手机号码格式错误", "13800000000"} {
			if strings.Contains(msg, secret) {
				t.Errorf("status %d: error %q contains %q", c.status, msg, secret)
			}
		}
	}
}

func TestGatewayTransportFailures(t *testing.T) {
	mobile := mobiles(42, 1)[0]
	msg := Message{Mobile: mobile, Text: "【示范省人社】x", Purpose: "login"}

	t.Run("timeout", func(t *testing.T) {
		p, srv := newProvider(t)
		p.delay = 5 * time.Second
		g := newTestGateway(t, srv.URL, p.now, 50*time.Millisecond)
		start := time.Now()
		err := g.Send(context.Background(), msg)
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send = %v, want ErrUnavailable and DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("timeout took %v", d)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		p, srv := newProvider(t)
		g := newTestGateway(t, srv.URL, p.now, 0)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := g.Send(ctx, msg); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want ErrUnavailable and Canceled", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		p, srv := newProvider(t)
		g := newTestGateway(t, srv.URL, p.now, 0)
		srv.Close()
		if err := g.Send(context.Background(), msg); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Send = %v, want ErrUnavailable", err)
		}
	})
	t.Run("refused before sending", func(t *testing.T) {
		p, srv := newProvider(t)
		g := newTestGateway(t, srv.URL, p.now, 0)
		for _, m := range []Message{{Mobile: "123", Text: "x"}, {Mobile: mobile, Text: ""}} {
			if err := g.Send(context.Background(), m); !errors.Is(err, ErrUndeliverable) {
				t.Errorf("Send(%+v) = %v, want ErrUndeliverable", m, err)
			}
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.got) != 0 {
			t.Fatalf("provider was called for a message it would refuse")
		}
	})
}

func TestNewGatewayValidates(t *testing.T) {
	good := GatewayConfig{URL: "https://sms.example.com/v1/send", APIKey: "k", Secret: testSecret, Sign: DefaultSign}
	cases := []struct {
		name string
		mod  func(*GatewayConfig)
		ok   bool
	}{
		{"good", func(*GatewayConfig) {}, true},
		{"http on loopback", func(c *GatewayConfig) { c.URL = "http://127.0.0.1:9000/send" }, true},
		{"http on localhost", func(c *GatewayConfig) { c.URL = "http://localhost:9000/send" }, true},
		{"plain http", func(c *GatewayConfig) { c.URL = "http://sms.example.com/send" }, false},
		{"relative URL", func(c *GatewayConfig) { c.URL = "/send" }, false},
		{"other scheme", func(c *GatewayConfig) { c.URL = "ftp://sms.example.com/" }, false},
		{"no API key", func(c *GatewayConfig) { c.APIKey = " " }, false},
		{"API key with newline", func(c *GatewayConfig) { c.APIKey = "k\r\nX-Evil: 1" }, false},
		{"short secret", func(c *GatewayConfig) { c.Secret = []byte("short") }, false},
		{"no sign", func(c *GatewayConfig) { c.Sign = "" }, false},
		{"negative timeout", func(c *GatewayConfig) { c.Timeout = -time.Second }, false},
	}
	for _, c := range cases {
		cfg := good
		c.mod(&cfg)
		_, err := NewGateway(cfg, nil)
		if (err == nil) != c.ok {
			t.Errorf("%s: NewGateway error = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestParseProviderCode(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"code":"isv.BLACK_KEY_CONTROL_LIMIT"}`, "isv.BLACK_KEY_CONTROL_LIMIT"},
		{`{"code":40001,"message":"x"}`, "40001"},
		{`{"code":-1.5}`, "-1.5"},
		{`{"code":"手机号 13800000000 无效"}`, "138****0000"},
		{`{"code":null}`, ""},
		{`{"code":{"a":1}}`, ""},
		{`{"message":"no code"}`, ""},
		{`[1,2]`, ""},
		{``, ""},
		{`{"code":"` + strings.Repeat("A", 100) + `"}`, strings.Repeat("A", 64)},
	}
	for _, c := range cases {
		if got := parseProviderCode([]byte(c.body)); got != c.want {
			t.Errorf("parseProviderCode(%s) = %q, want %q", c.body, got, c.want)
		}
	}
}

// FuzzParseProviderCode checks the parser of the provider's error bodies (outside
// input that ends up in logs): never panics, at most 64 characters of a safe set
// (with '*' from masking a phone number).
func FuzzParseProviderCode(f *testing.F) {
	for _, s := range []string{`{"code":"x"}`, `{"code":1e400}`, `{"code":"\u0000\n"}`, `{`, `null`, `{"code":["a"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := parseProviderCode(b)
		if len(c) > 64 {
			t.Fatalf("code %q longer than 64", c)
		}
		for i := 0; i < len(c); i++ {
			ch := c[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("._:-*", ch) >= 0) {
				t.Fatalf("code %q has unsafe byte %q", c, ch)
			}
		}
	})
}
