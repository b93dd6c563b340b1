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

// TestUnitCasesFlow: over HTTP, the legal rep opens 人员参保登记 from its item page,
// is refused beside the fields, applies, sees the case in 单位办件; staff return it,
// the unit corrects and resubmits; staff approve and the employee is in the unit's
// insurance data; another case is withdrawn before acceptance.
func TestUnitCasesFlow(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x3c4, "钱立信", "示范办件机械有限公司")
	w, c := desk.World, desk.Client
	review := newBackOffice(t, ts, "case")

	item := c.Page(t, "/unit/items/"+cases.ItemEnrolment, http.StatusOK)
	if item.First(`a[href="/unit/items/SB-002/apply"]`) == nil {
		t.Fatal("开始办理 of 人员参保登记 does not lead to the form")
	}
	if other := c.Page(t, "/unit/items/SB-001", http.StatusOK); other.First(`a[href="/unit/items/SB-001/counter"]`) == nil {
		t.Fatal("an item without a form does not lead to 到窗口办理")
	}
	if rec := c.Get(t, "/unit/items/"+cases.ItemEnrolment+"/counter"); rec.Code != http.StatusNotFound {
		t.Fatalf("到窗口办理 of an item filed online: %d", rec.Code)
	}
	if rec := c.Get(t, "/unit/items/SB-001/apply"); rec.Code != http.StatusNotFound {
		t.Fatalf("form of an item without one: %d", rec.Code)
	}
	doc := c.Page(t, "/unit/items/SB-002/apply", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/items/SB-002/apply", doc)

	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	emp := ident.GenerateResidentID(w.Generator, "320104", time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)
	form := url.Values{cases.FieldName: {"孙有为"}, cases.FieldIDNumber: {emp}, cases.FieldStartMonth: {month},
		cases.FieldBase: {"100"}, cases.FieldTypes: {"pension", "injury"}}
	rec := c.Post(t, "/unit/items/SB-002/apply", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad base: %d", rec.Code)
	}
	bad := webtest.ParseHTML(t, rec.Body.String())
	if e := bad.First("#e-base"); e == nil || !strings.Contains(e.TextContent(), "月缴费基数应在") {
		t.Fatal("no message beside the base")
	}
	form.Set(cases.FieldBase, "6000")
	rec = c.Post(t, "/unit/items/SB-002/apply", form)
	loc := appliedCase(t, rec)
	detail := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, detail)
	if !strings.Contains(detail.TextContent(), "已申请") || detail.First(`form[action="`+loc+`/withdraw"]`) == nil {
		t.Fatal("the new case is not 已申请 with 撤销")
	}
	if txt := detail.TextContent(); strings.Contains(txt, emp) || !strings.Contains(txt, ident.MaskID(emp)) {
		t.Fatal("the case page does not mask the employee's ID number")
	}
	list := c.Page(t, "/unit/cases", http.StatusOK)
	if txt := list.TextContent(); !strings.Contains(txt, "用人单位用工参保登记") || !strings.Contains(txt, "已申请") {
		t.Fatal("单位办件 does not list the case")
	}
	id := review.onlySubmitted(t).ID
	review.sendBack(t, id, "请补充劳动合同起始日期")
	detail = c.Page(t, loc, http.StatusOK)
	if !strings.Contains(detail.TextContent(), "请补充劳动合同起始日期") || detail.First(`a[href="`+loc+`/resubmit"]`) == nil {
		t.Fatal("the returned case shows no reason or no way to resubmit")
	}
	fix := c.Page(t, loc+"/resubmit", http.StatusOK)
	if in := fix.First(`input[name="base"]`); in == nil || in.AttrOr("value") != "6000" {
		t.Fatal("the correction form is not filled with what was sent")
	}
	form.Set(cases.FieldBase, "7000")
	if rec = c.Post(t, loc+"/resubmit", form); rec.Code != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", rec.Code)
	}
	review.approve(t, id, "")
	if !strings.Contains(c.Page(t, loc, http.StatusOK).TextContent(), "已办结") {
		t.Fatal("the unit does not see 已办结")
	}
	if !strings.Contains(c.Page(t, "/unit/info?tab=changes", http.StatusOK).TextContent(), ident.MaskID(emp)) {
		t.Fatal("the enrolled employee is not in the unit's insurance tab")
	}

	// A second case is withdrawn before acceptance; the filter finds it by state.
	form.Set(cases.FieldIDNumber, ident.GenerateResidentID(w.Generator, "320104", time.Date(1997, 5, 6, 0, 0, 0, 0, time.UTC), false))
	rec = c.Post(t, "/unit/items/SB-002/apply", form)
	second := rec.Header().Get("Location")
	if rec = c.Post(t, second+"/withdraw", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", rec.Code)
	}
	if rec = c.Post(t, second+"/withdraw", url.Values{}); rec.Code != http.StatusConflict {
		t.Fatalf("withdraw twice: %d", rec.Code)
	}
	rows := c.Page(t, "/unit/cases?state=withdrawn", http.StatusOK).All("tbody tr")
	if len(rows) != 1 || !strings.Contains(rows[0].TextContent(), "已撤销") {
		t.Fatalf("filter by 已撤销: %d rows", len(rows))
	}
	if rows := c.Page(t, "/unit/cases?state=approved&from=2000-01-01", http.StatusOK).All("tbody tr"); len(rows) != 1 {
		t.Fatalf("filter by 已办结: %d rows", len(rows))
	}
}

// TestCaseQueryDateRange: 单位办件's dates as typed — a reversed range keeps 申报日期起
// and drops 申报日期止 with the message beside it, rather than listing nothing; a
// range of one day and an open end are ranges.
func TestCaseQueryDateRange(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", s, time.FixedZone("CST", 8*3600))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name, from, to     string
		keptFrom, keptTo   string
		wantFrom, wantTo   time.Time
		toError, dateError bool
	}{
		{name: "ordered", from: "2026-04-01", to: "2026-04-13", keptFrom: "2026-04-01", keptTo: "2026-04-13",
			wantFrom: day("2026-04-01"), wantTo: day("2026-04-14")},
		{name: "one day", from: "2026-04-13", to: "2026-04-13", keptFrom: "2026-04-13", keptTo: "2026-04-13",
			wantFrom: day("2026-04-13"), wantTo: day("2026-04-14")},
		{name: "reversed", from: "2026-04-13", to: "2026-04-01", keptFrom: "2026-04-13", wantFrom: day("2026-04-13"), toError: true},
		{name: "reversed by a day", from: "2026-04-13", to: "2026-04-12", keptFrom: "2026-04-13", wantFrom: day("2026-04-13"), toError: true},
		{name: "reversed across years", from: "2027-01-01", to: "2026-12-31", keptFrom: "2027-01-01", wantFrom: day("2027-01-01"), toError: true},
		{name: "only from", from: "2026-04-13", keptFrom: "2026-04-13", wantFrom: day("2026-04-13")},
		{name: "only to", to: "2026-04-13", keptTo: "2026-04-13", wantTo: day("2026-04-14")},
		{name: "to unreadable", from: "2026-04-13", to: "2026-4-1", keptFrom: "2026-04-13", wantFrom: day("2026-04-13"), dateError: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, f := caseQuery(url.Values{"from": {tc.from}, "to": {tc.to}}, nil)
			if d.From != tc.keptFrom || d.To != tc.keptTo || !f.From.Equal(tc.wantFrom) || !f.To.Equal(tc.wantTo) {
				t.Errorf("kept %q..%q, filter %v..%v; want %q..%q, %v..%v", d.From, d.To, f.From, f.To,
					tc.keptFrom, tc.keptTo, tc.wantFrom, tc.wantTo)
			}
			if (d.ToError != "") != tc.toError || (tc.toError && d.ToError != msgCaseDateRange) {
				t.Errorf("ToError %q", d.ToError)
			}
			if (d.FilterNote != "") != tc.dateError {
				t.Errorf("FilterNote %q", d.FilterNote)
			}
		})
	}
}

// TestUnitCasesReversedRange: the page shows the reversed range's message beside
// 申报日期止 and lists the cases from 申报日期起.
func TestUnitCasesReversedRange(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c := webtest.SignInLegalRep(t, ts, 0x3c5, "钱立范", "示范日期机械有限公司").Client
	doc := c.Page(t, "/unit/cases?from=2026-04-13&to=2026-04-01", http.StatusOK)
	to := doc.Must(t, "#f-to")
	if to.AttrOr("aria-invalid") != "true" || to.AttrOr("aria-describedby") != "e-to" {
		t.Error("申报日期止 is not marked invalid")
	}
	if got := doc.Must(t, "#e-to").TextContent(); got != msgCaseDateRange {
		t.Errorf("beside 申报日期止: %q", got)
	}
	if got := doc.Must(t, "#f-from").AttrOr("value"); got != "2026-04-13" {
		t.Errorf("申报日期起 kept as %q", got)
	}
}

// TestCaseQueryChannel: 办理渠道 filters by 网上申报 or 窗口办理, is kept in the paging
// address, and anything else is no condition.
func TestCaseQueryChannel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cases.Channel
	}{{"online", cases.ChannelOnline}, {"counter", cases.ChannelCounter}, {"", ""}, {"both", ""}, {"fax", ""}} {
		t.Run(tc.in, func(t *testing.T) {
			d, f := caseQuery(url.Values{"channel": {tc.in}}, nil)
			if f.Channel != tc.want || d.Channel != string(tc.want) {
				t.Fatalf("filter %q, kept %q; want %q", f.Channel, d.Channel, tc.want)
			}
			if got := strings.Contains(d.pageURL(2), "channel="+tc.in); got != (tc.want != "") {
				t.Fatalf("paging address %s", d.pageURL(2))
			}
		})
	}
}
