package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unitreg"
	"hall/internal/verify"
)

// TestUregMobileTaken: a mobile of another person is refused beside 移动电话 with the
// link to 用户申诉.
func TestUregMobileTaken(t *testing.T) {
	ts := NewTestServer(t)
	w := NewWorld(ts, 107)
	fx := w.Registered(t, "南京骏逸文化传媒有限公司", "林涛")
	other := w.Registered(t, "南京曜川餐饮管理有限公司", "郑洁")
	mobile := w.Mobile()
	other.CreatePerson(t, ts, mobile)
	c := NewClient(ts)
	flowURL := uregToAccount(t, ts, c, fx)
	doc := Parsed(t, c.Post(t, flowURL, url.Values{"action": {"send-code"}, "mobile": {mobile}}), http.StatusUnprocessableEntity)
	if got := strings.TrimPrefix(FieldError(t, doc, "mobile"), "⚠ "); got != person.MsgMobileTaken {
		t.Errorf("beside 移动电话: %q", got)
	}
	if doc.First(`.ureg-appeal-link a[href="/appeal?kind=mobile_taken"]`) == nil {
		t.Error("no link to 用户申诉")
	}
}

// TestUregExistingAccount: the account step asks a legal rep who has a personal
// account for its password and a code sent to its mobile, shown masked.
func TestUregExistingAccount(t *testing.T) {
	ts := NewTestServer(t)
	w := NewWorld(ts, 108)
	fx := w.Registered(t, "南京远航物流有限公司", "韩磊")
	mobile := w.Mobile()
	fx.CreatePerson(t, ts, mobile)
	c := NewClient(ts)
	flowURL := uregToAccount(t, ts, c, fx)
	doc := Parsed(t, c.Get(t, flowURL), http.StatusOK)
	if doc.First("#f-mobile") != nil || doc.First("#f-confirm") != nil {
		t.Error("the existing-account variant asks for a mobile or a confirmation")
	}
	if !strings.Contains(doc.TextContent(), ident.MaskMobile(mobile)) {
		t.Error("the account's masked mobile is not shown")
	}
	if l := doc.Must(t, "label[for=f-password]").TextContent(); strings.TrimPrefix(l, "*") != "个人账户密码" {
		t.Errorf("password label %q", l)
	}
	Parsed(t, c.Post(t, flowURL, url.Values{"action": {"send-code"}}), http.StatusOK)
	code := LatestCode(t, ts, mobile)
	doc = Parsed(t, c.Post(t, flowURL, url.Values{"sms_code": {code}, "password": {"Wrong#2026pw"}}), http.StatusUnprocessableEntity)
	if got := strings.TrimPrefix(FieldError(t, doc, "password"), "⚠ "); got != unitreg.MsgWrongPassword {
		t.Errorf("wrong password: %q", got)
	}
	loc := Redirected(t, c.Post(t, flowURL, url.Values{"sms_code": {code}, "password": {fx.Password}}))
	doc = Parsed(t, c.Get(t, loc), http.StatusOK)
	if doc.Must(t, ".ureg-unit-number").TextContent() == "" {
		t.Error("no unit number")
	}
}

// TestUregExpired: after 30 minutes the person is sent back to step 1 with the
// message.
func TestUregExpired(t *testing.T) {
	clk := &Clock{t: time.Date(2026, 5, 6, 1, 2, 3, 0, time.UTC)}
	ts := NewTestServer(t, WithClock(t, clk))
	w := NewWorld(ts, 109)
	fx := w.Registered(t, "南京鼎泽建设工程有限公司", "冯超")
	c := NewClient(ts)
	flowURL := uregToAccount(t, ts, c, fx)
	clk.Advance(unitreg.TTL + time.Second)
	for _, rec := range []*http.Request{
		uregGetReq(flowURL), uregPostReq(flowURL, url.Values{"action": {"finish"}}), uregPostReq(flowURL+"/verified", nil),
	} {
		if loc := Redirected(t, c.Send(t, rec)); loc != "/register/unit?timeout=1" {
			t.Errorf("%s %s after expiry → %q", rec.Method, rec.URL.Path, loc)
		}
	}
	doc := Parsed(t, c.Get(t, "/register/unit?timeout=1"), http.StatusOK)
	if got := doc.Must(t, ".alert-warning").TextContent(); got != "注册已超时，请重新填写" {
		t.Errorf("notice %q", got)
	}
}

// TestUregOtherBrowser: a flow answers only the browser that started it.
func TestUregOtherBrowser(t *testing.T) {
	ts := NewTestServer(t)
	w := NewWorld(ts, 110)
	fx := w.Registered(t, "南京恒润医疗器械有限公司", "蒋艳")
	flowID := uregStart(t, NewClient(ts), fx)
	other := NewClient(ts)
	for _, r := range []*http.Request{
		uregGetReq("/register/unit/" + flowID), uregPostReq("/register/unit/"+flowID+"/verified", nil),
		uregPostReq("/register/unit/"+flowID, url.Values{"action": {"send-code"}, "mobile": {w.Mobile()}}),
	} {
		if rec := other.Send(t, r); rec.Code != http.StatusNotFound {
			t.Errorf("%s %s from another browser: %d", r.Method, r.URL.Path, rec.Code)
		}
	}
}

// TestUregRestart: a failed verification (another person confirmed) offers a new
// QR code.
func TestUregRestart(t *testing.T) {
	ts := NewTestServer(t)
	w := NewWorld(ts, 111)
	fx := w.Registered(t, "南京岚川环保科技有限公司", "曹静")
	c := NewClient(ts)
	flowID := uregStart(t, c, fx)
	sid := uregSessionID(t, c, flowID)
	stranger := verify.Person{IDType: ident.IDTypeResident, Name: "宋军",
		IDNumber: ident.GenerateResidentID(w.Generator, "320105", time.Time{}, true)}
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, stranger, true); err != nil {
		t.Fatal(err)
	}
	doc := Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK)
	if got := TopError(doc); !strings.Contains(got, "认证失败：非本人") {
		t.Errorf("failure shown as %q", got)
	}
	if doc.First("img[alt=实人认证二维码]") != nil || doc.First("[data-verify-wait]") != nil {
		t.Error("a failed session still shows its QR code or waits")
	}
	Redirected(t, c.Post(t, "/register/unit/"+flowID+"/restart", nil))
	if sid2 := uregSessionID(t, c, flowID); sid2 == sid {
		t.Error("restart kept the old session")
	}
}
