package staff

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
)

// The auditor's view of the audit log (审计员). It reads and changes nothing, and
// never shows an auditor their own actions: nobody audits themselves, so a query
// that names the auditor is refused (DenyAuditSelf) and every other query leaves
// the auditor's entries out; another auditor reads them.

// AuditQuery is the auditor's search: by unit, person, staff member, action prefix
// and time, paged (audit.Filter's limits).
type AuditQuery struct {
	UnitID   int64
	PersonID int64
	StaffID  int64
	Action   string
	Since    time.Time
	Until    time.Time
	Page     int
	PerPage  int
}

func (q AuditQuery) filter(auditor int64) audit.Filter {
	return audit.Filter{UnitID: q.UnitID, PersonID: q.PersonID, StaffID: q.StaffID, ExcludeStaffID: auditor,
		Action: q.Action, Since: q.Since, Until: q.Until, Page: q.Page, PerPage: q.PerPage}
}

func (q AuditQuery) detail() map[string]string {
	d := map[string]string{}
	for k, v := range map[string]int64{"unit": q.UnitID, "person": q.PersonID, "staff": q.StaffID} {
		if v != 0 {
			d[k] = strconv.FormatInt(v, 10)
		}
	}
	if q.Action != "" {
		d["action"] = q.Action
	}
	if !q.Since.IsZero() {
		d["since"] = q.Since.UTC().Format(time.RFC3339)
	}
	if !q.Until.IsZero() {
		d["until"] = q.Until.UTC().Format(time.RFC3339)
	}
	return d
}

// AuditLog returns a page of the audit log matching q, newest first, and the number
// of matching entries, for an auditor; the query itself is audited ("audit.read").
// Errors: a *Denial (DenyAuditSelf when q names the auditor); database failures.
func (s *Service) AuditLog(ctx context.Context, actor Actor, q AuditQuery) ([]audit.Entry, int, error) {
	role, err := s.authorize(ctx, actor, ActionAuditRead, Subject{StaffID: q.StaffID}, "audit")
	if err != nil {
		return nil, 0, err
	}
	es, total, err := s.d.Audit.List(ctx, q.filter(actor.StaffID))
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.d.Audit.Record(ctx, actor.Entry(role, "audit.read", "audit", "", q.detail())); err != nil {
		return nil, 0, err
	}
	return es, total, nil
}

// MaxExportRows bounds one CSV export; narrow the query for more.
const MaxExportRows = 100_000

// ExportAudit writes every entry matching q (newest first, at most MaxExportRows) to
// w as CSV with a header row, UTF-8 with a byte-order mark so that spreadsheet
// programs on Chinese Windows read it; the export is audited ("audit.export", with
// the reason and the number of rows). It returns the number of rows written.
// Errors: ErrReasonRequired, ErrReasonTooLong; a *Denial; write or database failures.
func (s *Service) ExportAudit(ctx context.Context, actor Actor, q AuditQuery, reason string, w io.Writer) (int, error) {
	reason, err := CheckReason(reason)
	if err != nil {
		return 0, err
	}
	role, err := s.authorize(ctx, actor, ActionAuditExport, Subject{StaffID: q.StaffID}, "audit")
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"序号", "时间(UTC)", "个人", "单位", "角色", "工作人员", "操作", "对象", "结果", "客户端地址", "请求号", "详情"}); err != nil {
		return 0, err
	}
	f := q.filter(actor.StaffID)
	f.PerPage = audit.MaxPerPage
	n := 0
	for f.Page = 1; n < MaxExportRows; f.Page++ {
		es, _, err := s.d.Audit.List(ctx, f)
		if err != nil {
			return n, err
		}
		for _, e := range es {
			if err := cw.Write(exportRow(e)); err != nil {
				return n, err
			}
			if n++; n >= MaxExportRows {
				break
			}
		}
		if len(es) < f.PerPage {
			break
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	d := q.detail()
	d["rows"] = strconv.Itoa(n)
	_, err = s.d.Audit.Record(ctx, actor.Entry(role, "audit.export", "audit", reason, d))
	return n, err
}

func exportRow(e audit.Entry) []string {
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	var detail []string
	for _, k := range slices.Sorted(maps.Keys(e.Detail)) {
		detail = append(detail, k+"="+e.Detail[k])
	}
	row := []string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), id(e.PersonID), id(e.UnitID), e.Role,
		id(e.StaffID), e.Action, e.Target, string(e.Result), e.ClientIP, e.RequestID, strings.Join(detail, "; ")}
	for i, v := range row {
		// A cell a spreadsheet would take for a formula is prefixed, so that opening
		// the export cannot run what someone typed into a form (CSV injection).
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			row[i] = "'" + v
		}
	}
	return row
}

// ChainCheck is the audit log checked as `hall audit verify` checks it: the hash
// chain on its own, and the chain against the anchor file (a chain cut back below
// an anchor verifies on its own; only the anchors tell).
type ChainCheck struct {
	Chain   audit.VerifyResult
	Anchors audit.AnchorResult
}

// OK reports whether both checks passed (a missing anchor file is no failure: a new
// hall has none until `hall serve` writes the first).
func (c ChainCheck) OK() bool { return c.Chain.OK && (!c.Anchors.Present || c.Anchors.OK) }

// AuditChain checks the audit log's hash chain and its anchor file for an auditor
// (the chain's state on the audit page). Audit: "audit.verify". Errors: a *Denial;
// database failures; failures to read the anchor file.
func (s *Service) AuditChain(ctx context.Context, actor Actor) (ChainCheck, error) {
	role, err := s.authorize(ctx, actor, ActionAuditVerify, Subject{}, "audit")
	if err != nil {
		return ChainCheck{}, err
	}
	var c ChainCheck
	if c.Chain, err = s.d.Audit.Verify(ctx); err != nil {
		return c, err
	}
	if s.d.AuditAnchorFile != "" {
		if c.Anchors, err = s.d.Audit.VerifyAnchors(ctx, s.d.AuditAnchorFile); err != nil {
			return c, err
		}
	}
	detail := map[string]string{"ok": strconv.FormatBool(c.Chain.OK), "count": fmt.Sprint(c.Chain.Count),
		"anchors_present": strconv.FormatBool(c.Anchors.Present)}
	if c.Anchors.Present {
		detail["anchors_ok"] = strconv.FormatBool(c.Anchors.OK)
		if !c.Anchors.OK {
			detail["anchors_reason"] = string(c.Anchors.Reason)
		}
	}
	_, err = s.d.Audit.Record(ctx, actor.Entry(role, "audit.verify", "audit", "", detail))
	return c, err
}
