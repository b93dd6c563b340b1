package staff

import (
	"bytes"
	"encoding/csv"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestAuditLog: the auditor reads everyone's actions but their own, exports with a
// reason, and cannot read anything about themselves; other roles cannot read at all.
func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		aud1, _ := f.create(t, sec, "auditor1", RoleAuditor)
		aud2, _ := f.create(t, sec, "auditor2", RoleAuditor)
		clerk, _ := f.create(t, sec, "clerk1", RoleClerk)
		if _, err := f.audit.Record(f.ctx, audit.Entry{StaffID: clerk.StaffID, Action: "counter.submit", Result: audit.Success,
			Detail: map[string]string{"reason": "=HYPERLINK(\"x\")"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.AuditLog(f.ctx, aud1, AuditQuery{}); err != nil { // aud1 now has an "audit.read" entry
			t.Fatal(err)
		}

		es, total, err := f.svc.AuditLog(f.ctx, aud2, AuditQuery{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		sawOther := false
		for _, e := range es {
			if e.StaffID == aud2.StaffID {
				t.Fatalf("auditor2 sees their own entry %+v", e)
			}
			sawOther = sawOther || e.StaffID == aud1.StaffID
		}
		if !sawOther || total != len(es) {
			t.Fatalf("auditor2 does not see auditor1's read (%d of %d)", len(es), total)
		}
		if _, _, err := f.svc.AuditLog(f.ctx, aud2, AuditQuery{StaffID: aud2.StaffID}); !errors.Is(err, DenyAuditSelf) {
			t.Fatalf("auditor queries themselves: %v", err)
		}
		if _, _, err := f.svc.AuditLog(f.ctx, sec, AuditQuery{}); !errors.Is(err, DenyRole) {
			t.Fatalf("security admin reads the audit log: %v", err)
		}
		if _, _, err := f.svc.AuditLog(f.ctx, clerk, AuditQuery{}); !errors.Is(err, DenyRole) {
			t.Fatalf("clerk reads the audit log: %v", err)
		}

		var buf bytes.Buffer
		if _, err := f.svc.ExportAudit(f.ctx, aud1, AuditQuery{StaffID: clerk.StaffID}, "", &buf); err != ErrReasonRequired {
			t.Fatalf("export without reason: %v", err)
		}
		n, err := f.svc.ExportAudit(f.ctx, aud1, AuditQuery{StaffID: clerk.StaffID}, "季度审计", &buf)
		if err != nil || n == 0 {
			t.Fatalf("export: %d rows, %v", n, err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
		if err != nil || len(rows) != n+1 || rows[0][0] != "序号" {
			t.Fatalf("CSV %d rows, %v", len(rows), err)
		}
		for _, r := range rows[1:] {
			if r[5] != itoa(clerk.StaffID) {
				t.Fatalf("row of another staff member: %v", r)
			}
			if strings.HasPrefix(r[11], "=") {
				t.Fatalf("a formula left as is: %q", r[11])
			}
		}
		res, err := f.svc.AuditChain(f.ctx, aud1)
		if err != nil || !res.OK() {
			t.Fatalf("chain: %+v, %v", res, err)
		}
		ex := f.entries(t, "audit.export")
		if len(ex) != 1 || ex[0].Detail["reason"] != "季度审计" || ex[0].StaffID != aud1.StaffID {
			t.Fatalf("export audit %+v", ex)
		}
	})
}

// TestExportRowFormula: a cell a spreadsheet would evaluate is quoted.
func TestExportRowFormula(t *testing.T) {
	for _, v := range []string{"=1+1", "+86", "-x", "@SUM(A1)", "\tx"} {
		row := exportRow(audit.Entry{Target: v})
		if row[7] != "'"+v {
			t.Errorf("%q exported as %q", v, row[7])
		}
	}
	if row := exportRow(audit.Entry{Target: "unit:1"}); row[7] != "unit:1" {
		t.Errorf("plain value changed: %q", row[7])
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestAuditChainAnchors: 校验哈希链 checks the chain against the anchor file as
// `hall audit verify` does: a chain cut back below an anchor verifies on its own,
// and only the anchors tell (the truncation staged as in
// audit.TestAnchorsFindATruncatedChain).
func TestAuditChainAnchors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		aud, _ := f.create(t, sec, "auditor1", RoleAuditor)
		path := filepath.Join(t.TempDir(), "audit-anchor.log")

		c, err := f.svc.AuditChain(f.ctx, aud)
		if err != nil || !c.OK() || c.Anchors.Present {
			t.Fatalf("without an anchor path: %+v, %v", c, err)
		}
		f.svc.d.AuditAnchorFile = path
		if c, err = f.svc.AuditChain(f.ctx, aud); err != nil || !c.OK() || c.Anchors.Present {
			t.Fatalf("before the first anchor: %+v, %v", c, err)
		}
		first, _, err := f.audit.WriteAnchor(f.ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := f.audit.Record(f.ctx, audit.Entry{Action: "counter.submit", Result: audit.Success}); err != nil {
				t.Fatal(err)
			}
		}
		newest, _, err := f.audit.WriteAnchor(f.ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = f.svc.AuditChain(f.ctx, aud); err != nil || !c.OK() || !c.Anchors.OK || c.Anchors.Anchors != 2 {
			t.Fatalf("anchored: %+v, %v", c, err)
		}

		// Cut the chain back to the first anchor, as someone with database access
		// would: guards off, the newest rows deleted, the head moved back.
		guardsOff := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete",
			"DROP TRIGGER audit_log_extends_head", "DROP TRIGGER audit_head_advance", "DROP TRIGGER audit_head_no_delete"}
		if db.Engine == store.Postgres {
			guardsOff = []string{"ALTER TABLE audit_log DISABLE TRIGGER USER", "ALTER TABLE audit_head DISABLE TRIGGER USER"}
		}
		for _, q := range guardsOff {
			if _, err := db.Exec(f.ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := db.Exec(f.ctx, "DELETE FROM audit_log WHERE seq > ?", first.Seq); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(f.ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", first.Seq, first.Hash); err != nil {
			t.Fatal(err)
		}
		c, err = f.svc.AuditChain(f.ctx, aud)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Chain.OK || c.OK() || c.Anchors.Reason != audit.AnchorTruncated || c.Anchors.Anchor != newest ||
			c.Anchors.HeadSeq != first.Seq {
			t.Fatalf("truncated chain: %+v", c)
		}
		es := f.entries(t, "audit.verify")
		if last := es[len(es)-1]; last.Detail["anchors_ok"] != "false" || last.Detail["anchors_reason"] != string(audit.AnchorTruncated) {
			t.Errorf("the check's audit entry: %+v", last.Detail)
		}
	})
}
