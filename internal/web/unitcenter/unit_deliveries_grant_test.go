package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestUnitDeliveriesByGrant: a unit has a delivery of a 人员参保登记 case (SB-002)
// and one of a 单位参保信息变更登记 case (SB-009). An agent granted SB-002 only
// lists the first, reads its page, and is refused the second's (403 with the
// reason) and its case page does not offer it; the legal rep and the
// administrator list both and read both.
func TestUnitDeliveriesByGrant(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x5d9)
	rep := w.Person(t, "钱分授")
	u := w.Unit(t, "示范分授机械有限公司", rep)
	office := deliveryAddress(t, ts, u, rep, "吴收件", "北京东路9号")
	ctx := context.Background()
	review := newBackOffice(t, ts, "grant")
	repActor := cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}
	approve := func(id int64) {
		t.Helper()
		review.approve(t, id, "")
	}

	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	enrol, err := ts.Cases.Apply(ctx, repActor, cases.ItemEnrolment, url.Values{cases.FieldName: {"孙有为"},
		cases.FieldIDNumber:   {ident.GenerateResidentID(w.Generator, "320104", time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)},
		cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"},
		delivery.FieldMail: {"1"}, delivery.FieldMailAddress: {strconv.FormatInt(office.ID, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	approve(enrol.ID)
	// The application form of 单位参保信息变更登记 does not offer the post; its
	// request is recorded as the filing hook would, so that the unit has a
	// delivery of an item the agent is not granted.
	change, err := ts.Cases.Apply(ctx, repActor, cases.ItemUnitChange, url.Values{unit.FieldAddress: {"南京市玄武区中山路1号"},
		unit.FieldContactName: {"吴联络"}, unit.FieldContactPhone: {"13912345678"}})
	if err != nil {
		t.Fatal(err)
	}
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		return delivery.RecordRequest(ctx, tx, u.ID, change.ID, office, time.Now())
	})
	approve(change.ID)

	rc := webtest.NewClient(ts)
	webtest.SignIn(t, rc, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	hrefOf := func(caseID int64) string {
		t.Helper()
		link := rc.Page(t, "/unit/cases/"+strconv.FormatInt(caseID, 10), http.StatusOK).First(`a[href^="/unit/deliveries/"]`)
		if link == nil {
			t.Fatalf("case %d does not link to its delivery", caseID)
		}
		return link.AttrOr("href")
	}
	granted, ungranted := hrefOf(enrol.ID), hrefOf(change.ID)

	member := func(name string, role unit.Role, password string, items ...string) *webtest.Client {
		p := w.Person(t, name)
		m := w.Member(t, unit.Membership{UnitID: u.ID, PersonID: p.ID, Role: role, Status: unit.StatusActive}, password)
		for _, item := range items {
			w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
					m.ID, item, rep.ID, time.Now().UTC())
				return err
			})
		}
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, webtest.UnitSubject(p, u, role))
		return c
	}
	agent := member("冯经办", unit.RoleAgent, "Agt-Granted-Pass-7", cases.ItemEnrolment)
	admin := member("郑管理", unit.RoleAdmin, "Adm-Granted-Pass-7")

	listed := func(c *webtest.Client) []string {
		t.Helper()
		var out []string
		for _, a := range c.Page(t, "/unit/deliveries", http.StatusOK).All(`tbody tr a[href^="/unit/deliveries/"]`) {
			out = append(out, a.AttrOr("href"))
		}
		return out
	}
	if got := listed(agent); len(got) != 1 || got[0] != granted {
		t.Errorf("the agent lists %v, want only %s", got, granted)
	}
	if rec := agent.Get(t, granted); rec.Code != http.StatusOK {
		t.Errorf("the agent reads its granted item's delivery: %d", rec.Code)
	}
	rec := agent.Get(t, ungranted)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "该事项不在您的授权范围内") {
		t.Errorf("the agent reads another item's delivery: %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "北京东路9号") {
		t.Error("the refusal shows the delivery's address")
	}
	page := agent.Page(t, "/unit/cases/"+strconv.FormatInt(change.ID, 10), http.StatusOK)
	if page.First(`a[href="`+ungranted+`"]`) != nil || strings.Contains(page.TextContent(), "纸质结果邮寄") {
		t.Error("the case page of an ungranted item offers the agent its delivery")
	}
	for name, c := range map[string]*webtest.Client{"legal rep": rc, "admin": admin} {
		if got := listed(c); len(got) != 2 {
			t.Errorf("the %s lists %v, want both deliveries", name, got)
		}
		for _, href := range []string{granted, ungranted} {
			if rec := c.Get(t, href); rec.Code != http.StatusOK {
				t.Errorf("the %s reads %s: %d", name, href, rec.Code)
			}
		}
	}
}
