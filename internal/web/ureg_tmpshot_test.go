package web

import (
	"testing"

	"hall/internal/browsertest"
)

func TestUregTmpShots(t *testing.T) {
	ts, base := uregServe(t)
	fx := uregSeed(t, ts, "南京沐泽信息技术有限公司", "周晓明")
	b := browsertest.New(t)
	p := b.NewPage(t)
	p.Open(base + "/register/unit")
	p.Fill("统一社会信用代码", "91320106ABC")
	p.Fill("法定代表人证件号码", fx.Entry.LegalRepIDNumber)
	p.Click("下一步")
	p.WaitText("请输入单位全称")
	p.Screenshot("tmp-errors")
	c := uregNewClient(ts)
	_ = c
	p.Fill("统一社会信用代码", fx.Entry.USCC)
	p.Fill("单位全称", fx.Entry.Name)
	p.Fill("法定代表人证件号码", fx.Entry.LegalRepIDNumber)
	p.Fill("法定代表人姓名", fx.Entry.LegalRepName)
	p.Check("我已阅读并同意《法人用户注册协议》")
	p.Click("下一步")
	p.WaitText("请使用掌上APP扫一扫进行实人认证")
	p.Click("我已完成认证")
	p.WaitText("尚未完成认证")
	p.Screenshot("tmp-pending")
	sid := p.Attr("[data-verify-wait]", "data-verify-wait")[8:51]
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, uregPerson(fx), true); err != nil {
		t.Fatal(err)
	}
	p.WaitText("填写账户信息")
	p.Fill("移动电话", "13")
	p.Click("完成注册")
	p.WaitText("请输入正确")
	p.Screenshot("tmp-account-errors")
	p.Fill("移动电话", uregMobile())
	p.Click("获取验证码")
	p.WaitText("验证码已发送至")
	p.Screenshot("tmp-sent")
}
