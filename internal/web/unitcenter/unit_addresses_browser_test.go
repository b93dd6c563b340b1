package unitcenter

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"hall/internal/address"
	"hall/internal/browsertest"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestBrowserUnitAddresses is U9 收件地址 driven by its labels: the legal rep opens
// 账号设置 → 收件地址, picks 江苏省 → 南京市 → 玄武区 (the script fills each select from
// the one above; without it 更新地区选项 does, TestUnitAddresses), saves the first address (the default), fills the unit up to 10 and is refused the
// 11th with the seed's hint beside the form, then makes another the default and
// deletes one.
func TestBrowserUnitAddresses(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 0x2b0)
	rep := w.Person(t, "钟明远")
	u := w.Unit(t, "示范收件精密机械有限公司", rep)

	b := browsertest.New(t)
	desk := b.NewPage(t, browsertest.AllowConsoleErrors("422 (Unprocessable Entity)"))
	webtest.BrowserUnitLogin(t, desk, base, u.USCC, rep.IDNumber, webtest.Password)
	desk.ClickLink("账号设置")
	desk.WaitURL("/unit/account")
	desk.ClickLink("收件地址")
	desk.WaitURL("/unit/account/addresses")
	desk.WaitText("最多10个，当前已设置 0 个，还可以增加 10 个")

	add := func(recipient, city, county, detail string) {
		t.Helper()
		desk.Fill("收件人", recipient)
		desk.Fill("联系电话", "025-83123456")
		desk.Select("城市", city)
		desk.Select("区县", county) // filled at once by address-region.js
		desk.Fill("详细地址", detail)
		desk.Click("保存")
	}
	add("王小明", "南京市", "玄武区", "中山路78号")
	desk.WaitText("收件地址已新增。")
	desk.WaitText("当前已设置 1 个，还可以增加 9 个")
	if first := desk.Text(".addr-item"); !strings.Contains(first, "默认") || !strings.Contains(first, "江苏省南京市玄武区") {
		t.Errorf("the first address is not the default: %q", first)
	}

	ctx := context.Background()
	who := address.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}
	for i := 2; i <= 9; i++ {
		if _, err := ts.Addresses.Add(ctx, who, address.Input{Recipient: "王小明", Phone: "13812345678", Province: "32",
			City: "3201", County: "320104", Detail: fmt.Sprintf("秦淮路%d号", i)}); err != nil {
			t.Fatal(err)
		}
	}
	desk.Reload()
	add("李四", "苏州市", "昆山市", "前进路8号")
	desk.WaitText("当前已设置 10 个，还可以增加 0 个")
	add("赵五", "无锡市", "江阴市", "人民路1号")
	desk.WaitText(address.MsgLimit)
	if got := desk.Text(".addr-form-panel"); !strings.Contains(got, "当前已设置 10 个，还可以增加 0 个") {
		t.Errorf("the refusal is not beside the hint: %q", got)
	}

	list, _ := ts.Addresses.List(ctx, u.ID)
	li, wang := list[9], list[0]
	if li.Recipient != "李四" || wang.Detail != "中山路78号" {
		t.Fatalf("the list is %+v", list)
	}
	desk.ClickCSS(fmt.Sprintf(`form[action="/unit/account/addresses/%d/default"] button`, li.ID))
	desk.WaitText("默认收件地址已更改。")
	if first := desk.Text(".addr-item"); !strings.Contains(first, "李四") || !strings.Contains(first, "江苏省苏州市昆山市") {
		t.Errorf("the new default is not listed first: %q", first)
	}
	desk.ClickCSS(fmt.Sprintf(`form[action="/unit/account/addresses/%d/delete"] button`, wang.ID))
	desk.WaitText("收件地址已删除。")
	desk.WaitText("当前已设置 9 个，还可以增加 1 个")
}
