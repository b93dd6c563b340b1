package unitcenter

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// deliveryClock puts the development carrier of ts on a clock of its own, from now:
// the carrier's course advances with it while sessions keep the real time.
func deliveryClock(ts *webtest.TestServer) *webtest.Clock {
	clk := webtest.NewClock(time.Now())
	ts.DevCarrier.Now = clk.Now
	ts.DevCarrier.Step = time.Minute
	return clk
}

// deliveryAddress adds an address to u's list by its legal rep.
func deliveryAddress(t *testing.T, ts *webtest.TestServer, u unit.Unit, rep person.Person, recipient, detail string) address.Address {
	t.Helper()
	a, err := ts.Addresses.Add(context.Background(), address.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep},
		address.Input{Recipient: recipient, Phone: "13912345678", Province: "32", City: "3201", County: "320102", Detail: detail})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestUnitDeliveriesFlow: over HTTP, the application form offers to post the paper
// result to the unit's default address; a choice that is not the unit's address is
// refused beside the field; a case applied with another address is approved, and
// 单位快递 lists its delivery (开发用快递, masked telephone, link to the case) which
// the poll job moves to 已签收 with its history; another unit does not see it.
func TestUnitDeliveriesFlow(t *testing.T) {
	ts := webtest.NewTestServer(t)
	clk := deliveryClock(ts)
	desk := webtest.SignInLegalRep(t, ts, 0x5d1, "钱寄件", "示范快递机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	home := deliveryAddress(t, ts, u, rep, "周默认", "中山路1号")
	office := deliveryAddress(t, ts, u, rep, "吴收件", "北京东路9号")
	ctx := context.Background()
	review := newBackOffice(t, ts, "dlv")

	form := c.Page(t, "/unit/items/SB-002/apply", http.StatusOK)
	if form.First(`input[name="mail"][type="checkbox"]`) == nil {
		t.Fatal("the form offers no posting of the paper result")
	}
	if sel := form.First(`select[name="mail_address"] option[selected]`); sel == nil || sel.AttrOr("value") != strconv.FormatInt(home.ID, 10) {
		t.Fatal("the default address is not preselected")
	}

	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	v := url.Values{cases.FieldName: {"孙有为"}, cases.FieldIDNumber: {ident.GenerateResidentID(w.Generator, "320104",
		time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)}, cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"},
		cases.FieldTypes: {"pension"}, "mail": {"1"}, "mail_address": {"999999"}}
	v.Set(cases.FieldBase, "100")
	rec := c.Post(t, "/unit/items/SB-002/apply", v)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("another unit's or no address: %d", rec.Code)
	}
	refused := webtest.ParseHTML(t, rec.Body.String())
	if e := refused.First("#e-mail-address"); e == nil || !strings.Contains(e.TextContent(), "收件地址") {
		t.Fatal("no message beside the address")
	}
	if refused.First("#e-base") == nil {
		t.Fatal("the other fields' messages do not show with the address's")
	}
	if rows := c.Page(t, "/unit/cases", http.StatusOK).All("tbody tr"); len(rows) != 0 {
		t.Fatalf("a refused form applied: %d cases", len(rows))
	}
	v.Set(cases.FieldBase, "6000")
	v.Set("mail_address", strconv.FormatInt(office.ID, 10))
	rec = c.Post(t, "/unit/items/SB-002/apply", v)
	loc := appliedCase(t, rec)
	if txt := c.Page(t, loc, http.StatusOK).TextContent(); !strings.Contains(txt, "办结后将邮寄至") || !strings.Contains(txt, "北京东路9号") ||
		!strings.Contains(txt, "139****5678") || strings.Contains(txt, "13912345678") {
		t.Fatal("the case does not say where its result will be posted, with the telephone masked")
	}
	caseID, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/unit/cases/"), 10, 64)
	review.approve(t, caseID, "")

	detail := c.Page(t, loc, http.StatusOK)
	link := detail.First(`a[href^="/unit/deliveries/"]`)
	if link == nil || !strings.Contains(detail.TextContent(), delivery.DevCarrierName) {
		t.Fatal("the approved case does not link to its delivery")
	}
	list := c.Page(t, "/unit/deliveries", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/deliveries", list)
	rows := list.All("tbody tr")
	if len(rows) != 1 {
		t.Fatalf("单位快递 lists %d rows", len(rows))
	}
	row := rows[0].TextContent()
	for _, want := range []string{delivery.DevCarrierName, "吴收件", "139****5678", "待揽收", "KF"} {
		if !strings.Contains(row, want) {
			t.Errorf("the row lacks %q: %s", want, row)
		}
	}
	if strings.Contains(row, "13912345678") || rows[0].First(`a[href="`+loc+`"]`) == nil {
		t.Error("the row shows the telephone in full or does not link to its case")
	}
	if !strings.Contains(list.TextContent(), "开发用快递”模拟") {
		t.Error("the development carrier is not labelled as such")
	}

	// The address edited afterwards does not change where the result went.
	if _, err := ts.Addresses.Change(ctx, address.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}, office.ID,
		address.Input{Recipient: "吴收件", Phone: "13912345678", Province: "32", City: "3201", County: "320102", Detail: "汉中路2号"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4*time.Minute + time.Second)
	if rep, err := ts.Deliveries.Poll(ctx); err != nil || rep.Events != 4 {
		t.Fatalf("poll: %+v, %v", rep, err)
	}
	href := link.AttrOr("href")
	page := c.Page(t, href, http.StatusOK)
	webtest.CheckPage(t, ts, href, page)
	txt := page.TextContent()
	for _, want := range []string{"已签收", "派送中", "运输中", "已揽收", "待揽收", "北京东路9号"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the delivery page lacks %q", want)
		}
	}
	if strings.Contains(txt, "汉中路2号") {
		t.Error("the delivery follows the edited address")
	}
	if n := len(page.All(".case-timeline li")); n != 5 {
		t.Errorf("history of %d rows, want 5", n)
	}
	if rows := c.Page(t, "/unit/deliveries?status=signed", http.StatusOK).All("tbody tr"); len(rows) != 1 {
		t.Errorf("filter by 已签收: %d rows", len(rows))
	}
	if rows := c.Page(t, "/unit/deliveries?status=pending", http.StatusOK).All("tbody tr"); len(rows) != 0 {
		t.Errorf("filter by 待揽收: %d rows", len(rows))
	}
	bad := c.Page(t, "/unit/deliveries?from=yesterday", http.StatusOK)
	if !strings.Contains(bad.TextContent(), "已忽略该条件") || len(bad.All("tbody tr")) != 1 {
		t.Error("a bad date is not ignored with a note")
	}

	// Another unit's legal rep does not find it.
	otherRep := w.Person(t, "孙别家")
	other := w.Unit(t, "示范别家贸易有限公司", otherRep)
	oc := webtest.NewClient(ts)
	webtest.SignIn(t, oc, webtest.UnitSubject(otherRep, other, unit.RoleLegalRep))
	if rec := oc.Get(t, href); rec.Code != http.StatusNotFound {
		t.Errorf("another unit reads the delivery: %d", rec.Code)
	}
	if rows := oc.Page(t, "/unit/deliveries", http.StatusOK).All("tbody tr"); len(rows) != 0 {
		t.Errorf("another unit lists %d deliveries", len(rows))
	}
}

// TestApplyWithoutAddressOrPost: a unit without addresses is sent to 收件地址 and
// applies without posting; a case without the post gets no delivery.
func TestApplyWithoutAddressOrPost(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x5d2, "钱无址", "示范无址机械有限公司")
	w, c := desk.World, desk.Client
	form := c.Page(t, "/unit/items/SB-002/apply", http.StatusOK)
	if form.First(`input[name="mail"]`) != nil || form.First(`fieldset a[href="/unit/account/addresses"]`) == nil {
		t.Fatal("without addresses the form offers the post instead of 收件地址")
	}
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	v := url.Values{cases.FieldName: {"孙有为"}, cases.FieldIDNumber: {ident.GenerateResidentID(w.Generator, "320104",
		time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)}, cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"},
		cases.FieldTypes: {"pension"}}
	rec := c.Post(t, "/unit/items/SB-002/apply", v)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d", rec.Code)
	}
	if strings.Contains(c.Page(t, rec.Header().Get("Location"), http.StatusOK).TextContent(), "纸质结果邮寄") {
		t.Fatal("a case without the post speaks of posting")
	}
	if rows := c.Page(t, "/unit/deliveries", http.StatusOK).All("tbody tr"); len(rows) != 0 {
		t.Fatalf("%d deliveries", len(rows))
	}
}

// TestApplyAndPostCommitTogether: the choice of post is stored in the case's filing
// transaction. When storing it fails (here: its table is out of reach), the
// application fails with it: no case is left applied without its post.
func TestApplyAndPostCommitTogether(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x5d5, "钱同存", "示范同存机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	office := deliveryAddress(t, ts, u, rep, "吴收件", "北京东路9号")
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	v := url.Values{cases.FieldName: {"孙同存"}, cases.FieldIDNumber: {ident.GenerateResidentID(w.Generator, "320104",
		time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)}, cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"},
		cases.FieldTypes: {"pension"}, delivery.FieldMail: {"1"}, delivery.FieldMailAddress: {strconv.FormatInt(office.ID, 10)}}
	ctx := context.Background()
	if _, err := ts.DB.Exec(ctx, `ALTER TABLE delivery_requests RENAME TO delivery_requests_away`); err != nil {
		t.Fatal(err)
	}
	if rec := c.Post(t, "/unit/items/SB-002/apply", v); rec.Code != http.StatusInternalServerError {
		t.Fatalf("apply while the post cannot be stored: %d", rec.Code)
	}
	if rows := c.Page(t, "/unit/cases", http.StatusOK).All("tbody tr"); len(rows) != 0 {
		t.Fatalf("the case was applied without its post: %d cases", len(rows))
	}
	if _, err := ts.DB.Exec(ctx, `ALTER TABLE delivery_requests_away RENAME TO delivery_requests`); err != nil {
		t.Fatal(err)
	}
	rec := c.Post(t, "/unit/items/SB-002/apply", v)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d", rec.Code)
	}
	if txt := c.Page(t, rec.Header().Get("Location"), http.StatusOK).TextContent(); !strings.Contains(txt, "办结后将邮寄至") ||
		!strings.Contains(txt, "北京东路9号") {
		t.Fatal("the case does not say where its result will be posted")
	}
}

// appliedWithPost applies for 人员参保登记 of an employee named name through c, its
// paper result asked by post to the unit's address addressID, and returns the
// case's address and id.
func appliedWithPost(t *testing.T, c *webtest.Client, w *webtest.World, name string, addressID int64) (string, int64) {
	t.Helper()
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	v := url.Values{cases.FieldName: {name}, cases.FieldIDNumber: {ident.GenerateResidentID(w.Generator, "320104",
		time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)}, cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"},
		cases.FieldTypes: {"pension"}, "mail": {"1"}, "mail_address": {strconv.FormatInt(addressID, 10)}}
	loc := appliedCase(t, c.Post(t, "/unit/items/SB-002/apply", v))
	caseID, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/unit/cases/"), 10, 64)
	return loc, caseID
}

// TestUnitCaseWithUnreadableRequest: a case whose delivery request does not open
// (its mobile copied into its recipient) still shows, saying the recipient cannot be
// read, before and after it is approved — approved without a delivery.
func TestUnitCaseWithUnreadableRequest(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x5d4, "钱不读", "示范不可读机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	office := deliveryAddress(t, ts, u, rep, "吴收件", "北京东路9号")
	review := newBackOffice(t, ts, "dlvu")
	loc, caseID := appliedWithPost(t, c, w, "孙不读", office.ID)
	if _, err := ts.DB.Exec(context.Background(), `UPDATE delivery_requests SET recipient = mobile WHERE case_id = ?`, caseID); err != nil {
		t.Fatal(err)
	}
	if txt := c.Page(t, loc, http.StatusOK).TextContent(); !strings.Contains(txt, "收件信息无法读取") || strings.Contains(txt, "办结后将邮寄至") {
		t.Fatal("the case does not say its delivery request cannot be read")
	}
	review.approve(t, caseID, "")
	detail := c.Page(t, loc, http.StatusOK)
	if !strings.Contains(detail.TextContent(), "收件信息无法读取") || detail.First(`a[href^="/unit/deliveries/"]`) != nil {
		t.Fatal("the approved case does not say its request cannot be read, or links to a delivery")
	}
	if _, err := ts.Deliveries.CaseDelivery(context.Background(), u.ID, caseID); !errors.Is(err, delivery.ErrNotFound) {
		t.Fatalf("the delivery of the approved case: %v, want %v", err, delivery.ErrNotFound)
	}
}

// TestUnitDeliveryUnreadable: a delivery whose recipient does not open (its mobile
// copied into it here) is still listed on 单位快递, and its page and its case's
// page still show, each saying 收件信息无法读取 where the recipient was, instead of
// the unit losing every delivery page to 系统繁忙.
func TestUnitDeliveryUnreadable(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x5d7, "钱难寄", "示范难寄机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	office := deliveryAddress(t, ts, u, rep, "郑收件", "北京东路7号")
	review := newBackOffice(t, ts, "dlvx")
	loc, caseID := appliedWithPost(t, c, w, "孙难寄", office.ID)
	review.approve(t, caseID, "")
	dl, err := ts.Deliveries.CaseDelivery(context.Background(), u.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.DB.Exec(context.Background(), `UPDATE deliveries SET recipient = mobile WHERE id = ?`, dl.ID); err != nil {
		t.Fatal(err)
	}
	rows := c.Page(t, "/unit/deliveries", http.StatusOK).All("tbody tr")
	if len(rows) != 1 || !strings.Contains(rows[0].TextContent(), "收件信息无法读取") || strings.Contains(rows[0].TextContent(), "郑收件") {
		t.Fatalf("单位快递 with an unreadable delivery: %d rows", len(rows))
	}
	page := c.Page(t, "/unit/deliveries/"+strconv.FormatInt(dl.ID, 10), http.StatusOK).TextContent()
	if !strings.Contains(page, "无法读取") || !strings.Contains(page, "请联系经办窗口") {
		t.Errorf("the delivery's page does not say its recipient cannot be read: %s", page)
	}
	if detail := c.Page(t, loc, http.StatusOK); detail.First(`a[href="/unit/deliveries/`+strconv.FormatInt(dl.ID, 10)+`"]`) == nil {
		t.Error("the case's page does not link to its delivery")
	}
}
