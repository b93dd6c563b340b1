package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/counter"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// fileAppeal files an appeal as the public form does and returns its back-office
// address.
func fileAppeal(t *testing.T, ts *webtest.TestServer, a person.Appeal) string {
	t.Helper()
	id, err := ts.Persons.FileAppeal(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return "/admin/appeals/" + strconv.FormatInt(id, 10)
}

// A taken mobile released at the appeals desk: the clerk sees the appeal and the
// holding account masked, records the release with the ID scan, a reviewer
// approves it; the holder loses the number, the appellant gets the SMS, and each
// step is audited with the staff member, the role and the reason.
func TestAppealReleaseMobile(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 31)
	holder := w.Person(t, "何旧主")
	appellant := w.IDNumber()
	contact := w.Mobile()
	clerk, reviewer, _ := tm.signIn(t, ts)
	page := fileAppeal(t, ts, person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident, IDNumber: appellant,
		Name: "宋新主", Mobile: holder.Mobile, ContactMobile: contact, Description: "新办的手机号，注册时提示已被使用"})

	queue := clerk.Get(t, "/admin/appeals/?status=open")
	webtest.WantStatus(t, "queue", queue, http.StatusOK)
	if !strings.Contains(queue.Body.String(), "查看申诉SS00000001") {
		t.Fatalf("the open appeal is not in the queue\n%s", webtest.ShortBody(queue.Body.String()))
	}
	rec := clerk.Get(t, page)
	webtest.WantStatus(t, "appeal", rec, http.StatusOK)
	body := rec.Body.String()
	for _, full := range []string{appellant, holder.Mobile, contact, holder.IDNumber, "宋新主"} {
		if strings.Contains(body, full) {
			t.Errorf("the appeal page shows %q unmasked", full)
		}
	}
	for _, masked := range []string{ident.MaskMobile(holder.Mobile), holder.MaskedID(), "新办的手机号"} {
		if !strings.Contains(body, masked) {
			t.Errorf("the appeal page lacks %q", masked)
		}
	}

	// Without the scan or the reason: beside the fields.
	for field, form := range map[string]url.Values{"reason": {"reason": {""}}, "scan": {"reason": {"已核验"}}} {
		rec := clerk.postFile(t, page+"/release", form, "", nil)
		webtest.WantStatus(t, "release without "+field, rec, http.StatusOK)
		if doc := webtest.ParseHTML(t, rec.Body.String()); doc.First("#e-"+field) == nil {
			t.Errorf("no error beside the %s\n%s", field, webtest.ShortBody(rec.Body.String()))
		}
	}
	rec = clerk.postFile(t, page+"/release", url.Values{"reason": {"申诉人持身份证和运营商实名证明到窗口"}}, "id.png", webtest.ScanPNG(t))
	webtest.WantStatus(t, "release", rec, http.StatusSeeOther)
	request := rec.Header().Get("Location")

	// The clerk may not approve it; the reviewer does.
	if rec := clerk.Post(t, request+"/approve", url.Values{"reason": {"同意"}}); rec.Code != http.StatusForbidden {
		t.Errorf("clerk approves the release: %d, want 403", rec.Code)
	}
	doc := webtest.ParseHTML(t, reviewer.Get(t, page).Body.String())
	if doc.First(`a[href^="/admin/scans/"]`) == nil || doc.First(`form[action$="/release"]`) != nil {
		t.Error("the reviewer's appeal page lacks the scan, or offers the clerk's release form")
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, request+"/approve", url.Values{"reason": {"号码归属核实无误"}}), request)

	if _, err := ts.Persons.ByMobile(context.Background(), holder.Mobile); !errors.Is(err, person.ErrNotFound) {
		t.Errorf("the mobile still names an account: %v", err)
	}
	if m, err := ts.DevOutbox.Latest(context.Background(), contact); err != nil || !strings.Contains(m.Text, "手机号码已释放") {
		t.Errorf("appellant's SMS %q, %v", m.Text, err)
	}
	doc = webtest.ParseHTML(t, clerk.Get(t, page).Body.String())
	if got := doc.Must(t, "[data-status]").TextContent(); got != "已释放" || doc.First(`form[action$="/reject"]`) != nil {
		t.Errorf("the released appeal shows %q, or still offers an answer", got)
	}
	wantAudited(t, ts, "counter.submit", tm.clerk.Staff.ID, staff.RoleClerk, "申诉人持身份证和运营商实名证明到窗口")
	wantAudited(t, ts, "counter.appeal_release", tm.reviewer.Staff.ID, staff.RoleReviewer, "号码归属核实无误")
}

// An appeal answered with the reason typed: beside the field when missing; then
// closed, the appellant's SMS carries the reason, audited; only clerks may.
func TestAppealAnswer(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 32)
	p := w.Person(t, "骆本人")
	contact := w.Mobile()
	clerk, reviewer, auditor := tm.signIn(t, ts)
	page := fileAppeal(t, ts, person.Appeal{Kind: person.AppealIDTaken, IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name,
		ContactMobile: contact, Description: "证件号码被注册"})

	for name, c := range map[string]*staffClient{"reviewer": reviewer, "auditor": auditor} {
		if rec := c.Post(t, page+"/reject", url.Values{"answer": {"x"}}); rec.Code != http.StatusForbidden {
			t.Errorf("%s answers an appeal: %d, want 403", name, rec.Code)
		}
	}
	if rec := auditor.Get(t, page); rec.Code != http.StatusForbidden {
		t.Errorf("auditor reads an appeal: %d, want 403", rec.Code)
	}
	rec := clerk.Post(t, page+"/reject", url.Values{"answer": {"  "}})
	webtest.WantStatus(t, "answer without reason", rec, http.StatusOK)
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.First("#e-answer") == nil || doc.First("#e-reason") != nil {
		t.Errorf("the missing answer is not beside its field\n%s", webtest.ShortBody(rec.Body.String()))
	}
	webtest.WantRedirect(t, "answer", clerk.Post(t, page+"/reject", url.Values{"answer": {"经核实该账户为您本人注册，请使用找回密码"}}), page)
	if m, _ := ts.DevOutbox.Latest(context.Background(), contact); !strings.Contains(m.Text, "经核实该账户为您本人注册，请使用找回密码") {
		t.Errorf("appellant's SMS %q", m.Text)
	}
	if _, err := ts.Persons.ByIdentity(context.Background(), p.IDType, p.IDNumber); err != nil {
		t.Errorf("an answered appeal released the ID number: %v", err)
	}
	wantAudited(t, ts, "counter.appeal_reject", tm.clerk.Staff.ID, staff.RoleClerk, "经核实该账户为您本人注册，请使用找回密码")
	rec = clerk.Post(t, page+"/reject", url.Values{"answer": {"再次答复"}})
	if !strings.Contains(rec.Body.String(), "未找到该申诉，或申诉已处理") {
		t.Errorf("a second answer: %d\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
}

// wantAudited fails unless the newest audit record of action names the staff
// member, the role and the reason.
func wantAudited(t *testing.T, ts *webtest.TestServer, action string, staffID int64, role staff.Role, reason string) {
	t.Helper()
	es, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: action})
	if err != nil || len(es) == 0 {
		t.Fatalf("no %s record: %v", action, err)
	}
	if e := es[0]; e.StaffID != staffID || e.Role != string(role) || e.Detail["reason"] != reason {
		t.Errorf("%s audited as staff %d role %q reason %q", action, e.StaffID, e.Role, e.Detail["reason"])
	}
}

// nameSuffixes tell apart the people a list's fixture files for, in turn.
var nameSuffixes = []rune("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天")

// fileAppeals files n appeals as the public form does, one after another, and
// returns their numbers in filing order.
func fileAppeals(t *testing.T, ts *webtest.TestServer, w *webtest.World, n int) []string {
	t.Helper()
	var numbers []string
	for i := range n {
		id, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealOther, IDType: ident.IDTypeResident,
			IDNumber: w.IDNumber(), Name: "申诉人" + string(nameSuffixes[i%len(nameSuffixes)]), ContactMobile: w.Mobile(),
			Description: "其他问题"})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, person.AppealNumber(id))
	}
	return numbers
}

// TestAppealsPaging: the appeals' lists go a page at a time from the last appeal
// seen (keyset, no page numbers and no count): the 全部 tab shows the newest page,
// 下一页 the rest, 上一页 from there the same page again; the 待处理 queue is
// oldest first and keeps its status across the pages; an edited cursor is the first
// page.
func TestAppealsPaging(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	per := counter.AppealsPerPage
	numbers := fileAppeals(t, ts, webtest.NewWorld(ts, 37), per+3)
	clerk, _, _ := tm.signIn(t, ts)
	newest := slices.Clone(numbers)
	slices.Reverse(newest)
	list := func(target string) (shown []string, prev, next string) {
		t.Helper()
		page := clerk.Page(t, target, http.StatusOK)
		for _, row := range page.All("table.data tbody tr") {
			shown = append(shown, row.First("td").TextContent())
		}
		if a := page.First("nav.pagination a[rel=prev]"); a != nil {
			prev = a.AttrOr("href")
		}
		if a := page.First("nav.pagination a[rel=next]"); a != nil {
			next = a.AttrOr("href")
		}
		if page.First("nav.pagination a[aria-current]") != nil {
			t.Errorf("%s: page numbers under a list read by keyset", target)
		}
		return shown, prev, next
	}
	shown, prev, next := list("/admin/appeals/")
	if !slices.Equal(shown, newest[:per]) || prev != "" || next == "" {
		t.Fatalf("全部, first page: %v prev %q next %q; want %v and 下一页", shown, prev, next, newest[:per])
	}
	shown, prev, next = list(next)
	if !slices.Equal(shown, newest[per:]) || prev == "" || next != "" {
		t.Fatalf("全部, second page: %v prev %q next %q; want %v and 上一页 only", shown, prev, next, newest[per:])
	}
	if shown, prev, _ = list(prev); !slices.Equal(shown, newest[:per]) || prev != "" {
		t.Fatalf("全部, 上一页: %v prev %q; want the first page %v", shown, prev, newest[:per])
	}
	shown, _, next = list("/admin/appeals/?status=open")
	if !slices.Equal(shown, numbers[:per]) || !strings.Contains(next, "status=open") {
		t.Fatalf("待处理, first page: %v next %q; want %v oldest first, 下一页 keeping the status", shown, next, numbers[:per])
	}
	if shown, _, _ = list(next); !slices.Equal(shown, numbers[per:]) {
		t.Fatalf("待处理, second page: %v; want %v", shown, numbers[per:])
	}
	if shown, _, _ = list("/admin/appeals/?after=x_1"); !slices.Equal(shown, newest[:per]) {
		t.Fatalf("an edited cursor: %v; want the first page", shown)
	}
}
