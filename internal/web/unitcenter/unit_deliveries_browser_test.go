package unitcenter

import (
	"context"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/staff"
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
	clerk := caseStaff(t, ts, "paperclerk", staff.RolesOf(staff.RoleClerk))
	reviewer := caseStaff(t, ts, "paperreview", staff.RolesOf(staff.RoleReviewer))
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
	queue, _, err := ts.Cases.Queue(ctx, clerk, cases.CaseFilter{State: cases.StateSubmitted})
	if err != nil || len(queue) != 1 {
		t.Fatalf("the clerk's queue: %v %v", queue, err)
	}
	if _, err := ts.Cases.Accept(ctx, clerk, queue[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Cases.Approve(ctx, reviewer, queue[0].ID, ""); err != nil {
		t.Fatal(err)
	}

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
	p.ClickLink(queue[0].Number)
	p.WaitURL(casePage)
	p.WaitText("已签收")
}
