package account

import (
	"hall/internal/web/webtest"
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

// TestUnitRegistrationMobileTaken: a mobile of another person is refused beside 移动电话 with the
// link to 用户申诉.
func TestUnitRegistrationMobileTaken(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 107)
	fx := w.Registered(t, "南京骏逸文化传媒有限公司", "林涛")
	other := w.Registered(t, "南京曜川餐饮管理有限公司", "郑洁")
	mobile := w.Mobile()
	other.CreatePerson(t, ts, mobile)
	c := webtest.NewClient(ts)
	flowURL := unitRegistrationToAccount(t, ts, c, fx)
	doc := webtest.Parsed(t, c.Post(t, flowURL, url.Values{"action": {"send-code"}, "mobile": {mobile}}), http.StatusUnprocessableEntity)
	if got := strings.TrimPrefix(webtest.FieldError(t, doc, "mobile"), "⚠ "); got != person.MsgMobileTaken {
		t.Errorf("beside 移动电话: %q", got)
	}
	if doc.First(`.ureg-appeal-link a[href="/appeal?kind=mobile_taken"]`) == nil {
		t.Error("no link to 用户申诉")
	}
}

// TestUnitRegistrationExistingAccount: the account step asks a legal rep who has a personal
// account for its password and a code sent to its mobile, shown masked.
func TestUnitRegistrationExistingAccount(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 108)
	fx := w.Registered(t, "南京远航物流有限公司", "韩磊")
	mobile := w.Mobile()
	fx.CreatePerson(t, ts, mobile)
	c := webtest.NewClient(ts)
	flowURL := unitRegistrationToAccount(t, ts, c, fx)
	doc := webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)
	if doc.First("#f-mobile") != nil || doc.First("#f-confirm") != nil {
		t.Error("the existing-account variant asks for a mobile or a confirmation")
	}
	if !strings.Contains(doc.TextContent(), ident.MaskMobile(mobile)) {
		t.Error("the account's masked mobile is not shown")
	}
	if l := doc.Must(t, "label[for=f-password]").TextContent(); strings.TrimPrefix(l, "*") != "个人账户密码" {
		t.Errorf("password label %q", l)
	}
	webtest.Parsed(t, c.Post(t, flowURL, url.Values{"action": {"send-code"}}), http.StatusOK)
	code := webtest.LatestCode(t, ts, mobile)
	doc = webtest.Parsed(t, c.Post(t, flowURL, url.Values{"sms_code": {code}, "password": {"Wrong#2026pw"}}), http.StatusUnprocessableEntity)
	if got := strings.TrimPrefix(webtest.FieldError(t, doc, "password"), "⚠ "); got != unitreg.MsgWrongPassword {
		t.Errorf("wrong password: %q", got)
	}
	loc := webtest.Redirected(t, c.Post(t, flowURL, url.Values{"sms_code": {code}, "password": {fx.Password}}))
	doc = webtest.Parsed(t, c.Get(t, loc), http.StatusOK)
	if doc.Must(t, ".ureg-unit-number").TextContent() == "" {
		t.Error("no unit number")
	}
}

// TestUnitRegistrationExpired: after 30 minutes the person is sent back to step 1 with the
// message.
func TestUnitRegistrationExpired(t *testing.T) {
	clk := webtest.NewClock(time.Date(2026, 5, 6, 1, 2, 3, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 109)
	fx := w.Registered(t, "南京鼎泽建设工程有限公司", "冯超")
	c := webtest.NewClient(ts)
	flowURL := unitRegistrationToAccount(t, ts, c, fx)
	clk.Advance(unitreg.TTL + time.Second)
	for _, rec := range []*http.Request{
		unitRegistrationGetReq(flowURL), unitRegistrationPostReq(flowURL, url.Values{"action": {"finish"}}), unitRegistrationPostReq(flowURL+"/verified", nil),
	} {
		if loc := webtest.Redirected(t, c.Send(t, rec)); loc != "/register/unit?timeout=1" {
			t.Errorf("%s %s after expiry → %q", rec.Method, rec.URL.Path, loc)
		}
	}
	doc := webtest.Parsed(t, c.Get(t, "/register/unit?timeout=1"), http.StatusOK)
	if got := doc.Must(t, ".alert-warning").TextContent(); got != "注册已超时，请重新填写" {
		t.Errorf("notice %q", got)
	}
}

// TestUnitRegistrationOtherBrowser: a flow answers only the browser that started it.
func TestUnitRegistrationOtherBrowser(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 110)
	fx := w.Registered(t, "南京恒润医疗器械有限公司", "蒋艳")
	flowID := webtest.UnitRegistrationStart(t, webtest.NewClient(ts), fx)
	other := webtest.NewClient(ts)
	for _, r := range []*http.Request{
		unitRegistrationGetReq("/register/unit/" + flowID), unitRegistrationPostReq("/register/unit/"+flowID+"/verified", nil),
		unitRegistrationPostReq("/register/unit/"+flowID, url.Values{"action": {"send-code"}, "mobile": {w.Mobile()}}),
	} {
		if rec := other.Send(t, r); rec.Code != http.StatusNotFound {
			t.Errorf("%s %s from another browser: %d", r.Method, r.URL.Path, rec.Code)
		}
	}
}

// TestUnitRegistrationRestart: a failed verification (another person confirmed) offers a new
// QR code.
func TestUnitRegistrationRestart(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 111)
	fx := w.Registered(t, "南京岚川环保科技有限公司", "曹静")
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)
	stranger := verify.Person{IDType: ident.IDTypeResident, Name: "宋军",
		IDNumber: ident.GenerateResidentID(w.Generator, "320105", time.Time{}, true)}
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, stranger, true); err != nil {
		t.Fatal(err)
	}
	doc := webtest.Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK)
	if got := webtest.TopError(doc); !strings.Contains(got, "认证失败：非本人") {
		t.Errorf("failure shown as %q", got)
	}
	if doc.First("img[alt=实人认证二维码]") != nil || doc.First("[data-verify-wait]") != nil {
		t.Error("a failed session still shows its QR code or waits")
	}
	webtest.Redirected(t, c.Post(t, "/register/unit/"+flowID+"/restart", nil))
	if sid2 := webtest.UnitRegistrationSessionID(t, c, flowID); sid2 == sid {
		t.Error("restart kept the old session")
	}
}
