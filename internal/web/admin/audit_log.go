package admin

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/staff"
	"hall/internal/web"
)

// auditPage is the auditor's search of the audit log, its results and the export
// form.
type auditPage struct {
	Form     *web.Form // the search (query string)
	Export   *web.Form // the export's reason
	Query    url.Values
	Entries  []audit.Entry
	Total    int
	Pager    web.Pager
	Searched bool
	// Chain is the hash chain's state, after 校验哈希链 (nil before).
	Chain *chainState
}

// chainState is the verification of the audit log's hash chain, and of the chain
// against the anchor file, as the page says it.
type chainState struct {
	audit.VerifyResult
	Why string // the broken link's cause in Chinese
	// Anchors is the chain checked against the anchor file (the check of `hall
	// audit verify`); AnchorWhy its failure in Chinese; Lost, for a chain cut back
	// below an anchor, the anchored entries missing from its end.
	Anchors   audit.AnchorResult
	AnchorWhy string
	Lost      int64
}

// anchorReasons are the causes of a chain that disagrees with its anchor file.
var anchorReasons = map[audit.AnchorReason]string{
	audit.AnchorUnreadable: "锚定记录无法读取（锚定文件被改动）",
	audit.AnchorSignature:  "锚定记录签名无效（锚定文件被改动或伪造）",
	audit.AnchorHash:       "所锚定记录的哈希值与哈希链不符（哈希链自该处被重写）",
	audit.AnchorMissing:    "所锚定的记录已不在哈希链中（记录被删除）",
	audit.AnchorTruncated:  "哈希链末尾的记录被删除，链头低于已锚定的位置",
}

// chainReasons are the causes of a broken chain.
var chainReasons = map[audit.Reason]string{
	audit.ReasonHash: "记录内容与其哈希值不符（记录被修改）",
	audit.ReasonPrev: "记录与前一条记录的链接不符（记录被替换或插入）",
	audit.ReasonGap:  "序号缺失（记录被删除）",
	audit.ReasonHead: "链头与最后一条记录不符（末尾记录被删除）",
}

// auditPerPage is the length of a page of the audit log.
const auditPerPage = 50

// auditQuery reads the search from values, with a message beside each field it
// cannot read. Dates are days in Asia/Shanghai; "until" includes its day.
func auditQuery(values url.Values, f *web.Form) staff.AuditQuery {
	var q staff.AuditQuery
	for name, dst := range map[string]*int64{"unit": &q.UnitID, "person": &q.PersonID, "staff": &q.StaffID} {
		if v := f.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				f.Fail(name, "请填写数字编号")
			}
			*dst = n
		}
	}
	q.Action = f.Get("action")
	for name, dst := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
		if v := f.Get(name); v != "" {
			day, err := time.ParseInLocation("2006-01-02", v, web.Shanghai)
			if err != nil {
				f.Fail(name, "请按 年-月-日 填写日期，如 2026-01-31")
			}
			*dst = day
		}
	}
	if !q.Until.IsZero() {
		q.Until = q.Until.AddDate(0, 0, 1)
	}
	q.Page, _ = strconv.Atoi(values.Get("page"))
	q.Page, q.PerPage = max(q.Page, 1), auditPerPage
	return q
}

// searchForm is the search form over the query string.
func searchForm(r *http.Request) *web.Form {
	f := web.NewForm(nil)
	f.Values = r.URL.Query()
	return f
}

// auditLog is GET /admin/audit: the search (auditors; never their own entries).
func (h *handler) auditLog(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderAudit(w, r, sr, http.StatusOK, web.NewForm(nil))
}

func (h *handler) renderAudit(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, export *web.Form) error {
	return h.renderAuditPage(w, r, sr, status, auditPage{Export: export})
}

// auditVerify is POST /admin/audit/verify: the hash chain checked on its own and
// against the anchor file (staff.AuditChain, audited), shown above the search.
func (h *handler) auditVerify(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	res, err := h.Staff.AuditChain(r.Context(), sr.actor)
	if err != nil {
		return refused(err)
	}
	cs := &chainState{VerifyResult: res.Chain, Why: chainReasons[res.Chain.Reason], Anchors: res.Anchors,
		AnchorWhy: anchorReasons[res.Anchors.Reason]}
	if res.Anchors.Reason == audit.AnchorTruncated {
		cs.Lost = res.Anchors.Anchor.Seq - res.Anchors.HeadSeq
	}
	return h.renderAuditPage(w, r, sr, http.StatusOK, auditPage{Export: web.NewForm(nil), Chain: cs})
}

func (h *handler) renderAuditPage(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, p auditPage) error {
	f := searchForm(r)
	q := auditQuery(r.URL.Query(), f)
	p.Form, p.Query = f, withoutPage(r.URL.Query())
	// A search was sent (the form's fields are in the query, even empty): show it.
	if f.OK() && r.URL.RawQuery != "" {
		es, total, err := h.Staff.AuditLog(r.Context(), sr.actor, q)
		if errors.Is(err, staff.DenyAuditSelf) {
			f.Fail("staff", staff.Message(err))
			return h.Render(w, r, status, "admin-audit", "审计日志", "audit", p)
		}
		if err != nil {
			return refused(err)
		}
		p.Entries, p.Total, p.Searched = es, total, true
		pages := max((total+auditPerPage-1)/auditPerPage, 1)
		p.Pager = web.NewPager(q.Page, pages, func(n int) string {
			v := withoutPage(r.URL.Query())
			v.Set("page", strconv.Itoa(n))
			return "/admin/audit?" + v.Encode()
		})
	}
	return h.Render(w, r, status, "admin-audit", "审计日志", "audit", p)
}

// withoutPage is the search without its page number (for the pager and the export).
func withoutPage(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != "page" && len(vs) > 0 && vs[0] != "" {
			out[k] = vs[:1]
		}
	}
	return out
}

// auditExport is POST /admin/audit/export?…: the search's entries as CSV, with the
// reason typed (staff.ExportAudit audits it). Refusals show the search page again.
func (h *handler) auditExport(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	// Another role gets the refusal, not the audit page with a complaint about the reason.
	if err := allow(sr.actor, staff.ActionAuditExport); err != nil {
		return err
	}
	export := web.NewForm(r)
	f := searchForm(r)
	q := auditQuery(r.URL.Query(), f)
	if !f.OK() {
		return h.renderAudit(w, r, sr, http.StatusOK, export)
	}
	var csv bytes.Buffer
	_, err := h.Staff.ExportAudit(r.Context(), sr.actor, q, export.Values.Get("reason"), &csv)
	switch {
	case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
		export.Fail("reason", staff.Message(err))
		return h.renderAudit(w, r, sr, http.StatusOK, export)
	case err != nil:
		return refused(err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(web.Shanghai).Format("20060102-150405")+`.csv"`)
	_, err = w.Write(csv.Bytes())
	return err
}
