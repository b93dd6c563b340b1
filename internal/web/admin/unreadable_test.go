package admin

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hall/internal/counter"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/web/webtest"
)

// TestUnreadableAppealInTheBackOffice: an appeal whose sealed name was moved from
// another appeal is listed on 用户申诉 marked 申诉数据无法读取 beside the readable
// one, instead of the whole queue failing; its own page says it cannot be read and
// what to do, shows none of its values and no release form, and the clerk closes it
// with 办结 (no message: its contact mobile does not open), after which it leaves
// the queue.
func TestUnreadableAppealInTheBackOffice(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 38)
	file := func(name string) int64 {
		id, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealOther, IDType: ident.IDTypeResident,
			IDNumber: w.IDNumber(), Name: name, ContactMobile: w.Mobile(), Description: "其他问题"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	broken, readable := file("申屠难读"), file("钟离可读")
	if _, err := ts.DB.Exec(context.Background(), `UPDATE appeals SET name = (SELECT name FROM appeals WHERE id = ?) WHERE id = ?`,
		readable, broken); err != nil {
		t.Fatal(err)
	}
	clerk, _, _ := tm.signIn(t, ts)
	page := clerk.Page(t, "/admin/appeals/?status=open", http.StatusOK)
	var marked, plain int
	for _, row := range page.All("table.data tbody tr") {
		switch number := row.First("td").TextContent(); {
		case number == person.AppealNumber(broken) && strings.Contains(row.TextContent(), "申诉数据无法读取"):
			marked++
		case number == person.AppealNumber(readable) && strings.Contains(row.TextContent(), ident.MaskName("钟离可读")):
			plain++
		}
	}
	if marked != 1 || plain != 1 {
		t.Fatalf("用户申诉 shows %d marked and %d readable rows, want 1 and 1: %q", marked, plain, page.TextContent())
	}
	target := "/admin/appeals/" + strconv.FormatInt(broken, 10)
	detail := clerk.Page(t, target, http.StatusOK)
	if alert := detail.Must(t, "[data-unreadable]").TextContent(); !strings.Contains(alert, "该申诉的数据无法读取") ||
		!strings.Contains(alert, "核查数据密钥") || !strings.Contains(alert, "不会发送短信") {
		t.Errorf("the unreadable appeal's page says %q", alert)
	}
	if detail.First(`form[action="`+target+`/release"]`) != nil || detail.First(`form[action="`+target+`/reject"]`) == nil {
		t.Errorf("the unreadable appeal's page offers a release, or no closing: %q", detail.TextContent())
	}
	webtest.WantRedirect(t, "close", clerk.Post(t, target+"/reject", url.Values{"answer": {"申诉数据无法读取，请申诉人重新提交"}}), target)
	detail = clerk.Page(t, target, http.StatusOK)
	if got := detail.Must(t, "[data-status]").TextContent(); got == "" || detail.First(`form[action="`+target+`/reject"]`) != nil ||
		!strings.Contains(detail.Must(t, "[data-unreadable]").TextContent(), "未发送短信") {
		t.Errorf("after closing, the appeal is %q: %q", got, detail.TextContent())
	}
	if strings.Contains(detail.TextContent(), "已通过短信告知") || strings.Contains(detail.TextContent(), "短信网关") {
		t.Errorf("the closed unreadable appeal claims or blames a message: %q", detail.TextContent())
	}
	queue := clerk.Page(t, "/admin/appeals/?status=open", http.StatusOK)
	if rows := queue.All("table.data tbody tr"); len(rows) != 1 || rows[0].First("td").TextContent() != person.AppealNumber(readable) {
		t.Errorf("用户申诉 after closing the unreadable appeal: %q", queue.TextContent())
	}
}

// TestUnreadableCounterRequestInTheBackOffice: a counter request whose sealed form was
// moved from another request is listed on 窗口业务 marked; its page says it cannot be
// read and offers the reviewer only 退回 (approving it answers 500 with the reason and
// changes nothing); rejecting it takes it out of 待审核, so that it does not wait for
// ever.
func TestUnreadableCounterRequestInTheBackOffice(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	clerk, reviewer, _ := tm.signIn(t, ts)
	numbers := fileResets(t, ts, webtest.NewWorld(ts, 40), webtest.StaffActor(tm.clerk.Created), 2)
	broken, readable := numbers[0], numbers[1]
	if _, err := ts.DB.Exec(context.Background(), `UPDATE counter_requests SET data = (SELECT data FROM counter_requests WHERE id = ?)
		WHERE id = ?`, readable, broken); err != nil {
		t.Fatal(err)
	}
	list := reviewer.Page(t, "/admin/counter/?status=submitted", http.StatusOK)
	var marked, plain int
	for _, row := range list.All("table.data tbody tr") {
		switch number := row.First("td").TextContent(); {
		case number == broken && strings.Contains(row.TextContent(), "业务数据无法读取"):
			marked++
		case number == readable && !strings.Contains(row.TextContent(), "无法读取"):
			plain++
		}
	}
	if marked != 1 || plain != 1 {
		t.Fatalf("窗口业务 shows %d marked and %d readable rows, want 1 and 1: %q", marked, plain, list.TextContent())
	}
	target := "/admin/counter/" + broken
	doc := reviewer.Page(t, target, http.StatusOK)
	if alert := doc.Must(t, "[data-unreadable]").TextContent(); !strings.Contains(alert, "该业务的数据无法读取") ||
		!strings.Contains(alert, "可退回经办人员") {
		t.Errorf("the unreadable request's page says %q", alert)
	}
	if doc.First(`form[action="`+target+`/approve"]`) != nil || doc.First(`form[action="`+target+`/reject"]`) == nil {
		t.Errorf("the unreadable request's page offers approval, or no rejection: %q", doc.TextContent())
	}
	// The clerk sees the same page without a form.
	if d := clerk.Page(t, target, http.StatusOK); d.First(`form[action="`+target+`/reject"]`) != nil {
		t.Error("the clerk is offered the rejection")
	}
	rec := reviewer.Post(t, target+"/approve", url.Values{"reason": {"材料齐全"}})
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), counter.ErrUnreadable.Msg+"，请联系系统管理员核查数据密钥") {
		t.Errorf("approving the unreadable request: %d %q", rec.Code, rec.Body.String())
	}
	webtest.WantRedirect(t, "reject", reviewer.Post(t, target+"/reject", url.Values{"reason": {"数据无法读取，请重新受理"}}), target)
	doc = reviewer.Page(t, target, http.StatusOK)
	if got := doc.Must(t, "[data-status]").TextContent(); got != "已退回" || doc.First(`form[action="`+target+`/reject"]`) != nil {
		t.Errorf("after the rejection the request is %q, or still offers the rejection", got)
	}
	waiting := reviewer.Page(t, "/admin/counter/?status=submitted", http.StatusOK)
	if rows := waiting.All("table.data tbody tr"); len(rows) != 1 || !strings.Contains(rows[0].TextContent(), readable) {
		t.Errorf("待审核 after the rejection: %q; want the readable request only", waiting.TextContent())
	}
}

// TestTamperedScanDownload: a counter scan whose file was replaced on disk by another
// scan's (which the sealing binds to its own name) is refused with 500 saying the scan
// cannot be read and to have the keys checked, not 系统繁忙 and never the other
// scan's content; the readable scan still downloads.
func TestTamperedScanDownload(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	_, reviewer, _ := tm.signIn(t, ts)
	numbers := fileResets(t, ts, webtest.NewWorld(ts, 42), webtest.StaffActor(tm.clerk.Created), 2)
	scanOf := func(number string) string {
		id, _ := strconv.ParseInt(number, 10, 64)
		_, sc, err := ts.Counter.Get(context.Background(), webtest.StaffActor(tm.reviewer.Created), id)
		if err != nil || len(sc) != 1 {
			t.Fatalf("request %s: %d scans, %v", number, len(sc), err)
		}
		return sc[0].ID
	}
	tampered, readable := scanOf(numbers[0]), scanOf(numbers[1])
	file := func(id string) string { return filepath.Join(ts.Config.DataDir, "scans", id[:2], id) }
	other, err := os.ReadFile(file(readable))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file(tampered), other, 0o600); err != nil {
		t.Fatal(err)
	}
	rec := reviewer.Get(t, "/admin/scans/"+tampered)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "该扫描件无法读取（已记录日志），请联系系统管理员核查数据密钥") {
		t.Errorf("the tampered scan: %d %q", rec.Code, rec.Body.String())
	}
	if ok := reviewer.Get(t, "/admin/scans/"+readable); ok.Code != http.StatusOK || !bytes.Equal(ok.Body.Bytes(), webtest.ScanPNG(t)) {
		t.Errorf("the readable scan: %d, %d bytes", ok.Code, ok.Body.Len())
	}
}
