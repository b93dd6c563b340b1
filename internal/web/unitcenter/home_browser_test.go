package unitcenter

import (
	"hall/internal/web/webtest"
	"slices"
	"strings"
	"testing"

	"hall/internal/browsertest"
)

// TestBrowserUnitSwitchUnits: a person who is the legal rep of one unit and the admin
// of another signs in to the first, finds the menu and the header, switches to the
// second with 切换单位 (giving its 经办密码), and signs out.
func TestBrowserUnitSwitchUnits(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 61)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t)

	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.WaitText("单位主页")
	menu := browsertest.Eval[[]string](p, `[...document.querySelectorAll('nav.uc-menu a')].map((a) => a.innerText.trim())`)
	if want := []string{"单位主页", "单位信息", "单位权益单", "单位办件", "单位快递", "经办人管理", "机构管理", "我的工作台", "账号设置"}; !slices.Equal(menu, want) {
		t.Errorf("menu %v, want %v", menu, want)
	}
	if got := p.Text(".uc-unit-name"); got != f.Home.Name {
		t.Errorf("header unit %q, want %q", got, f.Home.Name)
	}
	if got := p.Text(".uc-role"); got != "法定代表人" {
		t.Errorf("header role %q", got)
	}
	if band := p.Text(".uc-band"); !strings.Contains(band, f.Person.MaskedID()) || strings.Contains(band, f.Person.IDNumber) {
		t.Errorf("header band %q: want the masked ID %s only", band, f.Person.MaskedID())
	}
	p.WaitText("长期有效")

	// A section of another package (机构管理, unitinstitutions) opens inside the shell.
	p.ClickLink("机构管理")
	p.WaitURL("/unit/institutions")
	p.WaitText("本单位尚未开通机构账户")
	if got := p.Text(`nav.uc-menu a[aria-current="page"]`); got != "机构管理" {
		t.Errorf("current menu entry %q", got)
	}

	p.ClickLink("切换单位")
	p.WaitURL("/unit/choose")
	p.WaitText(f.Other.Name)
	p.WaitText("当前单位")
	enterBrowserEnter(p, f.Other.ID, "经办密码", "Uc-Admin-Pass-2")
	if got := p.Text(".uc-unit-name"); got != f.Other.Name {
		t.Errorf("header unit after the switch %q, want %q", got, f.Other.Name)
	}
	if got := p.Text(".uc-role"); got != "管理员" {
		t.Errorf("header role after the switch %q, want 管理员", got)
	}
	if got := p.Text(".uc-validity"); !strings.HasPrefix(got, "至 ") {
		t.Errorf("an admin's validity %q shows no end date", got)
	}

	// The site header has a 退出 of its own; this is the band's.
	p.ClickCSS(`.uc-band form[action="/logout"] button`)
	p.WaitURL(base + "/")
	p.Open(base + "/unit/")
	p.WaitURL("/login?tab=unit")
}

// TestBrowserUnitPhone: the center fits a phone (no sideways scrolling), menu included.
func TestBrowserUnitPhone(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 62)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t, browsertest.Mobile())
	webtest.BrowserUnitLogin(t, p, base, f.Home.UnitNumber, f.Person.IDNumber, webtest.Password)
	for _, path := range []string{"/unit/", "/unit/rights", "/unit/choose"} {
		p.Open(base + path)
		if over := browsertest.Eval[int](p, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
			t.Errorf("%s is %dpx wider than a 390px phone", path, over)
		}
	}
	p.Open(base + "/unit/")
	p.ClickLink("账号设置")
	p.WaitURL("/unit/account")
	p.WaitText("账户信息")
}
