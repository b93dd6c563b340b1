package staff

import (
	"bytes"
	"encoding/csv"
	"errors"
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
		if err != nil || !res.OK {
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
