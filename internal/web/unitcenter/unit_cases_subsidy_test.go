package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/cases"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// payUnemployment writes a year of the unit's unemployment-insurance payments
// for people persons, 80 yuan of the unit's part each a month.
func payUnemployment(t *testing.T, ts *webtest.TestServer, uscc string, year, people int) {
	t.Helper()
	if err := ts.DB.Tx(context.Background(), func(tx *store.Tx) error {
		for m := 1; m <= 12; m++ {
			for p := 0; p < people; p++ {
				if _, err := tx.Exec(context.Background(), `INSERT INTO insurance_payments (uscc, month, insurance_type, id_number,
					base, unit_amount, personal_amount) VALUES (?, ?, 'unemployment', ?, 800000, 8000, 4000)`,
					uscc, year*100+m, "P"+strconv.Itoa(p)); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestUnitSubsidyFlow: over HTTP, 稳岗返还's form shows the computation from the
// unit's data of last year before it is sent (the conditions met and the amount);
// a bad account is refused beside the field; the application is approved and the
// case shows the amount granted. A unit without the data sees the conditions not
// met and is refused with the reason.
func TestUnitSubsidyFlow(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x3d9, "钱立信", "示范稳岗机械有限公司")
	w, c := desk.World, desk.Client
	year := ts.Now().In(web.Shanghai).Year() - 1
	payUnemployment(t, ts, desk.Unit.USCC, year, 5) // 60 payments of 80 yuan: 4800 yuan, 60% is 2880

	if item := c.Page(t, "/unit/items/"+cases.ItemSubsidy, http.StatusOK); item.First(`a[href="/unit/items/JY-001/apply"]`) == nil {
		t.Fatal("开始办理 of 稳岗返还 does not lead to the form")
	}
	doc := c.Page(t, "/unit/items/JY-001/apply", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/items/JY-001/apply", doc)
	txt := doc.TextContent()
	if !strings.Contains(txt, "4800.00 元") || !strings.Contains(txt, "2880.00 元") || strings.Contains(txt, "不符合") {
		t.Fatalf("the form does not show the computation: %s", txt)
	}
	form := url.Values{cases.FieldYear: {strconv.Itoa(year)}, cases.FieldBank: {"中国建设银行南京城南支行"}, cases.FieldAccount: {"3200 15x"}}
	rec := c.PostFiles(t, "/unit/items/JY-001/apply", form,
		webtest.FormFile{Field: "file_pledge", Name: "承诺书.png", Body: webtest.ScanPNG(t)})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad account: %d", rec.Code)
	}
	back := webtest.ParseHTML(t, rec.Body.String())
	if e := back.First("#e-account"); e == nil || !strings.Contains(e.TextContent(), "只能包含数字") {
		t.Fatal("no message beside the account")
	}
	// The pledge sent with the refused form stays attached: the form carries its
	// reference, and sending the form again without the file files it.
	ref := back.First(`input[type="hidden"][name="material_pledge"]`)
	if ref == nil || ref.AttrOr("value") == "" || !strings.Contains(back.TextContent(), "已上传：承诺书.png（PNG") {
		t.Fatal("the refused form lost the uploaded pledge")
	}
	form.Set("material_pledge", ref.AttrOr("value"))
	form.Set(cases.FieldAccount, "3200 1501 2345 6789 0123")
	rec = c.PostFiles(t, "/unit/items/JY-001/apply", form)
	loc := appliedCase(t, rec)
	detail := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, detail)
	if txt := detail.TextContent(); !strings.Contains(txt, "2880.00 元") || !strings.Contains(txt, "3200************0123") {
		t.Fatal("the case page does not show the computation and the masked account")
	}
	approveOnly(t, ts, "subsidy")
	if txt := c.Page(t, loc, http.StatusOK).TextContent(); !strings.Contains(txt, "已办结") || !strings.Contains(txt, "核定返还金额") {
		t.Fatal("the unit does not see the amount granted")
	}

	// A unit without last year's payments.
	rep2 := w.Person(t, "韩东篱")
	u2 := w.Unit(t, "示范新设商贸有限公司", rep2)
	c2 := webtest.NewClient(ts)
	webtest.SignIn(t, c2, webtest.UnitSubject(rep2, u2, unit.RoleLegalRep))
	if txt := c2.Page(t, "/unit/items/JY-001/apply", http.StatusOK).TextContent(); !strings.Contains(txt, "不符合申领条件") {
		t.Fatal("the form does not say the unit is not eligible")
	}
	form.Del("material_pledge") // the first unit's reference is not the second's
	rec = c2.PostFiles(t, "/unit/items/JY-001/apply", form,
		webtest.FormFile{Field: "file_pledge", Name: "承诺书.png", Body: webtest.ScanPNG(t)})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("ineligible: %d", rec.Code)
	}
	if e := webtest.ParseHTML(t, rec.Body.String()).First("#e-year"); e == nil || !strings.Contains(e.TextContent(), "缴费0个月") {
		t.Fatal("the refusal does not say why beside the year")
	}
}
