package admin

import (
	"context"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/web/webtest"
)

// Records that do not open leave the back office's queues in Chromium: a clerk finds
// the appeal marked 申诉数据无法读取 on 用户申诉, opens it (no release form), closes
// it with 办理意见 and 办结 and no longer finds it among the open ones; a reviewer
// finds the counter request marked 业务数据无法读取 on 窗口业务, opens it (its only
// form is 退回), rejects it and no longer finds it 待审核. The readable neighbours
// stay in both queues.
func TestBrowserUnreadableRecordsLeaveTheQueues(t *testing.T) {
	ts, tm, base := backOffice(t)
	b := browsertest.New(t)
	clerk := b.NewPage(t)
	browserLogin(t, clerk, base, tm.clerk) // the clerk's password changed: the counter takes their resets
	w := webtest.NewWorld(ts, 41)
	file := func(name string) int64 {
		id, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealIDTaken, IDType: ident.IDTypeResident,
			IDNumber: w.IDNumber(), Name: name, ContactMobile: w.Mobile(), Description: "证件号码被他人注册"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	brokenAppeal, readableAppeal := file("申屠难读"), file("钟离可读")
	resets := fileResets(t, ts, w, webtest.StaffActor(tm.clerk.Created), 2)
	for _, move := range []struct {
		query string
		from  any
		to    any
	}{
		{`UPDATE appeals SET name = (SELECT name FROM appeals WHERE id = ?) WHERE id = ?`, readableAppeal, brokenAppeal},
		{`UPDATE counter_requests SET data = (SELECT data FROM counter_requests WHERE id = ?) WHERE id = ?`, resets[1], resets[0]},
	} {
		if _, err := ts.DB.Exec(context.Background(), move.query, move.from, move.to); err != nil {
			t.Fatal(err)
		}
	}

	brokenLink, readableLink := "查看申诉"+person.AppealNumber(brokenAppeal), "查看申诉"+person.AppealNumber(readableAppeal)
	clerk.ClickLink("用户申诉")
	clerk.WaitText("申诉数据无法读取")
	clerk.ClickLink(brokenLink)
	clerk.WaitText("该申诉的数据无法读取")
	if clerk.HasText("提交释放审核") || clerk.HasText("钟离可读") {
		t.Error("the unreadable appeal's page offers a release, or shows another appeal's name")
	}
	clerk.Fill("办理意见", "申诉数据无法读取，请申诉人重新提交")
	clerk.Click("办结")
	clerk.WaitText("申诉已办结，未发送短信")
	clerk.ClickLink("返回用户申诉")
	clerk.WaitURL("/admin/appeals/?status=open")
	if clerk.HasLink(brokenLink) || !clerk.HasLink(readableLink) {
		t.Errorf("用户申诉 after closing the unreadable appeal: %v", clerk.Links())
	}

	reviewer := b.NewPage(t)
	browserLogin(t, reviewer, base, tm.reviewer)
	brokenRequest, readableRequest := "查看第"+resets[0]+"号业务", "查看第"+resets[1]+"号业务"
	reviewer.ClickLink("窗口业务")
	reviewer.WaitText("业务数据无法读取")
	reviewer.ClickLink(brokenRequest)
	reviewer.WaitText("该业务的数据无法读取")
	if facts := reviewer.Text("dl.admin-facts"); !strings.Contains(facts, "申请内容") || !strings.Contains(facts, "无法读取") ||
		strings.Contains(facts, "姓名") {
		t.Errorf("the unreadable request's facts: %q; want its content said unreadable, no empty person", facts)
	}
	if action := reviewer.Attr(`form[action^="/admin/counter/`+resets[0]+`"]`, "action"); !strings.HasSuffix(action, "/reject") {
		t.Errorf("the unreadable request's form goes to %q, want the rejection only", action)
	}
	reviewer.Fill("退回原因", "数据无法读取，请重新受理")
	reviewer.Click("退回")
	reviewer.WaitText("已退回经办人员")
	reviewer.ClickLink("返回窗口业务")
	reviewer.WaitURL("/admin/counter/?status=submitted")
	if reviewer.HasLink(brokenRequest) || !reviewer.HasLink(readableRequest) {
		t.Errorf("待审核 after rejecting the unreadable request: %v", reviewer.Links())
	}
}
