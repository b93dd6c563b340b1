package unitdelegation

import (
	"context"
	"errors"
	"hall/internal/web"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/validity"
)

// freshProof is where the re-authentication page of a change sits.
var freshProof = web.FreshProofPage{Section: "agents", SectionLabel: "经办人管理", SectionPath: "/unit/agents",
	Lead: "为保障单位账户安全，设置或更换管理员、添加、修改或删除经办人及其业务授权前，需要再次验证您的身份。"}

// 经办人管理 (SPEC U6) in the unit user center: the page lists the unit's administrator
// and agents with their grants and the paged history; forms (delegation_forms.go) set,
// replace and remove the administrator and add, change and remove agents.
//
// The page is for the legal rep and the administrator. What a viewer may do is
// decided by internal/delegation inside each command (it reads the actor's role from
// the database and takes the unit from the session, never from the form); the page
// only hides the buttons a viewer could not use, so that nobody is offered a dead end.

const (
	// agentLimit is SPEC §9's ten agents per unit, for the "还可添加 N 名" line
	// only: the database refuses the eleventh whatever the page says.
	agentLimit = 10
	// historyPerPage is the number of 变更记录 rows per page.
	historyPerPage = 10
)

// Messages of the pages.
const (
	// AgentRefusedMessage is the refusal of every page to an agent (guard);
	// exported for the unit center's authorization matrix.
	AgentRefusedMessage = "经办人管理仅向单位法定代表人和管理员开放。您当前以经办人身份办理业务，如需调整授权，请联系单位法定代表人或管理员。"
	msgBadRequest       = "请求有误，请返回经办人管理页面后重试。"
)

// Notices the page shows after a redirect (?notice=…). Only these keys are known, so
// a crafted link cannot put text on the page.
var notices = map[string]string{
	"admin_set":      "已设置管理员，并已向其发送短信邀请。" + confirmHint,
	"admin_replaced": "已更换管理员，原管理员的授权已终止，并已向新管理员发送短信邀请。" + confirmHint,
	"admin_removed":  "已删除管理员，其在本单位的授权已终止，正在进行的登录已退出。",
	"agent_added":    "已添加经办人，并已向其发送短信邀请。" + confirmHint,
	"agent_changed":  "已修改经办人的业务授权和授权有效期。如收回了授权事项或缩短了有效期，该经办人需重新登录。",
	"agent_removed":  "已删除经办人，其在本单位的授权已终止，正在进行的登录已退出。",
	"invite_delayed": "已保存。邀请短信暂未发出，系统将自动重试；被邀请人也可直接在掌上APP“我的 → 企业服务 → 我是经办人”中查看邀请。" + confirmHint,
}

// confirmHint says what the invitee does next (SPEC U6).
const confirmHint = "被邀请人须在掌上APP“我的 → 企业服务 → 我是经办人”中完成人脸识别、设置经办密码并确认后，授权方可使用。"

// memberRow is one row of the administrator or agent table.
type memberRow struct {
	ID           int64
	Name         string // in full: the legal rep or admin typed it
	MaskedID     string
	MaskedMobile string
	State        delegation.State
	StateLabel   string
	Validity     string   // "2026-05-10 至 2026-06-09"
	Items        []string // granted items by name (agents)
}

// historyRow is one row of 变更记录.
type historyRow struct {
	At     time.Time
	Who    string // role and masked name, or 系统
	What   string // delegation.ActionLabel
	Object string // role and masked name of whom the change concerns
	Detail string // items and validity, when the record has them
}

// pageData is the template data of GET /unit/agents.
type pageData struct {
	Shell  web.UnitShell
	Notice string
	// IsLegalRep: the viewer may set, replace and remove the administrator.
	IsLegalRep bool
	// CanManage: the viewer may add, change and remove agents (legal rep or admin).
	CanManage  bool
	Admin      *memberRow
	Agents     []memberRow
	AgentCount int
	AgentSlots int // how many more agents may be added
	Limit      int
	History    []historyRow
	Total      int // history entries
	Pager      web.Pager
}

// guard wraps every route of 经办人管理: a unit session (UnitCenterGuard), held as legal
// rep or administrator. Anyone else, an agent above all, gets a refusal page that
// says why; the commands check the role again themselves.
func (s *handler) guard(h web.HandlerFunc) web.HandlerFunc {
	return s.UnitCenterGuard(func(w http.ResponseWriter, r *http.Request) error {
		if delegation.Manages(web.VisitorFrom(r.Context()).Membership.Role) {
			return h(w, r)
		}
		return web.StatusError(http.StatusForbidden, AgentRefusedMessage)
	})
}

// isLegalRep reports whether the session acts as the unit's legal rep.
func isLegalRep(r *http.Request) bool {
	return web.VisitorFrom(r.Context()).Membership.Role == unit.RoleLegalRep
}

// actor is the acting person for a delegation command, with the request's context
// for the audit log.
func actor(r *http.Request) delegation.Actor {
	return delegation.Actor{PersonID: web.VisitorFrom(r.Context()).Person.ID, ClientIP: web.ClientAddr(r),
		RequestID: web.RequestID(r.Context())}
}

// show is GET /unit/agents.
func (s *handler) show(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	sh, err := s.UnitShellFor(ctx, "agents")
	if err != nil {
		return err
	}
	names, err := s.Catalog.UnitItemNames(ctx)
	if err != nil {
		return err
	}
	members, err := s.Delegation.Members(ctx, v.Unit.ID)
	if err != nil {
		return err
	}
	d := pageData{
		Shell:      sh,
		Notice:     notices[r.URL.Query().Get("notice")],
		IsLegalRep: v.Membership.Role == unit.RoleLegalRep,
		CanManage:  true, // guard let only the legal rep and the admin in
		Limit:      agentLimit,
	}
	for _, m := range members {
		switch m.Role {
		case unit.RoleAdmin:
			row := memberOf(m, names)
			d.Admin = &row
		case unit.RoleAgent:
			d.Agents = append(d.Agents, memberOf(m, names))
			// An invitation that ran out no longer holds a slot: the next command
			// revokes it before counting.
			if m.State != delegation.StateInvitationExpired {
				d.AgentCount++
			}
		}
	}
	d.AgentSlots = max(0, agentLimit-d.AgentCount)

	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	entries, total, err := s.Delegation.History(ctx, v.Unit.ID, page, historyPerPage)
	if err != nil {
		return err
	}
	if pages := cases.Pages(total, historyPerPage); page > pages {
		// A Page beyond the last (an old link) shows the last one.
		page = pages
		if entries, total, err = s.Delegation.History(ctx, v.Unit.ID, page, historyPerPage); err != nil {
			return err
		}
	}
	d.Total = total
	d.Pager = pagerOf(page, cases.Pages(total, historyPerPage))
	who := namer{s: s, ctx: ctx, names: map[int64]string{}}
	for _, e := range entries {
		row, err := historyOf(e, names, &who)
		if err != nil {
			return err
		}
		d.History = append(d.History, row)
	}
	return s.Render(w, r, http.StatusOK, "delegation", "经办人管理", "", d)
}

// memberOf is the table row of a member.
func memberOf(m delegation.Member, names map[string]string) memberRow {
	row := memberRow{ID: m.MembershipID, Name: m.Name, MaskedID: m.MaskedID, MaskedMobile: m.MaskedMobile,
		State: m.State, StateLabel: m.State.Label(), Validity: validity.Period(m.ValidFrom, m.ValidUntil)}
	for _, code := range m.Items {
		row.Items = append(row.Items, itemName(names, code))
	}
	return row
}

// itemName is an item's name, or its code when it left the catalog.
func itemName(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code + "（已下线事项）"
}

// pagerOf numbers the pages of 变更记录 around the current one.
func pagerOf(page, pages int) web.Pager {
	p := web.NewPager(page, pages, func(n int) string { return "/unit/agents?page=" + strconv.Itoa(n) + "#dlg-history-title" })
	p.Label = "变更记录分页"
	return p
}

// namer finds masked names of persons for the history, each once per page.
type namer struct {
	s     *handler
	ctx   context.Context
	names map[int64]string
}

func (n *namer) masked(id int64) (string, error) {
	if name, ok := n.names[id]; ok {
		return name, nil
	}
	p, err := n.s.Persons.Get(n.ctx, id)
	switch {
	case err == nil:
		n.names[id] = ident.MaskName(p.Name)
	case errors.Is(err, person.ErrNotFound):
		n.names[id] = ""
	default:
		return "", err
	}
	return n.names[id], nil
}

// historyOf describes one audit record of the unit's delegation history. Names
// are masked: the record's own detail holds masked data only, and names looked up
// here are masked the same way.
func historyOf(e audit.Entry, items map[string]string, n *namer) (historyRow, error) {
	row := historyRow{At: e.At, What: delegation.ActionLabel(e.Action), Who: "系统"}
	if e.PersonID != 0 {
		name, err := n.masked(e.PersonID)
		if err != nil {
			return row, err
		}
		if r := unit.Role(e.Role); r.Valid() {
			name = r.Label() + " " + name
		}
		row.Who = strings.TrimSpace(name)
	}
	d := e.Detail
	object := d["name"]
	if object == "" && d["person_id"] != "" {
		if id, err := strconv.ParseInt(d["person_id"], 10, 64); err == nil && id != e.PersonID {
			var err error
			if object, err = n.masked(id); err != nil {
				return row, err
			}
		}
	}
	if r := unit.Role(d["role"]); r.Valid() && (object != "" || e.PersonID == 0) {
		object = strings.TrimSpace(r.Label() + " " + object)
	}
	row.Object = object

	var parts []string
	if codes := d["items"]; codes != "" {
		var ns []string
		for _, c := range strings.Split(codes, ",") {
			ns = append(ns, itemName(items, c))
		}
		parts = append(parts, "授权业务："+strings.Join(ns, "、"))
	}
	from, fromErr := time.Parse(time.RFC3339, d["valid_from"])
	until, untilErr := time.Parse(time.RFC3339, d["valid_until"])
	switch {
	case untilErr == nil && fromErr == nil:
		parts = append(parts, "授权有效期："+validity.Day(from)+" 至 "+validity.End(until))
	case untilErr == nil:
		parts = append(parts, "授权有效期至 "+validity.End(until))
	}
	row.Detail = strings.Join(parts, "；")
	return row, nil
}
