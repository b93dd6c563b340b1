package unitcenter

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserPaperResultDelivery: the legal rep applies for 人员参保登记 asking for
// the paper result by post to the unit's default address; staff approve it; the
// case links to its delivery and 单位快递 lists it 待揽收 with 开发用快递. The
// development carrier's clock moves on, the poll job runs, and the page shows
// 已签收 with the course in its history.
func TestBrowserPaperResultDelivery(t *testing.T) {
	ts := webtest.NewTestServer(t)
	clk := deliveryClock(ts)
	f := webtest.NewTwoUnits(t, ts, 0x5d3)
	deliveryAddress(t, ts, f.Home, f.Person, "周收件", "中山路1号")
	base := ts.URL(t)
	review := newBackOffice(t, ts, "paper")
	w := webtest.NewWorld(ts, 0x5d4)
	employee := ident.GenerateResidentID(w.Generator, "320104", time.Date(1994, 3, 9, 0, 0, 0, 0, time.UTC), true)
	month := insurance.MonthOf(ts.Now().In(web.Shanghai)).String()

	b := browsertest.New(t)
	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemEnrolment)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemEnrolment + "/apply")
	p.Fill("职工姓名", "欧阳明远")
	p.Fill("公民身份号码", employee)
	p.Fill("参保年月", month)
	p.Fill("月缴费基数（元）", "6500")
	p.Check("企业基本养老保险")
	p.Check("邮寄纸质《参保登记证明》")
	p.Select("收件地址", "周收件 139****5678 江苏省南京市玄武区中山路1号（默认）")
	p.Screenshot("apply-with-post")
	p.Click("提交申请")
	p.WaitText("办结后将邮寄至")
	casePage := browsertest.Eval[string](p, `location.pathname`)

	ctx := context.Background()
	waiting := review.onlySubmitted(t)
	review.approve(t, waiting.ID, "")

	p.Open(base + casePage)
	p.WaitText("已办结")
	p.WaitText(delivery.DevCarrierName)
	p.ClickLink("单位快递")
	p.WaitURL("/unit/deliveries")
	p.WaitText("待揽收")
	if !p.HasText("周收件 139****5678") || !p.HasText("开发用快递”模拟") {
		t.Error("单位快递 lacks the recipient with a masked telephone or the development carrier's label")
	}
	p.Screenshot("list-pending")

	clk.Advance(4*ts.DevCarrier.Step + time.Second)
	if rep, err := ts.Deliveries.Poll(ctx); err != nil || rep.Events != 4 {
		t.Fatalf("poll: %+v, %v", rep, err)
	}
	p.Reload()
	p.WaitText("已签收")
	p.ClickLink("查看")
	p.WaitURL("/unit/deliveries/")
	p.WaitText("物流轨迹")
	for _, s := range []string{"已签收", "派送中", "运输中", "已揽收", "待揽收", "江苏省南京市玄武区中山路1号"} {
		if !p.HasText(s) {
			t.Errorf("the delivery page lacks %s", s)
		}
	}
	p.Screenshot("signed")
	p.ClickLink(waiting.Number)
	p.WaitURL(casePage)
	p.WaitText("已签收")
}

// TestBrowserDeliveryFilters: 单位快递's filters, driven by their labels. The unit
// has two deliveries: one the carrier took (待揽收) posted forty days ago, one it
// refused (异常) posted today. 快递状态 异常 lists only the refused one and keeps the
// choice; 重置 lists both; 寄件日期起 a week ago lists only today's, 寄件日期止 a
// month ago only the older one.
func TestBrowserDeliveryFilters(t *testing.T) {
	ts := webtest.NewTestServer(t)
	deliveryClock(ts)
	f := webtest.NewTwoUnits(t, ts, 0x5d6)
	home := deliveryAddress(t, ts, f.Home, f.Person, "周收件", "中山路1号")
	refusing := deliveryAddress(t, ts, f.Home, f.Person, "吴收件", "无法送达的中山路2号")
	review := newBackOffice(t, ts, "filter")
	w := webtest.NewWorld(ts, 0x5d7)
	month := insurance.MonthOf(ts.Now().In(web.Shanghai)).String()
	ctx := context.Background()
	approved := func(a int64) cases.Case {
		t.Helper()
		c, err := ts.Cases.Apply(ctx, cases.Actor{UnitID: f.Home.ID, PersonID: f.Person.ID, Role: unit.RoleLegalRep}, cases.ItemEnrolment,
			url.Values{cases.FieldName: {"筛选职工"}, cases.FieldIDNumber: {w.IDNumber()}, cases.FieldStartMonth: {month},
				cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}, delivery.FieldMail: {"1"},
				delivery.FieldMailAddress: {strconv.FormatInt(a, 10)}})
		if err != nil {
			t.Fatal(err)
		}
		review.approve(t, c.ID, "")
		return c
	}
	older, refused := approved(home.ID), approved(refusing.ID)
	if _, err := ts.DB.Exec(ctx, `UPDATE deliveries SET created_at = ? WHERE case_id = ?`,
		ts.Now().UTC().AddDate(0, 0, -40), older.ID); err != nil {
		t.Fatal(err)
	}
	today := ts.Now().In(web.Shanghai)

	b := browsertest.New(t)
	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, ts.URL(t), f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(ts.URL(t) + "/unit/deliveries")
	p.WaitText("共 2 件")
	only := func(shown, hidden cases.Case) {
		t.Helper()
		p.WaitText("共 1 件")
		if !p.HasText(shown.Number) || p.HasText(hidden.Number) {
			t.Errorf("the list shows %s: %v, %s: %v; want only the first", shown.Number, p.HasText(shown.Number),
				hidden.Number, p.HasText(hidden.Number))
		}
	}

	p.Select("快递状态", "异常")
	p.Click("查询")
	p.WaitURL("status=exception")
	only(refused, older)
	if got := browsertest.Eval[string](p, `document.getElementById('f-status').value`); got != "exception" {
		t.Errorf("the status filter shows %q after the query", got)
	}
	p.Screenshot("filter-status")

	p.ClickLink("重置")
	p.WaitText("共 2 件")
	p.Fill("寄件日期起", today.AddDate(0, 0, -7).Format("2006-01-02"))
	p.Click("查询")
	p.WaitURL("from=")
	only(refused, older)

	p.ClickLink("重置")
	p.WaitText("共 2 件")
	p.Fill("寄件日期止", today.AddDate(0, 0, -30).Format("2006-01-02"))
	p.Click("查询")
	p.WaitURL("to=")
	only(older, refused)
	p.Screenshot("filter-date")
}
