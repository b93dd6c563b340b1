package unitcenter

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// addressFx is a unit whose legal rep is signed in.
type addressFx struct {
	ts  *webtest.TestServer
	w   *webtest.World
	u   unit.Unit
	rep int64
	c   *webtest.Client
}

func addressBuild(t *testing.T) *addressFx {
	t.Helper()
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x2a0, "钟明远", "示范收件精密机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	return &addressFx{ts: ts, w: w, u: u, rep: rep.ID, c: c}
}

func addressValues(recipient, phone, city, county, detail string) url.Values {
	return url.Values{address.FieldRecipient: {recipient}, address.FieldPhone: {phone}, address.FieldProvince: {"32"},
		address.FieldCity: {city}, address.FieldCounty: {county}, address.FieldDetail: {detail}, "action": {"save"}}
}

func TestUnitAddresses(t *testing.T) {
	fx := addressBuild(t)
	ctx := context.Background()
	doc := fx.c.Page(t, addressesPath, http.StatusOK)
	webtest.CheckPage(t, fx.ts, addressesPath, doc)
	if !strings.Contains(doc.TextContent(), "最多10个，当前已设置 0 个，还可以增加 10 个") {
		t.Error("the page lacks the seed's hint")
	}
	if acc := fx.c.Page(t, "/unit/account", http.StatusOK); acc.First(`a[href="/unit/account/addresses"]`) == nil {
		t.Error("账户信息 has no tab to 收件地址")
	}

	// 更新地区选项: the next select is filled, nothing is stored.
	pick := addressValues("", "", "3201", "", "")
	pick.Set("action", addressActionRegion)
	rec := fx.c.Post(t, addressesPath, pick)
	if rec.Code != http.StatusOK {
		t.Fatalf("更新地区选项: %d", rec.Code)
	}
	picked := webtest.ParseHTML(t, rec.Body.String())
	if picked.First(`select[name="county"] option[value="320102"]`) == nil || picked.First(".field-error") != nil {
		t.Fatal("更新地区选项 does not list 南京市's counties, or shows errors")
	}

	// Refused: each message beside its field; a county of another city asks again.
	rec = fx.c.Post(t, addressesPath, addressValues("王", "110", "3201", "320281", ""))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", rec.Code)
	}
	bad := webtest.ParseHTML(t, rec.Body.String())
	for field, msg := range map[string]string{address.FieldRecipient: "收件人至少2个字", address.FieldPhone: "联系电话格式不正确",
		address.FieldCounty: "请选择区县", address.FieldDetail: "请填写详细地址"} {
		if e := bad.First("#e-" + field); e == nil || !strings.Contains(e.TextContent(), msg) {
			t.Errorf("no %q beside %s", msg, field)
		}
	}

	// Ten addresses; the first is the default; the 11th is refused with the hint.
	for i := range address.MaxPerUnit {
		rec := fx.c.Post(t, addressesPath, addressValues("王小明", "13812345678", "3201", "320102", fmt.Sprintf("中山路%d号", i+1)))
		if loc := webtest.Redirected(t, rec); loc != addressesPath+"?notice=added" {
			t.Fatalf("address %d → %q", i+1, loc)
		}
	}
	rec = fx.c.Post(t, addressesPath, addressValues("王小明", "13812345678", "3201", "320102", "中山路11号"))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("the 11th: %d", rec.Code)
	}
	full := webtest.ParseHTML(t, rec.Body.String())
	text := full.Must(t, ".addr-form-panel").TextContent()
	if !strings.Contains(text, address.MsgLimit) || !strings.Contains(text, "当前已设置 10 个，还可以增加 0 个") {
		t.Errorf("the 11th is not refused with the hint beside the form:\n%s", text)
	}
	list, err := fx.ts.Addresses.List(ctx, fx.u.ID)
	if err != nil || len(list) != 10 || !list[0].Default || list[0].Detail != "中山路1号" {
		t.Fatalf("stored %d addresses (%v), the first default: %+v", len(list), err, list[0])
	}

	// 修改: the phone only masked; left empty it keeps the number.
	target := list[3]
	edit := fx.c.Page(t, addressPath(target.ID, "/edit"), http.StatusOK)
	if strings.Contains(fx.c.Get(t, addressPath(target.ID, "/edit")).Body.String(), "13812345678") {
		t.Error("the form shows the phone in full")
	}
	if edit.Must(t, `select[name="county"] option[selected]`).AttrOr("value") != "320102" {
		t.Error("the form does not show the stored county")
	}
	webtest.Redirected(t, fx.c.Post(t, addressPath(target.ID, "/edit"), addressValues("李四", "", "3205", "320583", "前进路8号")))
	changed, _ := fx.ts.Addresses.Get(ctx, fx.u.ID, target.ID)
	if changed.Recipient != "李四" || changed.Region != "320583" || changed.Phone != "13812345678" {
		t.Fatalf("changed to %+v", changed)
	}

	// 设为默认, then 删除 the default: the oldest remaining becomes the default.
	webtest.Redirected(t, fx.c.Post(t, addressPath(target.ID, "/default"), url.Values{}))
	page := fx.c.Page(t, addressesPath+"?notice=default", http.StatusOK)
	if first := page.Must(t, ".addr-item").TextContent(); !strings.Contains(first, "默认") || !strings.Contains(first, "江苏省苏州市昆山市") {
		t.Errorf("the default is not listed first: %s", first)
	}
	webtest.Redirected(t, fx.c.Post(t, addressPath(target.ID, "/delete"), url.Values{}))
	if d, _ := fx.ts.Addresses.Default(ctx, fx.u.ID); d.ID != list[0].ID {
		t.Errorf("after deleting the default, the default is %d, want %d", d.ID, list[0].ID)
	}
	if rec := fx.c.Post(t, addressPath(target.ID, "/delete"), url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("deleting it again: %d", rec.Code)
	}

	es, _, err := fx.ts.Audit.List(ctx, audit.Filter{UnitID: fx.u.ID, Action: "unit.address."})
	if err != nil || len(es) != 13 {
		t.Fatalf("%d audit entries (%v), want 10 adds, a change, a default and a delete", len(es), err)
	}

	// Another unit's address is not found.
	other := fx.w.Unit(t, "示范另一单位有限公司", fx.w.Person(t, "韩立"))
	theirs, err := fx.ts.Addresses.Add(ctx, address.Actor{UnitID: other.ID}, address.Input{Recipient: "韩立", Phone: "13900001111",
		Province: "32", City: "3201", County: "320104", Detail: "秦淮路1号"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/edit", "/default", "/delete"} {
		if rec := fx.c.Post(t, addressPath(theirs.ID, p), addressValues("王小明", "13812345678", "3201", "320102", "x路1号")); rec.Code != http.StatusNotFound {
			t.Errorf("POST %s of another unit's address: %d", p, rec.Code)
		}
	}
}

// TestUnitAddressesAgents: an agent without the grant of address.ItemCode sees the
// addresses, no form and why not, and is refused a change; one with it adds.
func TestUnitAddressesAgents(t *testing.T) {
	fx := addressBuild(t)
	agent := func(name string, items ...string) *webtest.Client {
		p := fx.w.Person(t, name)
		m := fx.w.Member(t, unit.Membership{UnitID: fx.u.ID, PersonID: p.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, "Agent-Pass-2026")
		if _, err := fx.ts.DB.Exec(context.Background(), "DELETE FROM grants WHERE membership_id = ?", m.ID); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if _, err := fx.ts.DB.Exec(context.Background(), "INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)",
				m.ID, it, fx.rep, store.Time(time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		c := webtest.NewClient(fx.ts)
		webtest.SignIn(t, c, webtest.UnitSubject(p, fx.u, unit.RoleAgent))
		return c
	}
	webtest.Redirected(t, fx.c.Post(t, addressesPath, addressValues("王小明", "13812345678", "3201", "320102", "中山路1号")))

	out := agent("蔺北辰", "SB-001")
	doc := out.Page(t, addressesPath, http.StatusOK)
	if doc.First("form.addr-form") != nil || doc.First(".addr-actions") != nil || !strings.Contains(doc.TextContent(), "单位参保信息变更登记") {
		t.Error("an agent without the grant is offered changes, or not told why not")
	}
	if !strings.Contains(doc.TextContent(), "中山路1号") {
		t.Error("an agent without the grant does not see the addresses")
	}
	if rec := out.Post(t, addressesPath, addressValues("蔺北辰", "13900005678", "3201", "320102", "中山路2号")); rec.Code != http.StatusForbidden {
		t.Fatalf("an add by an agent without the grant: %d", rec.Code)
	}
	in := agent("闻一舟", address.ItemCode)
	webtest.Redirected(t, in.Post(t, addressesPath, addressValues("闻一舟", "13900005678", "3201", "320102", "中山路2号")))
	if list, _ := fx.ts.Addresses.List(context.Background(), fx.u.ID); len(list) != 2 {
		t.Fatalf("%d addresses, want 2", len(list))
	}
}
