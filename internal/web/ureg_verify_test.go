package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/services"
	"hall/internal/verify"
)

// TestUregVerifyWait: the long poll answers as soon as the app records the result,
// and refuses a browser that does not own the flow.
func TestUregVerifyWait(t *testing.T) {
	ts := NewTestServer(t)
	w := NewWorld(ts, 112)
	fx := w.Registered(t, "南京宸越软件有限公司", "陈立新")
	c := NewClient(ts)
	flowID := uregStart(t, c, fx)
	sid := uregSessionID(t, c, flowID)
	waitURL := "/verify/" + sid + "/wait?flow=" + flowID

	// Another browser: 404, at once.
	start := time.Now()
	rec := NewClient(ts).Get(t, waitURL)
	if rec.Code != http.StatusNotFound || uregWaitStatus(t, rec.Body.Bytes()) != "unknown" {
		t.Errorf("another browser: %d %s", rec.Code, rec.Body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusal took %v", d)
	}
	// The flow's browser with another session ID, or without the flow: 404.
	for _, u := range []string{"/verify/" + otherSessionID(sid) + "/wait?flow=" + flowID, "/verify/" + sid + "/wait"} {
		if rec := c.Get(t, u); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", u, rec.Code)
		}
	}

	type answer struct {
		code   int
		status string
		took   time.Duration
	}
	done := make(chan answer, 1)
	req := httptest.NewRequest(http.MethodGet, waitURL, nil)
	for _, ck := range c.Cookies {
		req.AddCookie(ck)
	}
	go func() {
		begin := time.Now()
		rec := httptest.NewRecorder()
		ts.ServeHTTP(rec, req)
		var a struct{ Status string }
		_ = json.Unmarshal(rec.Body.Bytes(), &a)
		done <- answer{rec.Code, a.Status, time.Since(begin)}
	}()
	time.Sleep(300 * time.Millisecond) // the poll is parked
	completed := time.Now()
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, uregPerson(fx), true); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-done:
		if a.code != http.StatusOK || a.status != "passed" {
			t.Errorf("wait answered %d %q", a.code, a.status)
		}
		if d := time.Since(completed); d > 2*time.Second {
			t.Errorf("the answer came %v after the result", d)
		}
		if a.took < 250*time.Millisecond {
			t.Errorf("the poll did not wait (%v)", a.took)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll did not return after the result")
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func uregWaitStatus(t testing.TB, body []byte) string {
	t.Helper()
	var a struct{ Status string }
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("wait answer %q: %v", body, err)
	}
	return a.Status
}

// otherSessionID returns a well-formed ID other than id.
func otherSessionID(id string) string {
	if id[0] == 'A' {
		return "B" + id[1:]
	}
	return "A" + id[1:]
}

// uregFakeProvider is a face verification service speaking the verify package's wire
// format: it opens checks and hands out its own page's URL.
type uregFakeProvider struct {
	srv *httptest.Server
	n   atomic.Int64
}

func uregNewFakeProvider(t testing.TB) *uregFakeProvider {
	p := &uregFakeProvider{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"provider_ref":"F-%d","verify_url":"https://face.example.test/check/F-%d"}`, n, n)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

var uregProviderSecret = []byte("a-test-secret-of-at-least-32-bytes!!")

// uregWithHTTPProvider switches verification to the production adapter.
func uregWithHTTPProvider(p *uregFakeProvider) func(*services.Services) {
	return func(svc *services.Services) {
		hp, err := verify.NewHTTPProvider(verify.HTTPConfig{StartURL: p.srv.URL + "/start",
			CallbackURL: svc.Config.BaseURL + "/verify/callback", Secret: uregProviderSecret}, svc.Now)
		if err != nil {
			panic(err)
		}
		svc.HTTPVerify, svc.DevVerify = hp, nil
		svc.Verify = verify.New(svc.DB, hp, verify.Config{}, svc.Now)
	}
}

// TestUregVerifyCallback: the production provider's signed callback records the
// result through the router (cross-origin protection lets a server-to-server POST
// through); a bad signature is 401; without the adapter the route is 404.
func TestUregVerifyCallback(t *testing.T) {
	if rec := NewTestServer(t).Do(t, httptest.NewRequest(http.MethodPost, "/verify/callback", bytes.NewReader([]byte("{}")))); rec.Code != http.StatusNotFound {
		t.Errorf("callback in development mode: %d", rec.Code)
	}

	prov := uregNewFakeProvider(t)
	ts := NewTestServer(t, uregWithHTTPProvider(prov))
	w := NewWorld(ts, 113)
	fx := w.Registered(t, "南京澄明电子有限公司", "杨帆")
	c := NewClient(ts)
	flowID := uregStart(t, c, fx)
	sid := uregSessionID(t, c, flowID)
	sess, err := ts.Verify.Lookup(t.Context(), sid)
	if err != nil || sess.ProviderRef == "" {
		t.Fatalf("session %+v %v", sess, err)
	}
	// No development link in production.
	if doc := Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK); doc.First(".ureg-dev") != nil {
		t.Error("the development link is shown with the production provider")
	}

	post := func(body []byte, sign bool) int {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		r := httptest.NewRequest(http.MethodPost, "/verify/callback", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Timestamp", ts)
		sig := verify.Sign(uregProviderSecret, ts, body)
		if !sign {
			sig = verify.Sign([]byte("another-secret-of-at-least-32-bytes!"), ts, body)
		}
		r.Header.Set("X-Signature", sig)
		return c.Send(t, r).Code
	}
	body := fmt.Appendf(nil, `{"provider_ref":%q,"result":"pass","timestamp":%d}`, sess.ProviderRef, time.Now().Unix())
	if code := post(body, false); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	if code := post(fmt.Appendf(nil, `{"provider_ref":"F-999","result":"pass","timestamp":%d}`, time.Now().Unix()), true); code != http.StatusNotFound {
		t.Errorf("unknown provider_ref: %d", code)
	}
	if code := post([]byte(`{"provider_ref":`), true); code != http.StatusBadRequest {
		t.Errorf("malformed body: %d", code)
	}
	if code := post(body, true); code != http.StatusNoContent {
		t.Fatalf("callback: %d", code)
	}
	if code := post(body, true); code != http.StatusNoContent {
		t.Errorf("repeated callback: %d", code)
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid); s.Status != verify.Passed {
		t.Errorf("status after the callback: %s", s.Status)
	}
	if loc := Redirected(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil)); loc != "/register/unit/"+flowID {
		t.Errorf("verified → %q", loc)
	}
}
