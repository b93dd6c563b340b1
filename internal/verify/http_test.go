package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

var secret = []byte("test-secret-0123456789abcdefghijklmnopqrstuv")

// fakeProvider is a face verification service as the hall expects it to behave.
type fakeProvider struct {
	t      *testing.T
	clk    *clock
	mu     sync.Mutex
	starts []startRequest
	mode   string // "" normal, "500", "garbage", "no-url"
	srv    *httptest.Server
}

func newFakeProvider(t *testing.T, clk *clock) *fakeProvider {
	p := &fakeProvider{t: t, clk: clk}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Timestamp")
	if r.Method != http.MethodPost || r.URL.Path != "/v1/checks" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request line", http.StatusBadRequest)
		return
	}
	if !checkSignature(secret, ts, body, r.Header.Get("X-Signature")) || ts != strconv.FormatInt(p.clk.Now().Unix(), 10) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var req startRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.starts = append(p.starts, req)
	n, mode := len(p.starts), p.mode
	p.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "down", http.StatusInternalServerError)
		return
	case "garbage":
		fmt.Fprint(w, "<html>gateway</html>")
		return
	case "no-url":
		fmt.Fprintf(w, `{"provider_ref":"P-%d"}`, n)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"provider_ref":"P-%d","verify_url":"%s/face/P-%d","extra":true}`, n, p.srv.URL, n)
}

func httpService(t *testing.T, db *store.DB, clk *clock) (*Service, *HTTPProvider, *fakeProvider) {
	t.Helper()
	fake := newFakeProvider(t, clk)
	hp, err := NewHTTPProvider(HTTPConfig{
		StartURL:    fake.srv.URL + "/v1/checks",
		CallbackURL: "https://hall.example.gov.cn/verify/callback",
		Secret:      secret,
	}, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return New(db, hp, Config{}, clk.Now), hp, fake
}

// signedCallback builds a signed callback as the provider would send it at time at.
func signedCallback(ref, result string, at time.Time) (body []byte, sig, ts string) {
	ts = strconv.FormatInt(at.Unix(), 10)
	body = fmt.Appendf(nil, `{"provider_ref":%q,"result":%q,"timestamp":%s}`, ref, result, ts)
	return body, Sign(secret, ts, body), ts
}

func TestHTTPProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, hp, fake := httpService(t, db, clk)
		ps := people(8, 2)

		sess := mustStart(t, svc, PurposeUnitRegister, ps[0])
		if sess.Provider != HTTPProviderName || sess.ProviderRef != "P-1" || sess.ProviderURL != fake.srv.URL+"/face/P-1" {
			t.Fatalf("started %+v", sess)
		}
		want := startRequest{Ref: sess.ID, IDType: "resident", IDNumber: ps[0].IDNumber, Name: ps[0].Name,
			Purpose: PurposeUnitRegister, CallbackURL: "https://hall.example.gov.cn/verify/callback"}
		if fake.starts[0] != want {
			t.Errorf("provider got %+v, want %+v", fake.starts[0], want)
		}

		t.Run("good signature", func(t *testing.T) {
			clk.Add(30 * time.Second)
			body, sig, ts := signedCallback("P-1", "pass", clk.Now())
			if err := hp.HandleCallback(ctx, body, sig, ts); err != nil {
				t.Fatal(err)
			}
			got, err := svc.Status(ctx, sess.ID, browserA)
			if err != nil || got.Status != Passed || got.Attempts != 1 {
				t.Fatalf("after callback: %s attempts %d, %v", got.Status, got.Attempts, err)
			}

			// Replayed: the same signed request again, within the time window.
			if err := hp.HandleCallback(ctx, body, sig, ts); !errors.Is(err, ErrUsed) {
				t.Errorf("replayed callback: %v, want ErrUsed", err)
			}
			// A differently signed "fail" for the same session changes nothing.
			body, sig, ts = signedCallback("P-1", "fail", clk.Now())
			if err := hp.HandleCallback(ctx, body, sig, ts); !errors.Is(err, ErrUsed) {
				t.Errorf("second result: %v, want ErrUsed", err)
			}
			got, _ = svc.Status(ctx, sess.ID, browserA)
			if got.Status != Passed {
				t.Errorf("status after replays: %s, want passed", got.Status)
			}
			err = db.Tx(ctx, func(tx *store.Tx) error { _, err := svc.Consume(ctx, tx, sess.ID, browserA); return err })
			if err != nil {
				t.Errorf("Consume: %v", err)
			}
		})

		t.Run("fail result", func(t *testing.T) {
			s2 := mustStart(t, svc, PurposeRecover, ps[1])
			body, sig, ts := signedCallback(s2.ProviderRef, "fail", clk.Now())
			if err := hp.HandleCallback(ctx, body, sig, ts); err != nil {
				t.Fatal(err)
			}
			got, _ := svc.Status(ctx, s2.ID, browserA)
			if got.Status != Failed || got.ResultNote != NoteFaceFail {
				t.Errorf("after fail callback: %s %q", got.Status, got.ResultNote)
			}
		})

		t.Run("refused callbacks", func(t *testing.T) {
			s3 := mustStart(t, svc, PurposeRecover, ps[1])
			now := clk.Now()
			good, goodSig, goodTS := signedCallback(s3.ProviderRef, "pass", now)
			oldBody, oldSig, oldTS := signedCallback(s3.ProviderRef, "pass", now.Add(-5*time.Minute-time.Second))
			newBody, newSig, newTS := signedCallback(s3.ProviderRef, "pass", now.Add(6*time.Minute))
			otherBody, otherSig, otherTS := signedCallback("P-404", "pass", now)
			mismatch := fmt.Appendf(nil, `{"provider_ref":%q,"result":"pass","timestamp":%d}`, s3.ProviderRef, now.Unix()-1)
			badResult := fmt.Appendf(nil, `{"provider_ref":%q,"result":"ok","timestamp":%s}`, s3.ProviderRef, goodTS)
			cases := []struct {
				name           string
				body           []byte
				sig, timestamp string
				want           error
			}{
				{"no signature", good, "", goodTS, ErrSignature},
				{"signature of another body", bytes.Replace(good, []byte("pass"), []byte("fail"), 1), goodSig, goodTS, ErrSignature},
				{"signature with another key", good, Sign([]byte("wrong-secret-wrong-secret-wrong-secret"), goodTS, good), goodTS, ErrSignature},
				{"signature for another timestamp", good, goodSig, strconv.FormatInt(now.Unix()+1, 10), ErrSignature},
				{"signature not hex", good, strings.Repeat("z", 64), goodTS, ErrSignature},
				{"stale", oldBody, oldSig, oldTS, ErrStale},
				{"from the future", newBody, newSig, newTS, ErrStale},
				{"unknown ref", otherBody, otherSig, otherTS, ErrNotFound},
				{"timestamp mismatch", mismatch, Sign(secret, goodTS, mismatch), goodTS, ErrBadCallback},
				{"bad result", badResult, Sign(secret, goodTS, badResult), goodTS, ErrBadCallback},
				{"bad X-Timestamp", good, Sign(secret, "-1", good), "-1", ErrBadCallback},
			}
			for _, c := range cases {
				if err := hp.HandleCallback(ctx, c.body, c.sig, c.timestamp); !errors.Is(err, c.want) {
					t.Errorf("%s: HandleCallback = %v, want %v", c.name, err, c.want)
				}
			}
			got, _ := svc.Status(ctx, s3.ID, browserA)
			if got.Status != Pending {
				t.Errorf("refused callbacks changed the session to %s", got.Status)
			}
			// Exactly at the edge of the window is still accepted.
			edgeBody, edgeSig, edgeTS := signedCallback(s3.ProviderRef, "pass", now.Add(-5*time.Minute))
			if err := hp.HandleCallback(ctx, edgeBody, edgeSig, edgeTS); err != nil {
				t.Errorf("callback 5 minutes old: %v", err)
			}
		})

		t.Run("late callback", func(t *testing.T) {
			s4 := mustStart(t, svc, PurposeRecover, ps[1])
			clk.Add(5 * time.Minute)
			body, sig, ts := signedCallback(s4.ProviderRef, "pass", clk.Now())
			if err := hp.HandleCallback(ctx, body, sig, ts); !errors.Is(err, ErrExpired) {
				t.Errorf("callback after expiry: %v, want ErrExpired", err)
			}
		})

		t.Run("development screen refused", func(t *testing.T) {
			s5 := mustStart(t, svc, PurposeRecover, ps[1])
			dev := NewDevProvider()
			dev.attach(svc)
			if _, err := dev.CompleteInApp(ctx, s5.ID, ps[1], true); !errors.Is(err, ErrWrongProvider) {
				t.Errorf("CompleteInApp on an HTTP session: %v, want ErrWrongProvider", err)
			}
		})

		t.Run("provider failures", func(t *testing.T) {
			for _, mode := range []string{"500", "garbage", "no-url"} {
				fake.mu.Lock()
				fake.mode = mode
				fake.mu.Unlock()
				_, err := svc.Start(ctx, Request{Purpose: PurposeRecover, Binding: browserA, Expected: ps[1]})
				if !errors.Is(err, ErrProvider) {
					t.Errorf("provider %s: Start = %v, want ErrProvider", mode, err)
				}
			}
		})
	})
}

func TestHTTPProviderUnreachable(t *testing.T) {
	db := storetest.SQLite(t)
	clk := newClock()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	hp, err := NewHTTPProvider(HTTPConfig{StartURL: url, CallbackURL: "https://hall.example.gov.cn/cb", Secret: secret}, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	svc := New(db, hp, Config{}, clk.Now)
	if _, err := svc.Start(t.Context(), Request{Purpose: PurposeRecover, Binding: browserA, Expected: people(9, 1)[0]}); !errors.Is(err, ErrProvider) {
		t.Errorf("Start with the provider down: %v, want ErrProvider", err)
	}
}

func TestNewHTTPProvider(t *testing.T) {
	good := HTTPConfig{StartURL: "https://face.example.com/v1/checks", CallbackURL: "https://hall.example.gov.cn/cb", Secret: secret}
	cases := []struct {
		name string
		edit func(*HTTPConfig)
		ok   bool
	}{
		{"good", func(*HTTPConfig) {}, true},
		{"short secret", func(c *HTTPConfig) { c.Secret = []byte("short") }, false},
		{"relative start URL", func(c *HTTPConfig) { c.StartURL = "/v1/checks" }, false},
		{"ftp callback", func(c *HTTPConfig) { c.CallbackURL = "ftp://hall.example.gov.cn/cb" }, false},
		{"credentials in URL", func(c *HTTPConfig) { c.StartURL = "https://u:p@face.example.com/" }, false},
		{"no callback", func(c *HTTPConfig) { c.CallbackURL = "" }, false},
	}
	for _, c := range cases {
		cfg := good
		c.edit(&cfg)
		_, err := NewHTTPProvider(cfg, time.Now)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: NewHTTPProvider error = %v", c.name, err)
		}
	}
}

func TestParseCallback(t *testing.T) {
	cases := []struct {
		body string
		ok   bool
	}{
		{`{"provider_ref":"P-1","result":"pass","timestamp":1751270400}`, true},
		{`{"provider_ref":"P-1","result":"fail","timestamp":1751270400,"score":0.2}`, true},
		{`{"provider_ref":"","result":"pass","timestamp":1751270400}`, false},
		{`{"provider_ref":"P 1","result":"pass","timestamp":1751270400}`, false},
		{`{"provider_ref":"P-1","result":"PASS","timestamp":1751270400}`, false},
		{`{"provider_ref":"P-1","result":"pass"}`, false},
		{`{"provider_ref":"P-1","result":"pass","timestamp":"1751270400"}`, false},
		{`{"provider_ref":"P-1","result":"pass","timestamp":1.5}`, false},
		{`{"provider_ref":"P-1","result":"pass","timestamp":-3}`, false},
		{`{"provider_ref":"P-1","result":"pass","timestamp":1751270400} x`, false},
		{`[]`, false},
		{``, false},
		{`{"provider_ref":"` + strings.Repeat("r", 129) + `","result":"pass","timestamp":1}`, false},
	}
	for _, c := range cases {
		_, err := parseCallback([]byte(c.body))
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrBadCallback)) {
			t.Errorf("parseCallback(%.60s) error = %v, want ok=%v", c.body, err, c.ok)
		}
	}
}

// FuzzParseCallback: no panic, and whatever is accepted meets the documented rules.
func FuzzParseCallback(f *testing.F) {
	f.Add([]byte(`{"provider_ref":"P-1","result":"pass","timestamp":1751270400}`))
	f.Add([]byte(`{"provider_ref":"P-1","result":"fail","timestamp":1,"provider_ref":"P-2"}`))
	f.Add([]byte(`{"provider_ref":"\u0000","result":"pass","timestamp":99999999999999999999}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := parseCallback(body)
		if err != nil {
			if !errors.Is(err, ErrBadCallback) {
				t.Fatalf("error %v does not wrap ErrBadCallback", err)
			}
			return
		}
		if !validRef(cb.ProviderRef) || (cb.Result != "pass" && cb.Result != "fail") || cb.Timestamp <= 0 {
			t.Fatalf("accepted %+v", cb)
		}
	})
}

// FuzzHandleCallback runs correctly signed arbitrary bodies through the whole
// callback path against a real (SQLite) database: no panic, only documented errors.
func FuzzHandleCallback(f *testing.F) {
	db := storetest.SQLite(f)
	clk := newClock()
	hp, err := NewHTTPProvider(HTTPConfig{StartURL: "https://face.example.com/", CallbackURL: "https://hall.example.gov.cn/cb", Secret: secret}, clk.Now)
	if err != nil {
		f.Fatal(err)
	}
	New(db, hp, Config{}, clk.Now)
	// A pending session with a known reference, as Start would leave it.
	now, id := store.Time(clk.Now()), token.New()
	_, err = db.Exec(f.Context(), "INSERT INTO verify_sessions ("+columns+`)
		VALUES (?, 'recover', ?, 'resident', ?, ?, 'pending', ?, ?, NULL, NULL, 0, 'http', 'P-1', '', '', '', '')`,
		id, token.Hash(browserA), db.Keys().SealString(place(columnIDNumber, id), "11010519491231002X"),
		db.Keys().SealString(place(columnName, id), "测试"), now, now.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	ts := strconv.FormatInt(clk.Now().Unix(), 10)
	f.Add([]byte(`{"provider_ref":"P-1","result":"pass","timestamp":` + ts + `}`))
	f.Add([]byte(`{"provider_ref":"P-2","result":"fail","timestamp":` + ts + `}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := hp.HandleCallback(t.Context(), body, Sign(secret, ts, body), ts)
		switch {
		case err == nil, errors.Is(err, ErrBadCallback), errors.Is(err, ErrNotFound),
			errors.Is(err, ErrUsed), errors.Is(err, ErrSignature):
		default:
			t.Fatalf("HandleCallback(%q) = %v", body, err)
		}
	})
}
