package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/cases"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestUnitChangeFlow: over HTTP, 单位参保信息变更登记's form starts with the unit's
// address and contact, never the phone in full, and leaves the registry's data
// out; a short address is refused beside the field; the approved change is the
// unit's basic information.
func TestUnitChangeFlow(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x3da, "钱立信", "示范变更机械有限公司")
	c := desk.Client
	if _, err := ts.DB.Exec(context.Background(), `UPDATE units SET address = '南京市秦淮区中华路100号', contact_name = '吴联络',
		contact_phone = '13912345678' WHERE id = ?`, desk.Unit.ID); err != nil {
		t.Fatal(err)
	}

	if item := c.Page(t, "/unit/items/"+cases.ItemUnitChange, http.StatusOK); item.First(`a[href="/unit/items/SB-009/apply"]`) == nil {
		t.Fatal("开始办理 of 单位参保信息变更登记 does not lead to the form")
	}
	doc := c.Page(t, "/unit/items/SB-009/apply", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/items/SB-009/apply", doc)
	if in := doc.First(`input[name="address"]`); in == nil || in.AttrOr("value") != "南京市秦淮区中华路100号" {
		t.Fatal("the form does not start with the unit's address")
	}
	if strings.Contains(c.Get(t, "/unit/items/SB-009/apply").Body.String(), "13912345678") ||
		!strings.Contains(doc.TextContent(), "139****5678") || doc.First(`input[name="name"]`) != nil {
		t.Fatal("the form shows the phone in full or offers the registry's data")
	}
	form := url.Values{unit.FieldAddress: {"中山路"}, unit.FieldContactName: {"吴联络"}, unit.FieldContactPhone: {""}}
	rec := c.Post(t, "/unit/items/SB-009/apply", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("short address: %d", rec.Code)
	}
	if e := webtest.ParseHTML(t, rec.Body.String()).First("#e-address"); e == nil || !strings.Contains(e.TextContent(), "过短") {
		t.Fatal("no message beside the address")
	}
	form.Set(unit.FieldAddress, "南京市玄武区中山路1号")
	rec = c.Post(t, "/unit/items/SB-009/apply", form)
	loc := appliedCase(t, rec)
	detail := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, detail)
	if txt := detail.TextContent(); !strings.Contains(txt, "单位地址（变更后）") || !strings.Contains(txt, "南京市玄武区中山路1号") {
		t.Fatal("the case page does not show the change")
	}
	approveOnly(t, ts, "change")
	if !strings.Contains(c.Page(t, "/unit/info", http.StatusOK).TextContent(), "南京市玄武区中山路1号") {
		t.Fatal("the approved address is not the unit's")
	}
}
