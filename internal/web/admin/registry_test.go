package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/web/webtest"
)

// The registry sync's page: a clerk runs 立即同步 with a reason and the rename the
// registry recorded is applied and listed, newest first, with its origin; a
// reviewer reads the list without the button; the auditor is refused.
func TestRegistryChangesAndSyncNow(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 41)
	u, rep := w.UnitWithRep(t, "示范登记同步有限公司", "孔法人")
	clerk, reviewer, auditor := tm.signIn(t, ts)
	if err := ts.DB.Tx(context.Background(), func(tx *store.Tx) error {
		_, err := ts.DevRegistry.Upsert(context.Background(), tx, registry.Entry{USCC: u.USCC, Name: "示范登记同步（集团）有限公司",
			UnitType: registry.UnitEnterprise, LegalRepIDType: rep.IDType, LegalRepIDNumber: rep.IDNumber, LegalRepName: rep.Name,
			RegisteredAt: time.Date(2015, 4, 1, 0, 0, 0, 0, time.UTC), Region: "320102", Status: registry.StatusActive})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	rec := clerk.Post(t, "/admin/registry/sync", url.Values{"reason": {""}})
	if doc := webtest.ParseHTML(t, rec.Body.String()); rec.Code != http.StatusOK || doc.First("#e-reason") == nil {
		t.Fatalf("sync without a reason: %d\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	rec = clerk.Post(t, "/admin/registry/sync", url.Values{"reason": {"单位来电称已更名"}})
	// Post, redirect, get: a reload of the list does not sync again.
	webtest.WantRedirect(t, "sync", rec, "/admin/registry?changed=1&seen=1")
	doc := clerk.Page(t, rec.Header().Get("Location"), http.StatusOK)
	if got := doc.Must(t, "[data-sync-report]").TextContent(); !strings.Contains(got, "其中 1 条改变了单位账户") {
		t.Errorf("sync report %q", got)
	}
	rows := doc.Texts("table.data tbody tr")
	if len(rows) != 2 || !strings.Contains(rows[0], "立即同步") || !strings.Contains(rows[0], "单位来电称已更名") ||
		!strings.Contains(rows[1], "单位名称变更") || !strings.Contains(rows[1], "示范登记同步（集团）有限公司") ||
		!strings.Contains(rows[1], "工作人员立即同步") {
		t.Errorf("changes listed %q", rows)
	}
	if got, _ := ts.Units.Get(context.Background(), u.ID); got.Name != "示范登记同步（集团）有限公司" {
		t.Errorf("the unit's name after the sync: %q", got.Name)
	}

	doc = reviewer.Page(t, "/admin/registry", http.StatusOK)
	if doc.First(`form[action="/admin/registry/sync"]`) != nil || len(doc.Texts("table.data tbody tr")) != 2 {
		t.Error("the reviewer's list offers the sync, or lacks the changes")
	}
	if rec := reviewer.Post(t, "/admin/registry/sync", url.Values{"reason": {"x"}}); rec.Code != http.StatusForbidden {
		t.Errorf("reviewer syncs: %d, want 403", rec.Code)
	}
	if rec := auditor.Get(t, "/admin/registry"); rec.Code != http.StatusForbidden {
		t.Errorf("auditor lists registry changes: %d, want 403", rec.Code)
	}
}
