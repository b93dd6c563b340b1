package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/staff"
	"hall/internal/web"
)

// registryChange is one change applied from the market regulator's registry (or a
// 立即同步 run), as the list shows it.
type registryChange struct {
	At      time.Time
	Label   string
	UnitID  int64
	Summary string
	Via     string
	StaffID int64
}

var registryActionLabels = map[string]string{
	"registry.legal_rep_change": "法定代表人变更",
	"registry.unit_rename":      "单位名称变更",
	"registry.unit_close":       "单位注销",
	"registry.sync":             "立即同步",
}

var registryViaLabels = map[string]string{
	"import":   "导入登记数据",
	"schedule": "定时同步",
	"staff":    "工作人员立即同步",
}

// viewRegistryChange summarizes an audit record of registrysync for the list.
func viewRegistryChange(e audit.Entry) registryChange {
	d := e.Detail
	c := registryChange{At: e.At, Label: registryActionLabels[e.Action], UnitID: e.UnitID, StaffID: e.StaffID,
		Via: registryViaLabels[d["via"]]}
	if c.Label == "" {
		c.Label = e.Action
	}
	if e.Result != audit.Success {
		c.Label += "（未执行）"
	}
	switch e.Action {
	case "registry.legal_rep_change":
		c.Summary = fmt.Sprintf("登记机关登记的法定代表人为%s（%s）", d["new_name"], d["new_id_number"])
		if d["old_id_number"] != "" {
			c.Summary += fmt.Sprintf("；原法定代表人（%s）的单位角色已撤销", d["old_id_number"])
		}
		if d["new_account"] == "none" {
			c.Summary += "；新法定代表人尚无个人账户，待本人到窗口办理接管"
		} else {
			c.Summary += "；新法定代表人已接任"
		}
		c.Summary += fmt.Sprintf("；结束会话%s个", or0(d["sessions_ended"]))
	case "registry.unit_rename":
		c.Summary = fmt.Sprintf("单位名称由“%s”变更为“%s”", d["from"], d["to"])
	case "registry.unit_close":
		c.Summary = fmt.Sprintf("单位已在登记机关注销，网上办事账户关闭；结束会话%s个", or0(d["sessions_ended"]))
	case "registry.sync":
		c.Summary, c.Via = fmt.Sprintf("读取登记变更%s条，其中%s条改变了单位账户。事由：%s", or0(d["seen"]), or0(d["changed"]), d["reason"]), registryViaLabels["staff"]
	}
	return c
}

func or0(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// registryPage is the list of changes applied, newest first, and the 立即同步 form.
type registryPage struct {
	// Available: this deployment's registry has a change feed (the development
	// table; the HTTP adapter has none yet).
	Available bool
	Changes   []registryChange
	Total     int
	Pager     web.Pager
	// Sync: the actor may run the sync (clerks); Form is its reason.
	Sync bool
	Form *web.Form
	// Synced is what the 立即同步 just done did (nil otherwise).
	Synced *syncSummary
}

// syncSummary is what one 立即同步 did: the registry entries read and how many of
// them changed a unit account. It rides in the URL the sync redirects to, so that
// reloading the page shows it again rather than syncing again.
type syncSummary struct{ Seen, Changed int }

// syncSummaryOf reads the summary from the list's URL; nil when there is none.
func syncSummaryOf(q url.Values) *syncSummary {
	seen, err1 := strconv.Atoi(q.Get("seen"))
	changed, err2 := strconv.Atoi(q.Get("changed"))
	if err1 != nil || err2 != nil || seen < 0 || changed < 0 || changed > seen {
		return nil
	}
	return &syncSummary{Seen: seen, Changed: changed}
}

// registryChanges is GET /admin/registry: the changes applied from the registry
// (registrysync.Syncer.List), newest first, paged.
func (h *handler) registryChanges(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderRegistry(w, r, sr, web.NewForm(nil))
}

func (h *handler) renderRegistry(w http.ResponseWriter, r *http.Request, sr staffRequest, f *web.Form) error {
	p := registryPage{Available: h.RegistrySync != nil, Form: f, Synced: syncSummaryOf(r.URL.Query()),
		Sync: allow(sr.actor, staff.ActionRegistrySync) == nil}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	if p.Available {
		es, total, err := h.RegistrySync.List(r.Context(), sr.actor, 0, page)
		if err != nil {
			return refused(err)
		}
		for _, e := range es {
			p.Changes = append(p.Changes, viewRegistryChange(e))
		}
		p.Total = total
		p.Pager = web.NewPager(page, max((total+audit.DefaultPerPage-1)/audit.DefaultPerPage, 1), func(n int) string {
			return "/admin/registry?page=" + strconv.Itoa(n)
		})
	}
	return h.Render(w, r, http.StatusOK, "admin-registry", "登记信息同步", "registry", p)
}

// registrySync is POST /admin/registry/sync (clerks): 立即同步 with the reason typed
// (registrysync.Syncer.SyncNow, audited), then a redirect to the list with what it
// did, so that a reload does not sync (and audit) again.
func (h *handler) registrySync(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	f := web.NewForm(r)
	if h.RegistrySync == nil {
		return web.StatusError(http.StatusNotFound, "本系统对接的登记机关接口不提供变更数据，无法立即同步。")
	}
	rep, err := h.RegistrySync.SyncNow(r.Context(), sr.actor, f.Values.Get("reason"))
	switch {
	case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
		f.Fail("reason", staff.Message(err))
		return h.renderRegistry(w, r, sr, f)
	case err != nil:
		return refused(err)
	}
	to := url.Values{"seen": {strconv.Itoa(rep.Seen)}, "changed": {strconv.Itoa(len(rep.Changes))}}
	http.Redirect(w, r, "/admin/registry?"+to.Encode(), http.StatusSeeOther)
	return nil
}
