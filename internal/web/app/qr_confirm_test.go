package app

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/qrlogin"
	"hall/internal/token"
	"hall/internal/web/webtest"
)

// qrTicket issues a ticket as a login page does, for a browser of its own.
func qrTicket(t *testing.T, ts *webtest.TestServer, kind qrlogin.Kind) string {
	t.Helper()
	tk, err := ts.QRLogin.Create(t.Context(), qrlogin.Request{Kind: kind, Binding: token.New(),
		ClientAddr: "203.0.113.9", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"})
	if err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

// TestQRConfirmRefusals: the app's 扫码登录 screen needs the app login, refuses a
// unit the person holds no role in beside the choice (the ticket stays open), an
// unknown code, a missing unit, and a second decision.
func TestQRConfirmRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 1105)
	rep := w.Person(t, "宁知远")
	own := w.Unit(t, "示范扫码确认有限公司", rep)
	foreign := w.Unit(t, "示范无关扫码有限公司", w.Person(t, "阮星河"))
	id := qrTicket(t, ts, qrlogin.KindUnit)

	anon := webtest.NewClient(ts)
	if loc := webtest.Redirected(t, anon.Get(t, "/app/qr/"+id)); !strings.HasPrefix(loc, "/app/login?next=") {
		t.Errorf("signed out → %q", loc)
	}

	phone := webtest.NewClient(ts)
	webtest.AppLogin(t, phone, rep)
	doc := phone.Page(t, "/app/qr/"+id, http.StatusOK)
	if got := doc.Must(t, ".app-origin").TextContent(); !strings.Contains(got, "Chrome") {
		t.Errorf("asking browser %q", got)
	}
	if got := doc.Texts("fieldset .check label"); len(got) != 1 || got[0] != own.Name+"（法定代表人）" {
		t.Errorf("choices %q", got)
	}
	for _, tc := range []struct {
		what string
		form url.Values
		want string
	}{
		{"no unit", url.Values{"decision": {"confirm"}}, qrlogin.Message(qrlogin.ErrUnitChoice)},
		{"a unit without a role", url.Values{"decision": {"confirm"}, "unit": {strconv.FormatInt(foreign.ID, 10)}}, ""},
	} {
		doc := webtest.Parsed(t, phone.Post(t, "/app/qr/"+id, tc.form), http.StatusUnprocessableEntity)
		var got string
		if e := doc.First("fieldset #e-unit"); e != nil {
			got = e.TextContent()
		}
		if got == "" || (tc.want != "" && got != tc.want) {
			t.Errorf("%s: message %q, want %q", tc.what, got, tc.want)
		}
	}
	webtest.Parsed(t, phone.Post(t, "/app/qr/"+id, url.Values{"decision": {"confirm"}, "unit": {strconv.FormatInt(own.ID, 10)}}), http.StatusOK)
	for _, decision := range []string{"confirm", "cancel"} {
		rec := phone.Post(t, "/app/qr/"+id, url.Values{"decision": {decision}, "unit": {strconv.FormatInt(own.ID, 10)}})
		if got := webtest.Parsed(t, rec, http.StatusConflict).Must(t, "[role=alert]").TextContent(); got != qrlogin.Message(qrlogin.ErrDecided) {
			t.Errorf("%s twice: %q", decision, got)
		}
	}
	if got := webtest.Parsed(t, phone.Get(t, "/app/qr/"+token.New()), http.StatusNotFound).Must(t, "[role=alert]").TextContent(); got != qrlogin.Message(qrlogin.ErrNotFound) {
		t.Errorf("unknown code: %q", got)
	}
}
