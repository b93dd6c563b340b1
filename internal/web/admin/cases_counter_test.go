package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// counterItem is a unit item without an online form (一次性扩岗补助).
const counterItem = "JY-002"

// TestCounterCaseForm: over HTTP, a clerk reaches 窗口录入办件 from the queue page,
// is refused beside each field (an empty form, an unknown USCC), a cross-site post
// is refused, then enters the case: the page shows its number and links to it. A
// reviewer may not use the form; the clerk may not approve the case; another
// reviewer does, and the unit sees it as 窗口办理, 已办结, in 单位办件.
func TestCounterCaseForm(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 0x5c7)
	rep := w.Person(t, "窗口法人")
	u := w.Unit(t, "示范窗口办件有限公司", rep)
	clerk, reviewer, auditor := tm.signIn(t, ts)

	queue := webtest.ParseHTML(t, clerk.Get(t, "/admin/cases/").Body.String())
	if link := queue.First(`a[href="/admin/cases/counter"]`); link == nil || link.TextContent() != "窗口录入办件" {
		t.Fatal("the queue page does not link 窗口录入办件")
	}
	if queue := webtest.ParseHTML(t, reviewer.Get(t, "/admin/cases/").Body.String()); queue.First(`a[href="/admin/cases/counter"]`) != nil {
		t.Fatal("a reviewer is offered 窗口录入办件")
	}
	for name, c := range map[string]*staffClient{"reviewer": reviewer, "auditor": auditor} {
		if rec := c.Get(t, "/admin/cases/counter"); rec.Code != http.StatusForbidden {
			t.Fatalf("%s opens the form: %d", name, rec.Code)
		}
		if rec := c.Post(t, "/admin/cases/counter", url.Values{"uscc": {u.USCC}, "item": {counterItem},
			"applicant": {"孙窗口"}, "reason": {"材料齐全"}}); rec.Code != http.StatusForbidden {
			t.Fatalf("%s enters a case: %d", name, rec.Code)
		}
	}
	form := webtest.ParseHTML(t, clerk.Get(t, "/admin/cases/counter").Body.String())
	if form.First(`select[name=item] option[value="`+counterItem+`"]`) == nil ||
		form.First(`select[name=item] option[value="`+cases.ItemEnrolment+`"]`) != nil {
		t.Fatal("the item list is not the items without an online form")
	}

	nonce := form.Must(t, `form[action="/admin/cases/counter"] input[type=hidden][name=nonce]`).AttrOr("value")
	rec := clerk.Post(t, "/admin/cases/counter", url.Values{"uscc": {""}, "item": {""}, "applicant": {""}, "reason": {""}})
	doc := webtest.ParseHTML(t, rec.Body.String())
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("empty form: %d", rec.Code)
	}
	for _, field := range []string{"uscc", "item", "applicant", "reason"} {
		if e := doc.First("#e-" + field); e == nil || e.TextContent() == "" {
			t.Fatalf("no message beside %s", field)
		}
	}
	unknown := ident.GenerateUSCC(w.Generator, "320102")
	rec = clerk.Post(t, "/admin/cases/counter", url.Values{"uscc": {unknown}, "item": {counterItem},
		"applicant": {"孙窗口"}, "reason": {"材料齐全"}, "nonce": {nonce}})
	doc = webtest.ParseHTML(t, rec.Body.String())
	if e := doc.First("#e-uscc"); rec.Code != http.StatusUnprocessableEntity || e == nil || !strings.Contains(e.TextContent(), "未找到") ||
		doc.First("#e-item") != nil {
		t.Fatalf("unknown USCC: %d", rec.Code)
	}
	valid := url.Values{"uscc": {u.USCC}, "item": {counterItem}, "applicant": {"孙窗口"}, "reason": {"材料现场核验齐全"},
		"nonce": {nonce}}
	cross := clerk.Do(t, http.MethodPost, "/admin/cases/counter", valid,
		http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
	if cross.Code != http.StatusForbidden {
		t.Fatalf("a cross-site entry: %d", cross.Code)
	}
	ctx := context.Background()
	var n int
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d cases before the entry: %v", n, err)
	}

	rec = clerk.Post(t, "/admin/cases/counter", valid)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("entry: %d", rec.Code)
	}
	list, _, err := ts.Cases.UnitCases(ctx, u.ID, cases.CaseFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("the unit's cases: %d, %v", len(list), err)
	}
	c := list[0]
	webtest.WantRedirect(t, "entry", rec, "/admin/cases/counter?entered="+strconv.FormatInt(c.ID, 10))
	path := "/admin/cases/" + strconv.FormatInt(c.ID, 10)
	done := webtest.ParseHTML(t, clerk.Get(t, rec.Header().Get("Location")).Body.String())
	if link := done.First(`[role=status] a[href="` + path + `"]`); link == nil || link.TextContent() != c.Number {
		t.Fatal("the page does not show the new case's number linking to it")
	}
	// The same form posted again (a double click, a reload) enters nothing and
	// shows the case it entered.
	rec = clerk.Post(t, "/admin/cases/counter", valid)
	webtest.WantRedirect(t, "the form posted again", rec, "/admin/cases/counter?again=1&entered="+strconv.FormatInt(c.ID, 10))
	againPage := webtest.ParseHTML(t, clerk.Get(t, rec.Header().Get("Location")).Body.String())
	if msg := againPage.First(`[data-counter-again]`); msg == nil || !strings.Contains(msg.TextContent(), "未重复录入") ||
		msg.First(`a[href="`+path+`"]`) == nil {
		t.Fatal("the page does not say the form was entered already, with the case")
	}
	if again := againPage.Must(t, `input[type=hidden][name=nonce]`).AttrOr("value"); again == nonce || again == "" {
		t.Fatalf("the next form's nonce %q", again)
	}
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d cases after the form posted twice: %v", n, err)
	}
	// A post without the form's nonce enters nothing and says so above the fields.
	stale := url.Values{"uscc": {u.USCC}, "item": {counterItem}, "applicant": {"孙窗口"}, "reason": {"材料现场核验齐全"}}
	rec = clerk.Post(t, "/admin/cases/counter", stale)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "录入表单已失效") {
		t.Fatalf("a post without the nonce: %d", rec.Code)
	}
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d cases after a post without the nonce: %v", n, err)
	}
	if rec := clerk.Post(t, path+"/approve", url.Values{"reason": {""}}); rec.Code != http.StatusForbidden {
		t.Fatalf("the entering clerk approves: %d", rec.Code)
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, path+"/approve", url.Values{"reason": {"同意"}}), path)

	unitClient := webtest.NewClient(ts)
	webtest.SignIn(t, unitClient, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	page := unitClient.Page(t, "/unit/cases?channel=counter", http.StatusOK)
	var row *webtest.HTMLNode
	for _, tr := range page.All("tbody tr") {
		if tr.First(`a[href="/unit/cases/`+strconv.FormatInt(c.ID, 10)+`"]`) != nil {
			row = tr
		}
	}
	if row == nil || row.First(`td[data-label="办理渠道"]`) == nil || row.First(`td[data-label="办理渠道"]`).TextContent() != "窗口办理" ||
		!strings.Contains(row.TextContent(), "已办结") {
		t.Fatal("单位办件 does not list the case as 窗口办理 已办结")
	}
	if page := unitClient.Page(t, "/unit/cases?channel=online", http.StatusOK); page.First(`a[href="/unit/cases/`+strconv.FormatInt(c.ID, 10)+`"]`) != nil {
		t.Fatal("the 网上申报 filter lists the counter case")
	}
}

// TestCounterCaseResubmit: a returned counter case shows the clerk 窗口补正 (and not
// the reviewer); what was handed in is required beside its field; once given, the
// case is back in the queue for a clerk to accept.
func TestCounterCaseResubmit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 0x5c8)
	rep := w.Person(t, "补正法人")
	u := w.Unit(t, "示范窗口补正有限公司", rep)
	clerk, reviewer, _ := tm.signIn(t, ts)

	form := webtest.ParseHTML(t, clerk.Get(t, "/admin/cases/counter").Body.String())
	rec := clerk.Post(t, "/admin/cases/counter", url.Values{"uscc": {u.USCC}, "item": {counterItem},
		"applicant": {"孙窗口"}, "reason": {"材料现场核验"}, "nonce": {form.Must(t, `input[name=nonce]`).AttrOr("value")}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("entry: %d", rec.Code)
	}
	list, _, err := ts.Cases.UnitCases(context.Background(), u.ID, cases.CaseFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("the unit's cases: %d, %v", len(list), err)
	}
	path := "/admin/cases/" + strconv.FormatInt(list[0].ID, 10)
	webtest.WantRedirect(t, "return", reviewer.Post(t, path+"/return", url.Values{"reason": {"缺少营业执照复印件"}}), path)

	if doc := webtest.ParseHTML(t, reviewer.Get(t, path).Body.String()); doc.First(`form[action="`+path+`/resubmit"]`) != nil {
		t.Fatal("a reviewer is offered 窗口补正")
	}
	doc := webtest.ParseHTML(t, clerk.Get(t, path).Body.String())
	if h := doc.First(`form[action="` + path + `/resubmit"] button`); h == nil || h.TextContent() != "补正后重新提交" {
		t.Fatal("the clerk is not offered 补正后重新提交")
	}
	rec = clerk.Post(t, path+"/resubmit", url.Values{"reason": {""}})
	if e := webtest.ParseHTML(t, rec.Body.String()).First("#e-reason"); rec.Code != http.StatusUnprocessableEntity || e == nil || e.TextContent() == "" {
		t.Fatalf("resubmit without what was handed in: %d", rec.Code)
	}
	webtest.WantRedirect(t, "resubmit", clerk.Post(t, path+"/resubmit", url.Values{"reason": {"已补交营业执照复印件"}}), path)
	doc = webtest.ParseHTML(t, clerk.Get(t, path).Body.String())
	if doc.First(`form[action="`+path+`/accept"]`) == nil || !strings.Contains(doc.TextContent(), "已补交营业执照复印件") {
		t.Fatal("after 窗口补正 the case is not back for acceptance with its timeline")
	}
	if rec := reviewer.Post(t, path+"/resubmit", url.Values{"reason": {"x"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("a reviewer resubmits: %d", rec.Code)
	}

	// 已申请 again, the unit is not offered 撤销申请, and a post is refused: the
	// papers are at the counter.
	unitClient := webtest.NewClient(ts)
	webtest.SignIn(t, unitClient, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	unitPath := "/unit/cases/" + strconv.FormatInt(list[0].ID, 10)
	if page := unitClient.Page(t, unitPath, http.StatusOK); page.First(`form[action="`+unitPath+`/withdraw"]`) != nil {
		t.Fatal("the unit is offered 撤销申请 of a counter case")
	}
	if rec := unitClient.Post(t, unitPath+"/withdraw", nil); rec.Code != http.StatusConflict ||
		!strings.Contains(rec.Body.String(), cases.ErrCounterCase.Msg) {
		t.Fatalf("the unit withdraws a counter case: %d", rec.Code)
	}
}
