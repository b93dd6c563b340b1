package unitcenter

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/skills"
	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// TestWorkbenchPlanPage: a plan opened for the unit is on 待办 with SPEC's columns
// and in 合并待办; the legal rep enters a candidate (a bad ID number refused beside
// the field), imports a CSV (a bad file refused with its lines, all or nothing),
// removes one and submits; the plan moves to 已办 and its page offers no more
// changes; an agent without the item reads but cannot enter, and the reviewer's
// approval shows as 已审核.
func TestWorkbenchPlanPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 41, "沈嘉禾", "示范云帆科技有限公司")
	c, w := desk.Client, desk.World
	bo := newBackOffice(t, ts, "wb")
	exam := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	p, err := ts.Skills.CreatePlan(context.Background(), bo.clerk, skills.PlanDraft{UnitUSCC: desk.Unit.USCC,
		Name: "2027年第一期电工认定", Occupation: "电工", Level: 4, ExamDate: exam})
	if err != nil {
		t.Fatal(err)
	}
	planURL := "/unit/workbench/plans/" + strconv.FormatInt(p.ID, 10)

	doc := c.Page(t, "/unit/workbench", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/workbench", doc)
	if heads := strings.Join(doc.Texts("table.data thead th"), ","); heads != "事项名称,办件进度,申请人,申请日期,扩展信息,操作" {
		t.Errorf("columns %s", heads)
	}
	row := strings.Join(doc.Texts("table.data tbody td"), "|")
	for _, want := range []string{"职业技能等级认定", "考生录入", desk.Unit.Name, "计划名称：2027年第一期电工认定", "办理"} {
		if !strings.Contains(row, want) {
			t.Errorf("待办 row %q lacks %q", row, want)
		}
	}
	if merged := strings.Join(c.Page(t, "/unit/workbench?tab=merged", http.StatusOK).Texts("table.data tbody td"), "|"); !strings.HasPrefix(merged, "职业技能等级认定|1|1|0") {
		t.Errorf("合并待办 %q", merged)
	}

	// A bad ID number is refused beside its field, with what was typed kept.
	rec := c.Post(t, planURL+"/candidates", url.Values{"person_name": {"张三"}, "id_number": {"110105194912310021"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad ID: %d", rec.Code)
	}
	bad := webtest.ParseHTML(t, rec.Body.String())
	if msg := bad.Must(t, "#e-id_number").TextContent(); msg != "身份号码校验位错误" {
		t.Errorf("beside the ID number: %q", msg)
	}
	if v := bad.Must(t, "#f-person_name").AttrOr("value"); v != "张三" {
		t.Errorf("name kept %q", v)
	}
	first := w.IDNumber()
	if rec := c.Post(t, planURL+"/candidates", url.Values{"person_name": {"张三"}, "id_number": {first}}); rec.Code != http.StatusSeeOther ||
		rec.Header().Get("Location") != planURL+"?notice=added" {
		t.Fatalf("add: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// A file with a bad line enters nobody.
	csvBad := "姓名,公民身份号码\n李四," + w.IDNumber() + "\n王,110105194912310021\n"
	rec = c.PostFiles(t, planURL+"/import", nil, webtest.FormFile{Field: "file", Name: "名单.csv", Body: []byte(csvBad)})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "第3行：姓名：") {
		t.Fatalf("bad file: %d", rec.Code)
	}
	// A file over the limit (its length declared, as browsers do) gives the plan
	// page back with the message, not the 413 page.
	big := bytes.Repeat([]byte("赵六,110105194912310021\n"), 400<<10/26)
	rec = c.PostFiles(t, planURL+"/import", nil, webtest.FormFile{Field: "file", Name: "名单.csv", Body: big})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("oversized file: %d (length %d)", rec.Code, len(big))
	}
	if over := webtest.ParseHTML(t, rec.Body.String()); !strings.Contains(over.TextContent(), "KB，请分批导入") || over.First("input[name=person_name]") == nil {
		t.Fatalf("oversized file: the plan page with its message expected, got %.300s", rec.Body.String())
	}
	csvGood := "姓名,公民身份号码,手机号码\n李四," + w.IDNumber() + ",13900001111\n王五," + w.IDNumber() + ",\n"
	rec = c.PostFiles(t, planURL+"/import", nil, webtest.FormFile{Field: "file", Name: "名单.csv", Body: []byte(csvGood)})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good file: %d %s", rec.Code, rec.Body.String())
	}
	doc = c.Page(t, planURL, http.StatusOK)
	webtest.CheckPage(t, ts, planURL, doc)
	if names := strings.Join(doc.Texts("table.data tbody td[data-label=姓名]"), ","); names != "张三,李四,王五" {
		t.Fatalf("candidates %s", names)
	}
	if strings.Contains(doc.TextContent(), first) {
		t.Error("the page shows an ID number in full")
	}

	// An agent granted another item reads the plan but may not enter candidates.
	other := grantedAgent(t, ts, w, desk.Unit, desk.Rep.ID, "钱经办", "SB-002", "Unit#Pass2027")
	odoc := other.Page(t, planURL, http.StatusOK)
	if odoc.First("form[action$='/candidates']") != nil || !strings.Contains(odoc.TextContent(), "该事项不在您的授权范围内") {
		t.Error("an agent without the item is offered the entry form")
	}
	if rec := other.Post(t, planURL+"/candidates", url.Values{"person_name": {"赵六"}, "id_number": {w.IDNumber()}}); rec.Code != http.StatusForbidden {
		t.Errorf("agent without the item adds: %d", rec.Code)
	}
	// An agent granted the item enters one.
	granted := grantedAgent(t, ts, w, desk.Unit, desk.Rep.ID, "孙经办", skills.ItemCode, "Unit#Pass2027")
	if rec := granted.Post(t, planURL+"/candidates", url.Values{"person_name": {"赵六"}, "id_number": {w.IDNumber()}}); rec.Code != http.StatusSeeOther {
		t.Errorf("agent with the item adds: %d", rec.Code)
	}

	// Remove 张三 by the list's button, then submit.
	doc = c.Page(t, planURL, http.StatusOK)
	removeAction := doc.Must(t, "form[action$='/remove']").AttrOr("action")
	if rec := c.Post(t, removeAction, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d", rec.Code)
	}
	doc = c.Page(t, planURL, http.StatusOK)
	version := doc.Must(t, "form[action$='/submit'] input[name=version]").AttrOr("value")
	if rec := c.Post(t, planURL+"/submit", url.Values{"version": {version}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d", rec.Code)
	}
	if rec := c.Post(t, planURL+"/submit", url.Values{"version": {version}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), skills.ErrClosed.Msg) {
		t.Errorf("second submit: %d", rec.Code)
	}
	rec = c.PostFiles(t, planURL+"/import", nil, webtest.FormFile{Field: "file", Name: "名单.csv", Body: []byte(csvBad)})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), skills.ErrClosed.Msg) {
		t.Errorf("a bad file on a submitted plan: %d", rec.Code)
	}
	doc = c.Page(t, planURL, http.StatusOK)
	if doc.First("form[action$='/candidates']") != nil || doc.First("form[action$='/submit']") != nil {
		t.Error("a submitted plan still offers changes")
	}
	if todo := c.Page(t, "/unit/workbench", http.StatusOK); todo.First("table.data") != nil {
		t.Error("the submitted plan is still on 待办")
	}
	done := strings.Join(c.Page(t, "/unit/workbench?tab=done", http.StatusOK).Texts("table.data tbody td"), "|")
	if !strings.Contains(done, "待审核") || !strings.Contains(done, "2027年第一期电工认定") {
		t.Errorf("已办 %q", done)
	}

	p, err = ts.Skills.Approve(context.Background(), bo.reviewer, p.ID, mustPlan(t, ts, bo.reviewer, p.ID).Version, "")
	if err != nil || p.Candidates != 3 {
		t.Fatalf("approve: %+v %v", p, err)
	}
	if done := strings.Join(c.Page(t, "/unit/workbench?tab=done", http.StatusOK).Texts("table.data tbody td"), "|"); !strings.Contains(done, "已审核") {
		t.Errorf("已办 after approval %q", done)
	}
}

func mustPlan(t *testing.T, ts *webtest.TestServer, actor staff.Actor, id int64) skills.Plan {
	t.Helper()
	p, _, err := ts.Skills.StaffPlan(context.Background(), actor, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
