package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// The auditor searches the audit log (never their own entries), pages through it
// and exports it as CSV with a typed reason; other roles are refused.
func TestAuditLogSearchAndExport(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)
	for range 3 {
		clerk.Post(t, "/admin/login", url.Values{"login": {"no.such.person"}, "password": {"x"}, "code": {"000000"}})
	}
	auditor := newStaffClient(ts)
	auditor.login(t, tm.auditor)

	webtest.WantStatus(t, "the search form", auditor.Get(t, "/admin/audit"), http.StatusOK)
	doc := webtest.ParseHTML(t, auditor.Get(t, "/admin/audit?action=staff.login").Body.String())
	rows := doc.All("table.data tbody tr")
	if len(rows) != 4 { // the clerk's login and three unknown logins; not the auditor's own
		t.Errorf("staff.login entries: %d rows, want 4", len(rows))
	}
	for _, r := range rows {
		if cells := r.All("td"); len(cells) < 5 || cells[4].TextContent() == strconv.FormatInt(tm.auditor.Staff.ID, 10) {
			t.Errorf("the auditor sees their own entry: %q", r.TextContent())
		}
	}

	own := "/admin/audit?staff=" + strconv.FormatInt(tm.auditor.Staff.ID, 10)
	doc = webtest.ParseHTML(t, auditor.Get(t, own).Body.String())
	if got := doc.Must(t, "#e-staff").TextContent(); got != staff.DenyAuditSelf.Msg {
		t.Errorf("own entries: %q, want %q", got, staff.DenyAuditSelf.Msg)
	}
	doc = webtest.ParseHTML(t, auditor.Get(t, "/admin/audit?since=2026-13-40").Body.String())
	if doc.First("#e-since") == nil {
		t.Error("a malformed date has no message beside it")
	}

	rec := auditor.Post(t, "/admin/audit/export?action=staff.login", url.Values{"reason": {""}})
	doc = webtest.ParseHTML(t, rec.Body.String())
	if got := doc.Must(t, "#e-reason").TextContent(); got != staff.ErrReasonRequired.Msg {
		t.Errorf("export without a reason: %q", got)
	}
	rec = auditor.Post(t, "/admin/audit/export?action=staff.login", url.Values{"reason": {"配合等级保护测评"}})
	webtest.WantStatus(t, "export", rec, http.StatusOK)
	body := rec.Body.String()
	if !strings.HasPrefix(body, "\uFEFF序号,") || strings.Count(body, "staff.login") != 4 ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Errorf("export: %q\n%s", rec.Header(), webtest.ShortBody(body))
	}

	for _, target := range []string{"/admin/audit", "/admin/audit?action=staff"} {
		rec := clerk.Get(t, target)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), staff.DenyRole.Msg) {
			t.Errorf("clerk GET %s: %d, want 403", target, rec.Code)
		}
	}
	rec = clerk.Post(t, "/admin/audit/export", url.Values{"reason": {"好奇"}})
	webtest.WantStatus(t, "clerk exports", rec, http.StatusForbidden)
}

// 校验哈希链 shows the chain whole, and where it breaks once a record is changed.
func TestAuditChainState(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	auditor := newStaffClient(ts)
	auditor.login(t, tm.auditor)

	rec := auditor.Post(t, "/admin/audit/verify", url.Values{})
	webtest.WantStatus(t, "verify", rec, http.StatusOK)
	webtest.ParseHTML(t, rec.Body.String()).Must(t, `[data-chain="ok"]`)

	// As someone with database access would: drop the append-only guard (the test
	// database is SQLite), then change a record.
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET action = 'staff.rename' WHERE seq = 2"} {
		if _, err := ts.DB.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	rec = auditor.Post(t, "/admin/audit/verify", url.Values{})
	broken := webtest.ParseHTML(t, rec.Body.String()).Must(t, `[data-chain="broken"]`).TextContent()
	if !strings.Contains(broken, "第 2 条") || !strings.Contains(broken, "记录被修改") {
		t.Errorf("tampered chain: %q", broken)
	}

	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)
	webtest.WantStatus(t, "clerk verifies", clerk.Post(t, "/admin/audit/verify", url.Values{}), http.StatusForbidden)
}

// 校验哈希链 checks the anchor file too (as `hall audit verify`): it says when there
// is none, agrees with it, and shows a chain cut back below an anchor as truncated,
// although the chain alone still verifies.
func TestAuditChainAnchorsShown(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	auditor := newStaffClient(ts)
	auditor.login(t, tm.auditor)
	verify := func(want string) *webtest.HTMLNode {
		t.Helper()
		rec := auditor.Post(t, "/admin/audit/verify", url.Values{})
		webtest.WantStatus(t, "verify", rec, http.StatusOK)
		return webtest.ParseHTML(t, rec.Body.String()).Must(t, `[data-anchors="`+want+`"]`)
	}
	verify("absent")

	path := ts.Config.AuditAnchorFile
	first, _, err := ts.Audit.WriteAnchor(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	verify("ok") // records audit.verify: the chain grows past the anchor
	newest, _, err := ts.Audit.WriteAnchor(t.Context(), path)
	if err != nil || newest.Seq <= first.Seq {
		t.Fatalf("second anchor %+v, %v", newest, err)
	}
	if ok := verify("ok").TextContent(); !strings.Contains(ok, "2 个锚点") {
		t.Errorf("anchors agree: %q", ok)
	}

	// Cut back to the first anchor (the test database is SQLite): guards dropped,
	// the newest rows deleted, the head moved back.
	for _, q := range []string{"DROP TRIGGER audit_log_no_delete", "DROP TRIGGER audit_head_advance",
		"DELETE FROM audit_log WHERE seq > " + strconv.FormatInt(first.Seq, 10)} {
		if _, err := ts.DB.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := ts.DB.Exec(t.Context(), "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", first.Seq, first.Hash); err != nil {
		t.Fatal(err)
	}
	rec := auditor.Post(t, "/admin/audit/verify", url.Values{})
	doc := webtest.ParseHTML(t, rec.Body.String())
	doc.Must(t, `[data-chain="ok"]`) // the chain alone cannot tell
	cut := doc.Must(t, `[data-anchors="truncated"]`).TextContent()
	lost := strconv.FormatInt(newest.Seq-first.Seq, 10)
	if !strings.Contains(cut, "哈希链被截短") || !strings.Contains(cut, "第 "+strconv.FormatInt(newest.Seq, 10)+" 条") ||
		!strings.Contains(cut, "已锚定的 "+lost+" 条记录缺失") {
		t.Errorf("truncated chain: %q", cut)
	}
}
