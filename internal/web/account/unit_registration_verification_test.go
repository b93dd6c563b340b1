package account

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"hall/internal/verify"
)

// TestUnitRegistrationVerifyWait: the long poll answers as soon as the app records the result,
// and refuses a browser that does not own the flow.
func TestUnitRegistrationVerifyWait(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 112)
	fx := w.Registered(t, "南京宸越软件有限公司", "陈立新")
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)
	waitURL := "/verify/" + sid + "/wait?flow=" + flowID

	// Another browser: 404, at once.
	start := time.Now()
	rec := webtest.NewClient(ts).Get(t, waitURL)
	if rec.Code != http.StatusNotFound || unitRegistrationWaitStatus(t, rec.Body.Bytes()) != "unknown" {
		t.Errorf("another browser: %d %s", rec.Code, rec.Body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusal took %v", d)
	}
	// The flow's browser with another session ID, or without the flow: 404.
	for _, u := range []string{"/verify/" + webtest.OtherSessionID(sid) + "/wait?flow=" + flowID, "/verify/" + sid + "/wait"} {
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
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, unitRegistrationPerson(fx), true); err != nil {
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

func unitRegistrationWaitStatus(t testing.TB, body []byte) string {
	t.Helper()
	var a struct{ Status string }
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("wait answer %q: %v", body, err)
	}
	return a.Status
}

// TestUnitRegistrationVerifyCallback: the production provider's signed callback records the
// result through the router (cross-origin protection lets a server-to-server POST
// through); a bad signature is 401; without the adapter the route is 404.
func TestUnitRegistrationVerifyCallback(t *testing.T) {
	if rec := webtest.NewTestServer(t).Do(t, httptest.NewRequest(http.MethodPost, "/verify/callback", bytes.NewReader([]byte("{}")))); rec.Code != http.StatusNotFound {
		t.Errorf("callback in development mode: %d", rec.Code)
	}

	prov := webtest.NewFakeVerifyProvider(t)
	ts := webtest.NewTestServer(t, webtest.WithHTTPVerifyProvider(prov))
	w := webtest.NewWorld(ts, 113)
	fx := w.Registered(t, "南京澄明电子有限公司", "杨帆")
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)
	sess, err := ts.Verify.Lookup(t.Context(), sid)
	if err != nil || sess.ProviderRef == "" {
		t.Fatalf("session %+v %v", sess, err)
	}
	// No development link in production.
	if doc := webtest.Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK); doc.First(".ureg-dev") != nil {
		t.Error("the development link is shown with the production provider")
	}

	// One time for the bodies and their X-Timestamp headers: the callback refuses a
	// header whose second differs from the body's, and a slow run crosses seconds.
	at := time.Now().Unix()
	post := func(body []byte, sign bool) int {
		ts := strconv.FormatInt(at, 10)
		r := httptest.NewRequest(http.MethodPost, "/verify/callback", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Timestamp", ts)
		sig := verify.Sign(webtest.VerifyProviderSecret, ts, body)
		if !sign {
			sig = verify.Sign([]byte("another-secret-of-at-least-32-bytes!"), ts, body)
		}
		r.Header.Set("X-Signature", sig)
		return c.Send(t, r).Code
	}
	body := fmt.Appendf(nil, `{"provider_ref":%q,"result":"pass","timestamp":%d}`, sess.ProviderRef, at)
	if code := post(body, false); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	if code := post(fmt.Appendf(nil, `{"provider_ref":"F-999","result":"pass","timestamp":%d}`, at), true); code != http.StatusNotFound {
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
	if loc := webtest.Redirected(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil)); loc != "/register/unit/"+flowID {
		t.Errorf("verified → %q", loc)
	}
}
