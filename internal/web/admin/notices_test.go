package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/notices"
	"hall/internal/web/webtest"
)

// TestNoticeManagement: over HTTP in the back office, a clerk's draft is refused
// beside its fields, saved, edited; it is 404 on the hall until a reviewer
// publishes it with a reason (refused without); the reviewer may not draft, the
// clerk may not publish; a cross-site post is refused; the reviewer withdraws it
// and the hall answers 404 again. Each step is in the audit log with its role.
func TestNoticeManagement(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	clerk, reviewer, auditor := tm.signIn(t, ts)

	rec := clerk.Post(t, "/admin/notices/new", url.Values{"title": {strings.Repeat("长", 61)}, "category": {"bogus"}, "body": {""}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad draft: %d", rec.Code)
	}
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.First("#e-title") == nil || doc.First("#f-title") == nil {
		t.Errorf("bad draft: no message beside 标题\n%s", webtest.ShortBody(rec.Body.String()))
	}
	rec = clerk.Post(t, "/admin/notices/new", url.Values{"title": {"2027年度社会保险缴费基数公布"}, "category": {"announcement"},
		"body": {"各参保单位：\r\n\r\n2027年度缴费基数上限为<b>30000</b>元。"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("new draft: %d\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	path := rec.Header().Get("Location")
	if !strings.HasPrefix(path, "/admin/notices/") {
		t.Fatalf("new draft → %q", path)
	}
	public := strings.Replace(path, "/admin", "", 1)
	if got := ts.Get(t, public); got.Code != http.StatusNotFound {
		t.Errorf("a draft on the hall: %d", got.Code)
	}
	// The reviewer opens the draft before the clerk's edit: the version that page
	// carries no longer publishes.
	before := webtest.ParseHTML(t, reviewer.Get(t, path).Body.String()).First(`form[action="` + path + `/publish"] input[name="version"]`)
	if before == nil {
		t.Fatal("the publish form carries no version")
	}
	edit := webtest.ParseHTML(t, clerk.Get(t, path).Body.String()).First(`form[action="` + path + `/edit"] input[name="version"]`)
	if edit == nil {
		t.Fatal("the edit form carries no version")
	}
	webtest.WantRedirect(t, "edit", clerk.Post(t, path+"/edit", url.Values{"title": {"2027年度社会保险缴费基数公布"},
		"category": {"announcement"}, "body": {"各参保单位：\n\n2027年度缴费基数上限为<b>30000</b>元。\n\n特此公告。"},
		"reason": {"补充结尾"}, "version": {edit.AttrOr("value")}}), path)
	if rec := reviewer.Post(t, path+"/publish", url.Values{"reason": {"同意发布"}, "version": {before.AttrOr("value")}}); rec.Code != http.StatusConflict ||
		!strings.Contains(rec.Body.String(), notices.ErrEdited.Msg) || !strings.Contains(rec.Body.String(), "特此公告。") {
		t.Errorf("publish of the text read before the edit: %d, want 409 with the message and the edited text", rec.Code)
	}

	list := webtest.ParseHTML(t, reviewer.Get(t, "/admin/notices/?state=draft").Body.String())
	if list.First(`a[href="`+path+`"]`) == nil {
		t.Fatal("the drafts list lacks the draft")
	}
	page := webtest.ParseHTML(t, reviewer.Get(t, path).Body.String())
	if page.First(`form[action="`+path+`/publish"]`) == nil || page.First(`form[action="`+path+`/edit"]`) != nil {
		t.Error("the reviewer is not offered 发布 alone")
	}
	version := page.First(`form[action="` + path + `/publish"] input[name="version"]`).AttrOr("value")
	if strings.Contains(reviewer.Get(t, path).Body.String(), "<b>30000") {
		t.Error("the body is not escaped in the back office")
	}
	if rec := reviewer.Post(t, "/admin/notices/new", url.Values{"title": {"审核起草"}}); rec.Code != http.StatusForbidden {
		t.Errorf("the reviewer drafts: %d", rec.Code)
	}
	if rec := clerk.Post(t, path+"/publish", url.Values{"reason": {"自己发布"}}); rec.Code != http.StatusForbidden {
		t.Errorf("the clerk publishes: %d", rec.Code)
	}
	if rec := auditor.Get(t, "/admin/notices/"); rec.Code != http.StatusForbidden {
		t.Errorf("the auditor's list: %d", rec.Code)
	}
	rec = reviewer.Post(t, path+"/publish", url.Values{"reason": {""}, "version": {version}})
	if rec.Code != http.StatusUnprocessableEntity || webtest.ParseHTML(t, rec.Body.String()).First("#e-reason") == nil {
		t.Errorf("publish without a reason: %d", rec.Code)
	}
	cross := reviewer.Do(t, http.MethodPost, path+"/publish", url.Values{"reason": {"同意发布"}, "version": {version}},
		http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
	if cross.Code != http.StatusForbidden {
		t.Errorf("a cross-site publish: %d", cross.Code)
	}
	webtest.WantRedirect(t, "publish", reviewer.Post(t, path+"/publish", url.Values{"reason": {"内容已核对，同意发布"}, "version": {version}}), path)

	doc := ts.GetHTML(t, public, http.StatusOK)
	if ps := doc.Texts(".notice-body p"); len(ps) != 3 || ps[1] != "2027年度缴费基数上限为<b>30000</b>元。" {
		t.Errorf("published paragraphs %q", ps)
	}
	if home := ts.GetHTML(t, "/", http.StatusOK).Texts(".notice-list a"); len(home) != 1 || home[0] != "2027年度社会保险缴费基数公布" {
		t.Errorf("home notices %v", home)
	}
	if rec := clerk.Post(t, path+"/edit", url.Values{"title": {"改"}, "category": {"notice"}, "body": {"改"}}); rec.Code != http.StatusConflict {
		t.Errorf("editing a published notice: %d", rec.Code)
	}
	webtest.WantRedirect(t, "withdraw", reviewer.Post(t, path+"/withdraw", url.Values{"reason": {"基数有误，更正后重发"}}), path)
	if got := ts.Get(t, public); got.Code != http.StatusNotFound {
		t.Errorf("a withdrawn notice on the hall: %d", got.Code)
	}
	if rec := reviewer.Get(t, "/admin/notices/abc"); rec.Code != http.StatusNotFound {
		t.Errorf("/admin/notices/abc: %d", rec.Code)
	}

	es, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: "notice."})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range es {
		if e.Result == audit.Success {
			steps = append(steps, e.Action+"/"+e.Role+"/"+e.Detail["reason"])
		}
	}
	if got := strings.Join(steps, ","); got != "notice.withdraw/reviewer/基数有误，更正后重发,notice.publish/reviewer/内容已核对，同意发布,notice.edit/clerk/补充结尾,notice.create/clerk/" {
		t.Errorf("audit %s", got)
	}
}
