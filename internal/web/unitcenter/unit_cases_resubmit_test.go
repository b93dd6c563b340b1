package unitcenter

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/web/webtest"
)

// TestResubmitFormNeedsTheItem: the correction form of a returned case gives back
// what was typed, the full ID number included, so only someone who may handle the
// case's item opens it. An agent granted another item sees the case in 单位办件
// (masked) but is refused the form with the delegation's 403 page, and the ID
// number is nowhere in the answer; an agent granted the item opens it.
func TestResubmitFormNeedsTheItem(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x5e1, "柳成荫", "示范补正机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	review := newBackOffice(t, ts, "fix")

	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	emp := ident.GenerateResidentID(w.Generator, "320104", time.Date(1994, 3, 8, 0, 0, 0, 0, time.UTC), false)
	rec := c.Post(t, "/unit/items/SB-002/apply", url.Values{cases.FieldName: {"江映雪"}, cases.FieldIDNumber: {emp},
		cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}})
	loc := appliedCase(t, rec)
	id := review.onlySubmitted(t).ID
	review.sendBack(t, id, "请核对参保年月")

	agent := func(name, item, password string) *webtest.Client {
		return grantedAgent(t, ts, w, u, rep.ID, name, item, password)
	}
	other := agent("郑他项", "JY-001", "Agt-Other-Pass-1")
	if rec := other.Get(t, loc); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), emp) {
		t.Fatalf("the case page for an agent of another item: %d (full ID shown: %v)", rec.Code,
			strings.Contains(rec.Body.String(), emp))
	}
	rec = other.Get(t, loc+"/resubmit")
	if rec.Code != http.StatusForbidden {
		t.Fatalf("the correction form for an agent of another item: %d, want 403", rec.Code)
	}
	if strings.Contains(rec.Body.String(), emp) {
		t.Fatal("the refusal carries the employee's full ID number")
	}
	granted := agent("冯本项", cases.ItemEnrolment, "Agt-Granted-Pass-1")
	fix := granted.Page(t, loc+"/resubmit", http.StatusOK)
	if in := fix.First(`input[name="id_number"]`); in == nil || in.AttrOr("value") != emp {
		t.Fatal("an agent granted the item does not get the correction form refilled")
	}
}
