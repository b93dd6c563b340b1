package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/unit"
	"hall/internal/validity"
	"hall/internal/web/webtest"
)

// B2 at the counter: the clerk looks the unit up (its administrator shown masked),
// records the replacement with the three scans; a reviewer approves; the new
// administrator confirms in the app and holds the role, the old one's is gone.
func TestAdminChangeAtCounter(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 91)
	u, _ := w.UnitWithRep(t, "示范管理员变更有限公司", "韦法人")
	old, next := w.Person(t, "韦旧管"), w.Person(t, "韦新管")
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: old.ID, Role: unit.RoleAdmin, Status: unit.StatusActive}, "")
	clerk, reviewer, _ := tm.signIn(t, ts)

	rec := clerk.Get(t, "/admin/counter/admin-change?unit="+url.QueryEscape(u.UnitNumber))
	webtest.WantStatus(t, "lookup", rec, http.StatusOK)
	doc := webtest.ParseHTML(t, rec.Body.String())
	webtest.CheckPage(t, ts, "/admin/counter/admin-change", doc)
	if got := doc.Must(t, "[data-unit-name]").TextContent(); got != u.Name || !strings.Contains(doc.TextContent(), old.MaskedID()) ||
		strings.Contains(rec.Body.String(), old.IDNumber) {
		t.Errorf("the unit found: %q; the current admin masked: %v", got, strings.Contains(doc.TextContent(), old.MaskedID()))
	}
	replace := doc.Must(t, `input[name="replace"]`).AttrOr("value")

	until := validity.Day(time.Now().AddDate(1, 0, 0))
	form := url.Values{"unit": {u.USCC}, "replace": {replace}, "name": {next.Name}, "id_type": {string(next.IDType)},
		"id_number": {next.IDNumber}, "mobile": {next.Mobile}, "valid_until": {until}, "reason": {"经办人持授权委托书申请更换管理员"}}
	png := webtest.ScanPNG(t)
	// Two of the three documents: refused above the form.
	rec = clerk.PostFiles(t, "/admin/counter/admin-change", form, webtest.FormFile{Field: "scan_licence", Name: "doc.png", Body: png}, webtest.FormFile{Field: "scan_id", Name: "doc.png", Body: png})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "请上传所需的全部材料扫描件") {
		t.Fatalf("two scans: %d\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	past := url.Values{}
	for k, v := range form {
		past[k] = v
	}
	past.Set("valid_until", "2020-01-01")
	rec = clerk.PostFiles(t, "/admin/counter/admin-change", past)
	if d := webtest.ParseHTML(t, rec.Body.String()); d.First("#e-valid_until") == nil {
		t.Errorf("a past end date is not refused beside its field\n%s", webtest.ShortBody(rec.Body.String()))
	}
	rec = clerk.PostFiles(t, "/admin/counter/admin-change", form,
		webtest.FormFile{Field: "scan_licence", Name: "doc.png", Body: png}, webtest.FormFile{Field: "scan_id", Name: "doc.png", Body: png}, webtest.FormFile{Field: "scan_authorization", Name: "doc.png", Body: png})
	webtest.WantStatus(t, "submit", rec, http.StatusSeeOther)
	request := rec.Header().Get("Location")
	page := reviewer.Get(t, request).Body.String()
	if !strings.Contains(page, next.MaskedID()) || strings.Count(page, `href="/admin/scans/`) != 3 {
		t.Errorf("the request page lacks the nominee or the three scans")
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, request+"/approve", url.Values{"reason": {"材料齐全，授权委托书有效"}}), request)
	wantAudited(t, ts, "counter.approve", tm.reviewer.Staff.ID, "reviewer", "材料齐全，授权委托书有效")

	m, err := webtest.MembershipOf(t, ts, u.ID, next.ID)
	if err != nil || m.Role != unit.RoleAdmin || m.Status != unit.StatusPending {
		t.Fatalf("the new admin before confirming: %+v, %v", m, err)
	}
	var invitation string
	if err := ts.DB.QueryRow(context.Background(), `SELECT id FROM invitations WHERE membership_id = ?`, m.ID).Scan(&invitation); err != nil {
		t.Fatal(err)
	}
	webtest.ConfirmInvitation(t, ts, invitation, next, "Unit#Admin2026")
	if m, err := webtest.MembershipOf(t, ts, u.ID, next.ID); err != nil || m.Status != unit.StatusActive {
		t.Errorf("the new admin after confirming: %+v, %v", m, err)
	}
	if m, err := webtest.MembershipOf(t, ts, u.ID, old.ID); err == nil && m.Status != unit.StatusRevoked {
		t.Errorf("the old admin keeps the role: %+v", m)
	}
}
