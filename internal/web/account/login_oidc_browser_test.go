package account

import (
	"testing"

	"hall/internal/browsertest"
	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// devIdentityLabel is how the development provider's login page lists a person's
// role in a unit (oidc.DBDirectory).
func devIdentityLabel(u unit.Unit, role unit.Role, p person.Person) string {
	return u.Name + " · " + role.Label() + " " + ident.MaskName(p.Name) + "（" + ident.MaskID(p.IDNumber) + "）"
}

// L4 in a browser: from the login page's 其他登录方式 to the development provider
// (its own listener, as `hall serve` runs it), a demo identity chosen there, and
// back signed in — into the unit center for a unit login, the personal center for a
// personal one; the registry's legal representative's first login opens the unit's
// account (R5) and says so; a visitor sent to the login page from a page of the
// unit center returns to it. A person with no role in the unit is refused beside the login box.
func TestBrowserLoginOIDC(t *testing.T) {
	ts, base := webtest.Serve(t, withDevOIDC(t))
	w := webtest.NewWorld(ts, 321)
	u, rep := w.UnitWithRep(t, "南京晨曦网络科技有限公司", "许文博")
	b := browsertest.New(t)

	// asLegalRep opens path, goes to 其他登录方式 (path is the login page, or a page
	// that sends the visitor there) and signs in at the development provider as
	// the unit's legal rep.
	asLegalRep := func(p *browsertest.Page, path string) {
		p.Open(base + path)
		p.ClickLink("其他登录方式")
		p.ClickLink("示范省政务服务网（开发环境）登录")
		p.WaitText("开发环境")
		p.Check(devIdentityLabel(u, unit.RoleLegalRep, rep))
		p.Click("同意授权并登录")
	}

	t.Run("unit", func(t *testing.T) {
		p := b.NewPage(t)
		asLegalRep(p, "/login")
		p.WaitURL(base + "/unit/")
		p.WaitText("单位主页")
		p.WaitText(u.USCC)
	})

	t.Run("back to the page asked for", func(t *testing.T) {
		p := b.NewPage(t)
		asLegalRep(p, "/unit/items?only=1")
		p.WaitURL(base + "/unit/items?only=1")
		p.WaitText(u.Name)
	})

	t.Run("person", func(t *testing.T) {
		p := b.NewPage(t)
		p.Open(base + "/login?tab=person")
		p.ClickLink("其他登录方式")
		p.ClickLink("示范省政务服务网（开发环境）登录")
		p.Check("个人 " + ident.MaskName(rep.Name) + "（" + ident.MaskID(rep.IDNumber) + "）")
		p.Click("同意授权并登录")
		p.WaitURL(base + "/me")
		p.WaitText("个人中心")
	})

	t.Run("first login opens the unit's account", func(t *testing.T) {
		fx := w.Registered(t, "南京远帆物流有限公司", "蒋一鸣")
		fx.CreatePerson(t, ts, w.Mobile())
		p := b.NewPage(t)
		p.Open(base + "/login?tab=unit&method=other")
		p.ClickLink("电子营业执照（开发环境）登录")
		p.Check(fx.Entry.Name + "（未开户）· 法定代表人 " + ident.MaskName(fx.Entry.LegalRepName))
		p.Click("同意授权并登录")
		p.WaitText("单位网上办事账户已开通")
		opened, err := ts.Units.ByAccount(t.Context(), fx.Entry.USCC)
		if err != nil {
			t.Fatalf("the unit was not opened: %v", err)
		}
		if got := p.Text(".oidc-unit-number"); got != opened.UnitNumber {
			t.Errorf("unit number %q, want %q", got, opened.UnitNumber)
		}
		p.ClickLink("进入单位用户中心")
		p.WaitURL(base + "/unit/")
		p.WaitText(fx.Entry.USCC)
	})

	t.Run("no role in the unit", func(t *testing.T) {
		stranger := w.Person(t, "严子墨")
		p := b.NewPage(t, browsertest.AllowConsoleErrors("403 (Forbidden)"))
		p.Open(base + "/login?tab=unit&method=other")
		p.ClickLink("电子营业执照（开发环境）登录")
		p.Fill("证件号码", stranger.IDNumber)
		p.Fill("姓名", stranger.Name)
		p.Fill("统一社会信用代码（单位登录时填写）", u.USCC)
		p.Select("身份", "经办人")
		p.Click("同意授权并登录")
		p.WaitText(oidc.ErrNoRole.Msg)
		if got := p.Text(".acct-login-box [role=alert]"); got != oidc.ErrNoRole.Msg {
			t.Errorf("alert %q beside the login box, want %q", got, oidc.ErrNoRole.Msg)
		}
	})
}
