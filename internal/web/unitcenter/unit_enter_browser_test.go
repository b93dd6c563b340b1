package unitcenter

import (
	"hall/internal/web/webtest"
	"strconv"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/ident"
)

// enterBrowserChoose clicks 进入 on the unit chooser's row of unit unitID.
func enterBrowserChoose(p *browsertest.Page, unitID int64) {
	p.ClickCSS(`form[action="/unit/switch"]:has(input[name=unit_id][value="` + strconv.FormatInt(unitID, 10) + `"]) button`)
}

// enterBrowserEnter enters unit unitID from the unit chooser as a person does: 进入 on
// its row, then, on the entry page, the password labelled label (经办密码, or the
// legal rep's 登录密码) and 确认进入. It waits for the unit center.
func enterBrowserEnter(p *browsertest.Page, unitID int64, label, password string) {
	enterBrowserChoose(p, unitID)
	p.WaitText("进入单位：")
	p.Fill(label, password)
	p.Click("确认进入")
	p.WaitURL("/unit/")
	p.WaitText("单位主页")
}

// TestUnitEnterBrowserEnterAfterSMSLogin: a person signs in with a 手机动态码 only, opens the
// Unit chooser and enters the unit where they are the administrator. The hall asks
// for the 经办密码 of that role; a wrong one is refused beside the field; the right
// one opens the unit center as 管理员. Going on to the unit where they are the legal
// rep, the hall asks for the personal password, which the SMS login never proved.
func TestUnitEnterBrowserEnterAfterSMSLogin(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	f := webtest.NewTwoUnits(t, ts, 71)

	// The refused password answers 422, which the browser logs.
	p := browsertest.New(t).NewPage(t, webtest.Allow422)
	p.Open(base + "/login?tab=person&method=sms")
	p.Fill("移动电话", f.Person.Mobile)
	p.Click("获取验证码")
	p.WaitText("验证码已发送至" + ident.MaskMobile(f.Person.Mobile))
	p.Fill("短信验证码", webtest.OutboxCode(t, base, f.Person.Mobile))
	p.Click("登录")
	p.WaitURL("/me")

	p.Open(base + "/unit/choose")
	p.WaitText("选择单位")
	enterBrowserChoose(p, f.Other.ID)
	p.WaitText("进入单位：输入经办密码")
	p.WaitText(f.Other.Name)
	if !p.HasText("忘记经办密码") {
		t.Error("the entry page has no way out for a forgotten unit password")
	}
	p.Fill("经办密码", "Uc-Admin-Pass-9")
	p.Click("确认进入")
	p.WaitText(enterMsgWrongUnit)
	if p.HasText("单位主页") {
		t.Fatal("a wrong unit password entered the unit")
	}
	p.Fill("经办密码", "Uc-Admin-Pass-2")
	p.Click("确认进入")
	p.WaitURL("/unit/")
	p.WaitText("单位主页")
	if got := p.Text(".uc-unit-name"); got != f.Other.Name {
		t.Errorf("entered %q, want %q", got, f.Other.Name)
	}
	if got := p.Text(".uc-role"); got != "管理员" {
		t.Errorf("role %q, want 管理员", got)
	}

	// The legal rep's unit: the personal password, not asked before.
	p.Open(base + "/unit/choose")
	enterBrowserChoose(p, f.Home.ID)
	p.WaitText("进入单位：验证登录密码")
	p.Open(base + "/unit/choose")
	enterBrowserEnter(p, f.Home.ID, "登录密码", webtest.Password)
	if got := p.Text(".uc-role"); got != "法定代表人" {
		t.Errorf("role %q, want 法定代表人", got)
	}
}
