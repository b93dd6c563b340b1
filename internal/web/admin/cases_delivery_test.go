package admin

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/insurance"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestCasePaperResultInBackOffice: the case page tells staff where the unit asked
// the paper result be posted; approving it in the back office creates the delivery,
// handed to the development carrier, which the page then shows.
func TestCasePaperResultInBackOffice(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	ctx := context.Background()
	u, c := filedWithPost(t, ts, 0x5a7, "示范后台邮寄有限公司")
	clerk, reviewer, _ := tm.signIn(t, ts)
	path := "/admin/cases/" + strconv.FormatInt(c.ID, 10)
	txt := webtest.ParseHTML(t, clerk.Get(t, path).Body.String()).TextContent()
	if !strings.Contains(txt, "纸质结果邮寄") || !strings.Contains(txt, "珠江路3号") || !strings.Contains(txt, "137****5678") ||
		strings.Contains(txt, "13712345678") || !strings.Contains(txt, "审核通过后自动生成快递单") {
		t.Fatal("the case page does not say where the paper result goes, with the telephone masked")
	}
	webtest.WantRedirect(t, "accept", clerk.Post(t, path+"/accept", url.Values{"reason": {""}}), path)
	webtest.WantRedirect(t, "approve", reviewer.Post(t, path+"/approve", url.Values{"reason": {""}}), path)
	d, err := ts.Deliveries.CaseDelivery(ctx, u.ID, c.ID)
	if err != nil || d.Status != delivery.StatusPending || d.Carrier != delivery.DevCarrierName || d.TrackingNo == "" {
		t.Fatalf("delivery after approval: %+v, %v", d, err)
	}
	txt = webtest.ParseHTML(t, reviewer.Get(t, path).Body.String()).TextContent()
	if !strings.Contains(txt, d.TrackingNo) || !strings.Contains(txt, "待揽收") {
		t.Fatal("the case page does not show the delivery")
	}
}

// TestCaseApprovedWithUnreadableRequest: a delivery request whose values do not open
// (here its mobile copied into its recipient) does not stop the case: its page says
// the request cannot be read, the reviewer approves it, and no delivery is made.
func TestCaseApprovedWithUnreadableRequest(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	ctx := context.Background()
	u, c := filedWithPost(t, ts, 0x5a8, "示范不可读邮寄有限公司")
	if _, err := ts.DB.Exec(ctx, `UPDATE delivery_requests SET recipient = mobile WHERE case_id = ?`, c.ID); err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, _ := tm.signIn(t, ts)
	path := "/admin/cases/" + strconv.FormatInt(c.ID, 10)
	txt := webtest.ParseHTML(t, clerk.Get(t, path).Body.String()).TextContent()
	if !strings.Contains(txt, "收件信息无法读取") || strings.Contains(txt, "审核通过后自动生成快递单") {
		t.Fatal("the case page does not say the delivery request cannot be read")
	}
	webtest.WantRedirect(t, "accept", clerk.Post(t, path+"/accept", url.Values{"reason": {""}}), path)
	webtest.WantRedirect(t, "approve", reviewer.Post(t, path+"/approve", url.Values{"reason": {""}}), path)
	if got, _, err := ts.Cases.UnitCase(ctx, u.ID, c.ID); err != nil || got.State != cases.StateApproved {
		t.Fatalf("the case after approval: %v, %v; want %v", got.State, err, cases.StateApproved)
	}
	if _, err := ts.Deliveries.CaseDelivery(ctx, u.ID, c.ID); !errors.Is(err, delivery.ErrNotFound) {
		t.Fatalf("delivery after approval: %v, want %v", err, delivery.ErrNotFound)
	}
	txt = webtest.ParseHTML(t, reviewer.Get(t, path).Body.String()).TextContent()
	if !strings.Contains(txt, "收件信息无法读取") {
		t.Fatal("the approved case's page does not say the delivery request cannot be read")
	}
}

// filedWithPost files, for a new unit named unitName of a world seeded with seed, an
// enrolment whose form asks the paper result be posted to the unit's address (珠江路3号,
// 郑收件, 13712345678), recorded as the case is filed.
func filedWithPost(t *testing.T, ts *webtest.TestServer, seed uint64, unitName string) (unit.Unit, cases.Case) {
	t.Helper()
	w := webtest.NewWorld(ts, seed)
	rep := w.Person(t, "邮寄法人")
	u := w.Unit(t, unitName, rep)
	ctx := context.Background()
	a, err := ts.Addresses.Add(ctx, address.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep},
		address.Input{Recipient: "郑收件", Phone: "13712345678", Province: "32", City: "3201", County: "320102", Detail: "珠江路3号"})
	if err != nil {
		t.Fatal(err)
	}
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	c, err := ts.Cases.Apply(ctx, cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}, cases.ItemEnrolment,
		url.Values{cases.FieldName: {"后台职工"}, cases.FieldIDNumber: {w.IDNumber()}, cases.FieldStartMonth: {month},
			cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}, delivery.FieldMail: {"1"},
			delivery.FieldMailAddress: {strconv.FormatInt(a.ID, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	return u, c
}
