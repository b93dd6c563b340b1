package hall

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// progressCase files a 人员参保登记 case for a new unit on ts by its legal rep and
// returns the case, the unit and the employee's name on the form.
func progressCase(t *testing.T, ts *webtest.TestServer, seed uint64) (cases.Case, unit.Unit, person.Person) {
	t.Helper()
	w := webtest.NewWorld(ts, seed)
	u, rep := w.UnitWithRep(t, "示范进度机械有限公司", "钱进度")
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	c, err := ts.Cases.Apply(context.Background(), cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep},
		cases.ItemEnrolment, url.Values{cases.FieldName: {"孙查询"},
			cases.FieldIDNumber:   {ident.GenerateResidentID(w.Generator, "320104", time.Date(1996, 5, 6, 0, 0, 0, 0, time.UTC), true)},
			cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, u, rep
}

// progressURL is the look-up of number with uscc.
func progressURL(number, uscc string) string {
	return "/query?" + url.Values{"number": {number}, "uscc": {uscc}}.Encode()
}

// TestQueryCaseProgress: 办件进度查询 with the case's number and its unit's USCC
// shows the item, 已申请 and the timeline's dates, nothing of the unit or the
// people; another unit's USCC and an unknown number get the one message with one
// status (404); a returned case says 退回补正 and where to correct it, without
// the reason.
func TestQueryCaseProgress(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c, u, rep := progressCase(t, ts, 0x9a1)
	otherW := webtest.NewWorld(ts, 0x9a2)
	other, _ := otherW.UnitWithRep(t, "示范别家贸易有限公司", "孙别家")

	doc := ts.GetHTML(t, progressURL(c.Number, u.USCC), http.StatusOK)
	webtest.CheckPage(t, ts, "/query", doc)
	got := doc.Must(t, `[data-case-progress="submitted"]`)
	txt := got.TextContent()
	for _, want := range []string{c.Number, c.ItemName, "已申请", "提交申请", time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")} {
		if !strings.Contains(txt, want) {
			t.Errorf("the progress lacks %q: %s", want, txt)
		}
	}
	page := doc.TextContent()
	for _, secret := range []string{u.Name, rep.Name, ident.MaskName(rep.Name), "孙查询", ident.MaskName("孙查询")} {
		if strings.Contains(page, secret) {
			t.Errorf("the look-up shows %q", secret)
		}
	}
	if doc.First(`[data-case-progress="none"]`) != nil || strings.Contains(page, "登录单位用户中心") {
		t.Error("a found case shows the miss or the correction hint")
	}

	// Every miss is one answer: the number with another unit's USCC, an unknown
	// number with the unit's own, an unknown number with another's.
	unknown := c.Number[:8] + "999999"
	var answers []string
	for _, target := range []string{progressURL(c.Number, other.USCC), progressURL(unknown, u.USCC), progressURL(unknown, other.USCC)} {
		rec := ts.Get(t, target)
		if rec.Code != http.StatusNotFound {
			t.Fatalf("%s: %d, want 404", target, rec.Code)
		}
		miss := webtest.ParseHTML(t, rec.Body.String())
		if miss.First(`[data-case-progress]:not([data-case-progress="none"])`) != nil {
			t.Errorf("%s: a miss shows a progress", target)
		}
		answers = append(answers, miss.Must(t, `[data-case-progress="none"]`).TextContent())
		if s := miss.TextContent(); strings.Contains(s, c.ItemName) || strings.Contains(s, u.Name) || strings.Contains(s, other.Name) {
			t.Errorf("%s: a miss tells the item or a unit", target)
		}
	}
	for i, a := range answers {
		if a != cases.MsgNoProgress {
			t.Errorf("miss %d says %q, want %q", i, a, cases.MsgNoProgress)
		}
	}

	ctx := context.Background()
	clerk := stafftest.Insert(t, ts.DB, "qclerk", "职员", staff.RolesOf(staff.RoleClerk), time.Now().UTC())
	reviewer := stafftest.Insert(t, ts.DB, "qreview", "职员", staff.RolesOf(staff.RoleReviewer), time.Now().UTC())
	if _, err := ts.Cases.Accept(ctx, staff.Actor{StaffID: clerk, Login: "qclerk", Roles: staff.RolesOf(staff.RoleClerk)}, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	const reason = "缺少劳动合同复印件，请补充"
	if _, err := ts.Cases.Return(ctx, staff.Actor{StaffID: reviewer, Login: "qreview", Roles: staff.RolesOf(staff.RoleReviewer)}, c.ID, reason); err != nil {
		t.Fatal(err)
	}
	doc = ts.GetHTML(t, progressURL(c.Number, strings.ToLower(u.USCC)), http.StatusOK)
	got = doc.Must(t, `[data-case-progress="returned"]`)
	txt = got.TextContent()
	for _, want := range []string{"退回补正", "提交申请", "受理", "登录单位用户中心"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the returned case lacks %q: %s", want, txt)
		}
	}
	if got.First(`a[href="/unit/cases"]`) == nil {
		t.Error("the returned case does not lead to 单位办件 to correct it")
	}
	if n := len(got.All(".case-timeline li")); n != 3 {
		t.Errorf("timeline of %d steps, want 3", n)
	}
	if strings.Contains(doc.TextContent(), "劳动合同") {
		t.Error("the look-up shows the reason of the return")
	}
}

// TestQueryCaseProgressInput: fields that are not well formed are refused beside
// them, echoed, and cost nothing: no look-up is counted.
func TestQueryCaseProgressInput(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c, u, _ := progressCase(t, ts, 0x9a3)
	for _, tc := range []struct {
		name, number, uscc string
		numberMsg, usccMsg string
	}{
		{"both empty", "", "", cases.MsgNumberEmpty, cases.MsgUSCCEmpty},
		{"short number", "2026041", u.USCC, cases.MsgNumberFormat, ""},
		{"not a day", "20261399000001", u.USCC, cases.MsgNumberFormat, ""},
		{"USCC check character", c.Number, u.USCC[:17] + map[bool]string{true: "1", false: "0"}[u.USCC[17] == '0'], "", ident.ErrUSCCCheck.Msg},
		{"USCC too short", c.Number, "9132", "", ident.ErrUSCCFormat.Msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := ts.GetHTML(t, progressURL(tc.number, tc.uscc), http.StatusOK)
			for field, want := range map[string]string{"number": tc.numberMsg, "uscc": tc.usccMsg} {
				e := doc.First("#e-" + field)
				switch {
				case want == "" && e != nil:
					t.Errorf("%s: message %q on a good value", field, e.TextContent())
				case want != "" && (e == nil || e.TextContent() != want):
					t.Errorf("%s: no message %q beside the field", field, want)
				}
			}
			if v := doc.Must(t, "input#f-number").AttrOr("value"); v != tc.number {
				t.Errorf("number echoed as %q", v)
			}
			if doc.First("[data-case-progress]") != nil {
				t.Error("a refused look-up answers")
			}
		})
	}
	// Refused look-ups are not counted: past the limit's number of them, a good one is answered.
	for range cases.ProgressAddrLimits.LockAfter {
		ts.GetHTML(t, progressURL("1", u.USCC), http.StatusOK)
	}
	ts.GetHTML(t, progressURL(c.Number, u.USCC), http.StatusOK).Must(t, `[data-case-progress="submitted"]`)
}

// TestQueryCaseProgressRateLimit: an address gets cases.ProgressAddrLimits.LockAfter
// look-ups a window, found or not; the next is refused (429 with Retry-After)
// before any look-up, with the time beside the form.
func TestQueryCaseProgressRateLimit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c, u, _ := progressCase(t, ts, 0x9a4)
	start := time.Now()
	for i := range cases.ProgressAddrLimits.LockAfter {
		target, want := progressURL(c.Number[:8]+"999999", u.USCC), http.StatusNotFound
		if i%2 == 0 {
			target, want = progressURL(c.Number, u.USCC), http.StatusOK
		}
		if rec := ts.Get(t, target); rec.Code != want {
			t.Fatalf("look-up %d: %d, want %d", i+1, rec.Code, want)
		}
	}
	rec := ts.Get(t, progressURL(c.Number, u.USCC))
	webtest.WantStatus(t, "look-up past the limit", rec, http.StatusTooManyRequests)
	webtest.WantRetryAfterAbout(t, "look-up past the limit", rec, cases.ProgressAddrLimits.LockFor, start)
	doc := webtest.ParseHTML(t, rec.Body.String())
	if msg := doc.Must(t, `[data-case-progress="none"]`).TextContent(); !strings.Contains(msg, "查询过于频繁") {
		t.Errorf("the refusal says %q", msg)
	}
	if doc.First(`[data-case-progress="submitted"]`) != nil {
		t.Error("the refused look-up answers")
	}
}

// TestQueryCaseProgressUSCCLimit: look-ups of one unit's cases from many addresses
// count together: after cases.ProgressUSCCLimits.LockAfter of them (hits and
// misses alike) the next, from an address that asked nothing yet, is refused like
// an address past its share (429, Retry-After, the same message); another unit's
// USCC from that address is still answered.
func TestQueryCaseProgressUSCCLimit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c, u, _ := progressCase(t, ts, 0x9a5)
	from := func(target string, i int) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.RemoteAddr = fmt.Sprintf("198.51.%d.%d:40000", i/250, i%250+1)
		return ts.Do(t, r)
	}
	start := time.Now()
	for i := range cases.ProgressUSCCLimits.LockAfter {
		target, want := progressURL(c.Number[:8]+fmt.Sprintf("%06d", 900000+i), u.USCC), http.StatusNotFound
		if i%10 == 0 {
			target, want = progressURL(c.Number, u.USCC), http.StatusOK
		}
		if rec := from(target, i); rec.Code != want {
			t.Fatalf("look-up %d: %d, want %d", i+1, rec.Code, want)
		}
	}
	fresh := cases.ProgressUSCCLimits.LockAfter
	rec := from(progressURL(c.Number, u.USCC), fresh)
	webtest.WantStatus(t, "look-up past the USCC's limit", rec, http.StatusTooManyRequests)
	webtest.WantRetryAfterAbout(t, "look-up past the USCC's limit", rec, cases.ProgressUSCCLimits.LockFor, start)
	doc := webtest.ParseHTML(t, rec.Body.String())
	if msg := doc.Must(t, `[data-case-progress="none"]`).TextContent(); !strings.Contains(msg, "查询过于频繁") {
		t.Errorf("the refusal says %q", msg)
	}
	if doc.First(`[data-case-progress="submitted"]`) != nil {
		t.Error("the refused look-up answers")
	}
	other, otherUnit, _ := progressCase(t, ts, 0x9a6)
	if rec := from(progressURL(other.Number, otherUnit.USCC), fresh); rec.Code != http.StatusOK {
		t.Errorf("another unit's look-up from the same address: %d, want 200", rec.Code)
	}
}
