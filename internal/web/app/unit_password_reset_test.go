package app

import (
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/unit"
	"hall/internal/verify"
)

// passwordResetAppVerifyPath is where 下一步 of the app's reset sends the person.
var passwordResetAppVerifyPath = regexp.MustCompile(`^/app/v/([A-Za-z0-9_-]{43})\?back=%2Fapp%2Fme%2Freset%2F([A-Za-z0-9_-]{43})$`)

// TestPasswordResetAppAgent walks P2 through the router for an agent: 我的 → 重置单位密码,
// the units offered, the app's verification screen and back, the new password; the
// Unit login takes it and the unit's old session is gone.
func TestPasswordResetAppAgent(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 411)
	u, _ := w.UnitWithRep(t, "示范市禾丰农业科技有限公司", "钱思远")
	u2, _ := w.UnitWithRep(t, "示范市澜庭酒店管理有限公司", "孙澜")
	ag := w.Person(t, "赵嘉言")
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: ag.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, webtest.Password)
	w.Member(t, unit.Membership{UnitID: u2.ID, PersonID: ag.ID, Role: unit.RoleAdmin, Status: unit.StatusPending}, "")
	inUnit := webtest.NewClient(ts)
	webtest.SignIn(t, inUnit, webtest.UnitSubject(ag, u, unit.RoleAgent))

	app := webtest.NewClient(ts)
	webtest.WantRedirect(t, "anonymous", app.Get(t, "/app/me/reset"), "/app/login?next=%2Fapp%2Fme%2Freset")
	webtest.AppLogin(t, app, ag)
	doc := webtest.Parsed(t, app.Get(t, "/app/me"), http.StatusOK)
	if a := doc.First(`a[href="/app/me/reset"]`); a == nil || !strings.Contains(a.TextContent(), "重置单位密码") {
		t.Error("我的 → 企业服务 has no 重置单位密码")
	}

	doc = webtest.Parsed(t, app.Get(t, "/app/me/reset"), http.StatusOK)
	webtest.CheckPage(t, ts, "/app/me/reset", doc)
	labels := doc.Texts("form label")
	if len(labels) != 1 || labels[0] != u.Name+"（经办人）" {
		t.Errorf("units offered %v (the pending role must not be)", labels)
	}
	doc = webtest.Parsed(t, app.Post(t, "/app/me/reset", url.Values{}), http.StatusUnprocessableEntity)
	if got := doc.Must(t, "#e-unit").TextContent(); got != "请选择要重置密码的单位" {
		t.Errorf("no unit chosen: %q", got)
	}
	doc = webtest.Parsed(t, app.Post(t, "/app/me/reset", url.Values{"unit": {fmt.Sprint(u2.ID)}}), http.StatusUnprocessableEntity)
	if doc.First("#e-unit") == nil {
		t.Error("a pending role's unit accepted")
	}

	loc := webtest.Redirected(t, app.Post(t, "/app/me/reset", url.Values{"unit": {fmt.Sprint(u.ID)}}))
	m := passwordResetAppVerifyPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("下一步 went to %q", loc)
	}
	sid, flowID := m[1], m[2]
	back := "/app/me/reset/" + flowID

	// Before the verification: the reset page sends the person to it.
	doc = webtest.Parsed(t, app.Get(t, back), http.StatusOK)
	if a := doc.First(`a[href="` + passwordResetAppVerifyURL(sid, flowID) + `"]`); a == nil || a.TextContent() != "开始人脸识别" {
		t.Error("no 开始人脸识别")
	}
	doc = webtest.Parsed(t, app.Post(t, back, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}), http.StatusUnprocessableEntity)
	if !strings.Contains(doc.TextContent(), "请先完成人脸识别") {
		t.Error("a password before the verification")
	}

	// The verification screen, and the way back.
	doc = webtest.Parsed(t, app.Get(t, loc), http.StatusOK)
	if !strings.Contains(doc.TextContent(), verify.PurposeLabel(verify.PurposeAppReset)) {
		t.Error("the screen does not name the reset")
	}
	res := webtest.Redirected(t, app.Post(t, "/app/v/"+sid+"?back="+url.QueryEscape(back), url.Values{"decision": {"approve"}}))
	doc = webtest.Parsed(t, app.Get(t, res), http.StatusOK)
	if a := doc.First(`a[href="` + back + `"]`); a == nil || a.TextContent() != "返回继续办理" {
		t.Fatalf("no way back after the verification (%s)", res)
	}

	doc = webtest.Parsed(t, app.Get(t, back), http.StatusOK)
	webtest.CheckPage(t, ts, back, doc)
	if got := strings.Join(webtest.RecoveryLabels(doc), ","); got != "新密码,确认密码" {
		t.Errorf("labels %s", got)
	}
	doc = webtest.Parsed(t, app.Post(t, back, url.Values{"new_password": {"abc"}, "confirm": {"abc"}}), http.StatusUnprocessableEntity)
	if webtest.FieldError(t, doc, "new_password") == "" {
		t.Error("a weak password accepted")
	}
	other := webtest.NewClient(ts)
	webtest.SignIn(t, other, webtest.UnitSubject(ag, u, unit.RoleAgent))
	if rec := other.Get(t, back); rec.Code != http.StatusNotFound {
		t.Errorf("another browser of the same person: %d", rec.Code)
	}
	webtest.WantRedirect(t, "reset", app.Post(t, back, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}), "/app/me/reset/done?who=unit")
	webtest.WantNotice(t, ts, ag.Mobile, "经办密码", "重置")
	doc = webtest.Parsed(t, app.Get(t, "/app/me/reset/done?who=unit"), http.StatusOK)
	webtest.CheckPage(t, ts, "/app/me/reset/done", doc)
	if !strings.Contains(doc.TextContent(), "密码已重置") {
		t.Error("no 密码已重置")
	}
	if rec := app.Post(t, back, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}); rec.Code != http.StatusConflict {
		t.Errorf("second reset: %d", rec.Code)
	}

	// The app session (a personal one) stays; the unit session ended.
	if doc := webtest.Parsed(t, app.Get(t, "/app/me"), http.StatusOK); doc.First(`form[action="/app/logout"]`) == nil {
		t.Error("the app session ended")
	}
	if rec := inUnit.Get(t, "/unit/"); rec.Code != http.StatusSeeOther {
		t.Errorf("the unit session survived: %d", rec.Code)
	}
	login := webtest.NewClient(ts)
	webtest.WantRedirect(t, "unit login", login.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {ag.IDNumber}, "password": {webtest.RecoveryNewPassword}}), "/unit/")
	es, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: "password.reset"})
	if err != nil || len(es) != 1 || es[0].Detail["channel"] != "app" || es[0].Detail["credential"] != "unit" {
		t.Errorf("audit %+v %v", es, err)
	}
}

// TestPasswordResetAppList: the list is paged, and a person without roles is told why.
func TestPasswordResetAppList(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 412)
	rep := w.Person(t, "钱思远")
	for i := range 12 {
		w.Unit(t, fmt.Sprintf("示范市第%02d号贸易有限公司", i+1), rep)
	}
	app := webtest.NewClient(ts)
	webtest.AppLogin(t, app, rep)
	doc := webtest.Parsed(t, app.Get(t, "/app/me/reset"), http.StatusOK)
	if n := len(doc.All(`input[name="unit"]`)); n != passwordResetAppPerPage {
		t.Errorf("page 1 shows %d units", n)
	}
	if doc.First(`.pagination a[href="/app/me/reset?page=2"]`) == nil {
		t.Error("no link to page 2")
	}
	doc = webtest.Parsed(t, app.Get(t, "/app/me/reset?page=2"), http.StatusOK)
	if n := len(doc.All(`input[name="unit"]`)); n != 2 {
		t.Errorf("page 2 shows %d units", n)
	}
	if labels := doc.Texts("form label"); !strings.HasSuffix(labels[0], "（法定代表人）") {
		t.Errorf("labels %v", labels)
	}
	if doc := webtest.Parsed(t, app.Get(t, "/app/me/reset?page=99"), http.StatusOK); len(doc.All(`input[name="unit"]`)) != 2 {
		t.Error("a page past the end is not the last")
	}

	nobody := webtest.NewClient(ts)
	webtest.AppLogin(t, nobody, w.Person(t, "周若曦"))
	doc = webtest.Parsed(t, nobody.Get(t, "/app/me/reset"), http.StatusOK)
	if doc.First("form") != nil || !strings.Contains(doc.TextContent(), "您目前不是任何单位") {
		t.Error("a person without roles gets a form")
	}
}

// TestPasswordResetAppLegalRep: the legal rep's reset changes the personal password and ends
// every session, the app's included.
func TestPasswordResetAppLegalRep(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 413)
	u, rep := w.UnitWithRep(t, "示范市禾丰农业科技有限公司", "钱思远")
	app := webtest.NewClient(ts)
	webtest.AppLogin(t, app, rep)
	loc := webtest.Redirected(t, app.Post(t, "/app/me/reset", url.Values{"unit": {fmt.Sprint(u.ID)}}))
	m := passwordResetAppVerifyPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("下一步 went to %q", loc)
	}
	webtest.Redirected(t, app.Post(t, loc, url.Values{"decision": {"approve"}}))
	back := "/app/me/reset/" + m[2]
	doc := webtest.Parsed(t, app.Get(t, back), http.StatusOK)
	if !strings.Contains(doc.TextContent(), "个人账户的密码将同时修改") {
		t.Error("the legal rep is not told that the personal password changes")
	}
	webtest.WantRedirect(t, "reset", app.Post(t, back, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}), "/app/me/reset/done?who=person")
	doc = webtest.Parsed(t, app.Get(t, "/app/me/reset/done?who=person"), http.StatusOK)
	if !strings.Contains(doc.TextContent(), "请重新登录") {
		t.Error("no 请重新登录")
	}
	if doc.First(`form[action="/app/logout"]`) != nil {
		t.Error("still signed in")
	}
	webtest.WantRedirect(t, "app login with the new password", app.Post(t, "/app/login", url.Values{"login": {rep.IDNumber}, "password": {webtest.RecoveryNewPassword}, "next": {"/app/"}}), "/app/")
}

// FuzzPasswordResetVerifyBack: the way back of the verification screen is a path of this
// app's reset, or nothing.
func FuzzPasswordResetVerifyBack(f *testing.F) {
	for _, s := range []string{"/app/me/reset/abc", "/app/me/reset/" + strings.Repeat("a", 43), "//evil.example/app/me/reset/x", "/app/me/reset/\t/x", "/app/me/agent/x",
		"https://evil.example/", "/app/me/reset/../../admin", "/app/me/reset/%2e%2e/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, back string) {
		r, err := http.NewRequest(http.MethodGet, "/app/v/x?back="+url.QueryEscape(back), nil)
		if err != nil {
			t.Skip()
		}
		got := passwordResetVerifyBack(r)
		if got == "" {
			return
		}
		if got != back || !strings.HasPrefix(got, "/app/me/reset/") || web.LocalPath(got) != got || strings.Contains(got, "..") {
			t.Fatalf("back %q accepted as %q", back, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("back %q leaves the app: %v", got, err)
		}
	})
}
