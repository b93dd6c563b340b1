package account

import (
	"context"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/legacy"
	"hall/internal/store"
	"hall/internal/upgrade"
)

// The old password of the legacy-hall account the tests upgrade.
const upgradeOldPassword = "Old#pass2019"

// addLegacy stores a legacy-hall account for the registry unit fx, as `hall import
// legacy` would, and returns its 单位编号.
func addLegacy(t *testing.T, ts *webtest.TestServer, w *webtest.World, number, uscc string) string {
	t.Helper()
	h, err := legacy.HashPBKDF2(upgradeOldPassword, []byte("salt-"+number), legacy.MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	l, errs := legacy.ParseLine(number, uscc, "原网办单位", h)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := legacy.Put(ctx, tx, l, time.Now())
		return err
	})
	return l.Number
}

// upgradeAnswer is what a step-1 POST showed.
type upgradeAnswer struct {
	Code     int
	Top      string
	Captcha  bool
	Paused   bool
	Location string
}

func postUpgrade(t *testing.T, c *webtest.Client, form url.Values) upgradeAnswer {
	t.Helper()
	rec := c.Post(t, "/upgrade", form)
	a := upgradeAnswer{Code: rec.Code, Location: rec.Header().Get("Location")}
	if a.Location != "" {
		return a
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	if n := doc.First(".gate-pause"); n != nil {
		a.Paused = true
		if !strings.Contains(n.TextContent(), "登录尝试已暂停") {
			t.Errorf("pause message %q", n.TextContent())
		}
	} else {
		a.Top = webtest.TopError(doc)
	}
	a.Captcha = doc.First(".slider-captcha") != nil
	return a
}

// TestUpgradeThrottle: the old password is a login. Wrong passwords for one legacy
// account, typed in any spelling of its number (case, spaces), share one counter:
// the captcha after three, the pause after five, during which the right password is
// refused too; an unknown number goes through exactly the same answers.
func TestUpgradeThrottle(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 4101)
	fx := w.Registered(t, "南京旧网办节流测试有限公司", "钱立群")
	number := addLegacy(t, ts, w, "JS3201060001", fx.Entry.USCC)

	wrong := []url.Values{
		{"legacy_number": {number}, "legacy_password": {"Wrong#pass1"}},
		{"legacy_number": {strings.ToLower(number)}, "legacy_password": {"Wrong#pass2"}},
		{"legacy_number": {" " + number[:4] + " " + number[4:] + " "}, "legacy_password": {"Wrong#pass3"}},
		{"legacy_number": {strings.ToLower(number[:2]) + number[2:]}, "legacy_password": {"Wrong#pass4"}},
		{"legacy_number": {number}, "legacy_password": {"Wrong#pass5"}},
	}
	right := url.Values{"legacy_number": {number}, "legacy_password": {upgradeOldPassword}}
	bad := upgradeAnswer{Code: http.StatusUnprocessableEntity, Top: upgradeMsgBad}
	badCaptcha := upgradeAnswer{Code: http.StatusUnprocessableEntity, Top: upgradeMsgBad, Captcha: true}
	wanted := upgradeAnswer{Code: http.StatusUnprocessableEntity, Captcha: true}
	paused := upgradeAnswer{Code: http.StatusUnprocessableEntity, Paused: true}

	series := func(t *testing.T, remote string, forms []url.Values) []upgradeAnswer {
		c := webtest.NewClient(ts)
		c.Remote = remote
		var out []upgradeAnswer
		for i := range 3 {
			out = append(out, postUpgrade(t, c, forms[i]))
		}
		out = append(out, postUpgrade(t, c, forms[3])) // the captcha is wanted
		for i := range 2 {
			out = append(out, postUpgrade(t, c, withToken(forms[3+i], webtest.SolveCaptcha(t, ts, c, uint64(40+i)))))
		}
		return out
	}
	want := []upgradeAnswer{bad, bad, badCaptcha, wanted, badCaptcha, paused}
	known := series(t, "192.0.2.61:4000", wrong)
	var unknownForms []url.Values
	for _, f := range wrong {
		g := webtest.CloneForm(f)
		g.Set("legacy_number", strings.Replace(g.Get("legacy_number"), "0001", "0999", 1))
		unknownForms = append(unknownForms, g)
	}
	unknown := series(t, "192.0.2.62:4000", unknownForms)
	for i := range want {
		if known[i] != want[i] {
			t.Errorf("known account, attempt %d: %+v, want %+v", i+1, known[i], want[i])
		}
		if unknown[i] != known[i] {
			t.Errorf("unknown account, attempt %d: %+v, the known account got %+v", i+1, unknown[i], known[i])
		}
	}
	// Paused: the right password, from another browser and address, is refused too.
	c := webtest.NewClient(ts)
	c.Remote = "198.51.100.7:1000"
	if got := postUpgrade(t, c, withToken(right, webtest.SolveCaptcha(t, ts, c, 50))); got != paused {
		t.Errorf("right password while paused: %+v", got)
	}
	if n := webtest.RowCount(t, ts, "flows"); n != 0 {
		t.Errorf("%d flows started while refusing", n)
	}
}

// TestUpgradeStepOneAnswers: the right password moves on to step 2; an account
// upgraded already and a unit with an online account are said only then; empty
// fields are refused beside each.
func TestUpgradeStepOneAnswers(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 4102)
	fx := w.Registered(t, "南京旧网办答复测试有限公司", "孔令辉")
	number := addLegacy(t, ts, w, "JS3201060002", fx.Entry.USCC)

	c := webtest.NewClient(ts)
	rec := c.Post(t, "/upgrade", url.Values{})
	webtest.WantStatus(t, "empty form", rec, http.StatusUnprocessableEntity)
	doc := webtest.ParseHTML(t, rec.Body.String())
	for field, msg := range map[string]string{"legacy_number": upgrade.MsgNumberMissing, "legacy_password": upgrade.MsgPasswordMissing} {
		if n := doc.First("#e-" + field); n == nil || n.TextContent() != msg {
			t.Errorf("beside %s: %v, want %q", field, n, msg)
		}
	}
	got := postUpgrade(t, c, url.Values{"legacy_number": {strings.ToLower(number)}, "legacy_password": {upgradeOldPassword}})
	if got.Code != http.StatusSeeOther || !strings.HasPrefix(got.Location, "/upgrade/") {
		t.Fatalf("right password: %+v", got)
	}
	page := c.Page(t, got.Location, http.StatusOK)
	text := page.TextContent()
	for _, want := range []string{"确认单位信息", fx.Entry.Name, "请于北京时间", "剩余"} {
		if !strings.Contains(text, want) {
			t.Errorf("step 2 lacks %q", want)
		}
	}
	if strings.Contains(text, fx.Entry.LegalRepIDNumber) || strings.Contains(text, fx.Entry.USCC) {
		t.Error("step 2 shows the legal rep's ID number or the USCC unmasked")
	}
	// Another browser cannot continue it.
	webtest.WantStatus(t, "another browser", webtest.NewClient(ts).Get(t, got.Location), http.StatusNotFound)
}

// TestUpgradeNominationHTTP: a nominee who is not registered and one whose mobile
// differs get the seed's one message; the right nominee gets the QR code.
func TestUpgradeNominationHTTP(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 4103)
	fx := w.Registered(t, "南京旧网办提名测试有限公司", "华明")
	number := addLegacy(t, ts, w, "JS3201060003", fx.Entry.USCC)
	admin := w.Person(t, "章小慧")

	c := webtest.NewClient(ts)
	got := postUpgrade(t, c, url.Values{"legacy_number": {number}, "legacy_password": {upgradeOldPassword}})
	flowPath := got.Location
	if loc := webtest.Redirected(t, c.Post(t, flowPath+"/confirm", url.Values{})); loc != flowPath {
		t.Fatalf("confirm → %q", loc)
	}
	form := func(name, idNumber, mobile string) url.Values {
		return url.Values{"admin_name": {name}, "admin_id_type": {"resident"}, "admin_id_number": {idNumber},
			"admin_mobile": {mobile}, "password": {"Adm1n#Unit2026"}, "confirm": {"Adm1n#Unit2026"}}
	}
	for name, f := range map[string]url.Values{
		"not registered": form("章小慧", w.IDNumber(), admin.Mobile),
		"another mobile": form(admin.Name, admin.IDNumber, w.Mobile()),
		"another name":   form("章小", admin.IDNumber, admin.Mobile),
	} {
		rec := c.Post(t, flowPath+"/admin", f)
		webtest.WantStatus(t, name, rec, http.StatusUnprocessableEntity)
		if top := webtest.TopError(webtest.ParseHTML(t, rec.Body.String())); top != upgrade.MsgAdminMismatch {
			t.Errorf("%s: %q", name, top)
		}
	}
	if loc := webtest.Redirected(t, c.Post(t, flowPath+"/admin", form(admin.Name, admin.IDNumber, admin.Mobile))); loc != flowPath {
		t.Fatalf("nomination → %q", loc)
	}
	page := c.Page(t, flowPath, http.StatusOK)
	if page.First(`img[alt="实人认证二维码"]`) == nil {
		t.Fatal("no QR code at step 4")
	}
	if !strings.Contains(page.TextContent(), "请使用掌上APP扫一扫进行实人认证") {
		t.Error("step 4 is not 管理员实人认证")
	}
}

// TestUpgradeTimeoutPage: ten minutes after the old password, every step answers by
// going back to step 1, which says why.
func TestUpgradeTimeoutPage(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 4104)
	fx := w.Registered(t, "南京旧网办超时测试有限公司", "贺新")
	number := addLegacy(t, ts, w, "JS3201060004", fx.Entry.USCC)

	c := webtest.NewClient(ts)
	got := postUpgrade(t, c, url.Values{"legacy_number": {number}, "legacy_password": {upgradeOldPassword}})
	page := c.Page(t, got.Location, http.StatusOK)
	if !strings.Contains(page.TextContent(), "请于北京时间 09:10:00 前完成升级") {
		t.Errorf("step 2 does not show the deadline: %s", page.TextContent())
	}
	clock.Advance(upgrade.TTL)
	for _, rec := range []*httptest.ResponseRecorder{c.Get(t, got.Location), c.Post(t, got.Location+"/confirm", url.Values{})} {
		if loc := webtest.Redirected(t, rec); loc != "/upgrade?timeout=1" {
			t.Fatalf("after ten minutes → %q", loc)
		}
	}
	if !strings.Contains(c.Page(t, "/upgrade?timeout=1", http.StatusOK).TextContent(), upgrade.MsgExpired) {
		t.Error("step 1 does not say the upgrade timed out")
	}
}
