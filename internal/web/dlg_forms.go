package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/unit"
	"hall/internal/validity"
)

// The forms of 经办人管理: 设置管理员, 更换管理员, 删除管理员 (legal rep), 添加经办人,
// 修改经办人, 删除经办人 (legal rep or admin). Each POST reads the form, checks the
// formats of what was typed, and hands the rest to one delegation command with the
// session's unit; the command's refusal is shown beside the field it concerns
// (dlgRefusals) with the form filled in again.

// Field names of the forms.
const (
	dlgFieldName     = "name"
	dlgFieldIDType   = "id_type"
	dlgFieldIDNumber = "id_number"
	dlgFieldMobile   = "mobile"
	dlgFieldFrom     = "valid_from"
	dlgFieldUntil    = "valid_until"
	dlgFieldItems    = "items"
	// dlgFieldAll holds the categories whose 全选 is ticked.
	dlgFieldAll = "all"
)

// Messages of the forms' own format checks.
const (
	dlgMsgNameMissing   = "请输入姓名"
	dlgMsgNameLong      = "姓名不能超过50个字"
	dlgMsgIDTypeMissing = "请选择证件类型"
	dlgMsgIDMissing     = "请输入证件号码"
	dlgMsgIDFormat      = "证件号码格式不正确"
	dlgMsgMobileMissing = "请输入手机号码"
	dlgMsgMobileFormat  = "手机号码格式不正确"
	dlgMsgUntilMissing  = "请选择授权有效期的结束日期"
	dlgMsgDateFormat    = "请输入正确的日期，格式为：年-月-日"
	dlgMsgFromPast      = "开始日期不能早于今天"
)

// dlgRefusal says how a form shows a refusal of internal/delegation: with status 422
// beside Field (or above the form when Field is ""), or, for a status other than
// 422, as a page of its own, because no change of the form can help.
type dlgRefusal struct {
	Field  string
	Status int
}

// dlgRefusals maps the codes of *delegation.Error to how the forms show them.
var dlgRefusals = map[string]dlgRefusal{
	delegation.ErrNomineeMismatch.Code: {dlgFieldIDNumber, http.StatusUnprocessableEntity},
	delegation.ErrAlreadyMember.Code:   {dlgFieldIDNumber, http.StatusUnprocessableEntity},
	delegation.ErrNoItems.Code:         {dlgFieldItems, http.StatusUnprocessableEntity},
	delegation.ErrUnknownItem.Code:     {dlgFieldItems, http.StatusUnprocessableEntity},
	delegation.ErrBadValidity.Code:     {dlgFieldUntil, http.StatusUnprocessableEntity},
	delegation.ErrBeyondGrantor.Code:   {dlgFieldUntil, http.StatusUnprocessableEntity},
	delegation.ErrAdminExists.Code:     {"", http.StatusUnprocessableEntity},
	delegation.ErrAdminChanged.Code:    {"", http.StatusUnprocessableEntity},
	delegation.ErrAgentLimit.Code:      {"", http.StatusUnprocessableEntity},
	delegation.ErrNotLegalRep.Code:     {"", http.StatusForbidden},
	delegation.ErrNotManager.Code:      {"", http.StatusForbidden},
	delegation.ErrUnitClosed.Code:      {"", http.StatusForbidden},
	delegation.ErrUnitNotFound.Code:    {"", http.StatusNotFound},
	delegation.ErrAgentNotFound.Code:   {"", http.StatusNotFound},
}

// dlgRefusalOf classifies err; ok is false when err is no refusal of the domain (a
// database failure, which is logged and shown generically).
func dlgRefusalOf(err error) (dlgRefusal, bool) {
	var e *delegation.Error
	if !errors.As(err, &e) {
		return dlgRefusal{}, false
	}
	if ref, ok := dlgRefusals[e.Code]; ok {
		return ref, true
	}
	return dlgRefusal{Status: http.StatusUnprocessableEntity}, true
}

// dlgRefuse puts a refusal of a command on form f and returns the status to render
// it with, or an error for the error page (a refusal no form can answer, or a
// failure).
func dlgRefuse(f *form, err error) (int, error) {
	ref, ok := dlgRefusalOf(err)
	if !ok {
		return 0, err
	}
	msg := delegation.Message(err)
	if ref.Status != http.StatusUnprocessableEntity {
		return 0, errStatus(ref.Status, msg)
	}
	if ref.Field == "" {
		f.Top = msg
	} else {
		f.Fail(ref.Field, msg)
	}
	return http.StatusUnprocessableEntity, nil
}

// dlgNominee reads the person part of the admin and agent forms. Formats are checked
// here so that each wrong field says so; whether such a person is registered is the
// domain's single answer (ErrNomineeMismatch), which tells no more than the seed's
// message.
func dlgNominee(f *form, now time.Time) delegation.Nominee {
	n := delegation.Nominee{Name: f.Get(dlgFieldName), IDNumber: f.Get(dlgFieldIDNumber), Mobile: f.Get(dlgFieldMobile)}
	switch {
	case n.Name == "":
		f.Fail(dlgFieldName, dlgMsgNameMissing)
	case utf8.RuneCountInString(n.Name) > 50:
		f.Fail(dlgFieldName, dlgMsgNameLong)
	}
	t, err := ident.ParseIDType(f.Get(dlgFieldIDType))
	if err != nil {
		f.Fail(dlgFieldIDType, dlgMsgIDTypeMissing)
	} else {
		n.IDType = t
	}
	switch {
	case n.IDNumber == "":
		f.Fail(dlgFieldIDNumber, dlgMsgIDMissing)
	case err == nil:
		if _, verr := ident.ValidateID(t, n.IDNumber, now); verr != nil {
			f.FailErr(dlgFieldIDNumber, verr, dlgMsgIDFormat)
		}
	}
	if n.Mobile == "" {
		f.Fail(dlgFieldMobile, dlgMsgMobileMissing)
	} else if _, err := ident.NormalizeMobile(n.Mobile); err != nil {
		f.FailErr(dlgFieldMobile, err, dlgMsgMobileFormat)
	}
	return n
}

const dlgDateLayout = "2006-01-02"

// dlgParseDay reads a date as a date input sends it: the start of that day in
// Asia/Shanghai.
func dlgParseDay(s string) (time.Time, bool) {
	d, err := time.ParseInLocation(dlgDateLayout, strings.TrimSpace(s), shanghai)
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		return time.Time{}, false
	}
	return d, true
}

// dlgUntil reads an end date (结束日期, 授权有效期至): the last day of the period,
// which ends at midnight after it. When the grantor's own validity ends during that
// day the period ends with it, so that choosing the last day the page shows for the
// grantor grants "as long as I hold it" instead of being refused. The domain still
// refuses an end past the grantor's (ErrBeyondGrantor). It returns a message for the
// field when the input is missing or malformed.
func dlgUntil(s string, grantorUntil *time.Time) (time.Time, string) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, dlgMsgUntilMissing
	}
	d, ok := dlgParseDay(s)
	if !ok {
		return time.Time{}, dlgMsgDateFormat
	}
	end := validity.EndOf(d)
	if grantorUntil != nil && grantorUntil.After(d) && grantorUntil.Before(end) {
		return *grantorUntil, ""
	}
	return end, ""
}

// dlgFrom reads 开始日期 at now. Empty, or keep (the start the grant has, as the
// change form shows it): the zero time, which the domain reads as "now" for a new
// agent and "unchanged" for a change. Today: now. A later day: its start. An earlier
// day is refused.
func dlgFrom(s string, now time.Time, keep string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" || (keep != "" && s == keep) {
		return time.Time{}, ""
	}
	d, ok := dlgParseDay(s)
	if !ok {
		return time.Time{}, dlgMsgDateFormat
	}
	// Dates in the layout compare as strings.
	switch day, today := d.Format(dlgDateLayout), validity.Day(now); {
	case day < today:
		return time.Time{}, dlgMsgFromPast
	case day == today && keep == "":
		return time.Time{}, ""
	case day == today:
		return now, ""
	}
	return d, ""
}

// dlgCategory is one 事项分类 of the 业务授权 checkboxes.
type dlgCategory struct {
	Code, Name string
	All        bool // 全选 ticked
	Items      []dlgItem
}

// dlgItem is one business item of the 业务授权 checkboxes.
type dlgItem struct {
	Code, Name string
	Checked    bool
}

// dlgGroup groups the grantable items by category, ticking those in checked;
// a category's 全选 is ticked when it is in all or every item of it is ticked.
func dlgGroup(items []cases.Item, checked, all map[string]bool) []dlgCategory {
	var out []dlgCategory
	for _, it := range items {
		if len(out) == 0 || out[len(out)-1].Code != it.Category {
			out = append(out, dlgCategory{Code: it.Category, Name: it.CategoryName, All: true})
		}
		c := &out[len(out)-1]
		c.Items = append(c.Items, dlgItem{Code: it.Code, Name: it.Name, Checked: checked[it.Code]})
		c.All = c.All && checked[it.Code]
	}
	for i := range out {
		out[i].All = out[i].All || all[out[i].Code]
	}
	return out
}

// dlgChosen is what a submitted form grants: the ticked items, and every grantable
// item of each category whose 全选 is ticked, so that 全选 works without JavaScript
// too. Codes that are no grantable item pass through for the domain to refuse.
func dlgChosen(items []cases.Item, v url.Values) []string {
	all := map[string]bool{}
	for _, c := range v[dlgFieldAll] {
		all[c] = true
	}
	out := append([]string(nil), v[dlgFieldItems]...)
	for _, it := range items {
		if all[it.Category] {
			out = append(out, it.Code)
		}
	}
	return out
}

// dlgSet makes a set of strings.
func dlgSet(ss []string) map[string]bool {
	out := make(map[string]bool, len(ss))
	for _, s := range ss {
		out[strings.ToUpper(strings.TrimSpace(s))] = true
	}
	return out
}

// dlgID reads the membership ID of a path; a malformed one is a page that does not
// exist.
func dlgID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errStatus(http.StatusNotFound, "您访问的页面不存在。")
	}
	return id, nil
}

// dlgFind returns the unit's current member with membership ID id in role, or nil.
// It only prepares a page: whether the ID belongs to the session's unit is decided
// again by the command, which takes the unit from the session.
func (s *Server) dlgFind(ctx context.Context, unitID, id int64, role unit.Role) (*delegation.Member, error) {
	members, err := s.Delegation.Members(ctx, unitID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.MembershipID == id && m.Role == role {
			return &m, nil
		}
	}
	return nil, nil
}

// dlgAdminOf returns the unit's current administrator, or nil.
func (s *Server) dlgAdminOf(ctx context.Context, unitID int64) (*delegation.Member, error) {
	members, err := s.Delegation.Members(ctx, unitID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.Role == unit.RoleAdmin {
			return &m, nil
		}
	}
	return nil, nil
}

// dlgDone redirects to the page with a notice after a command succeeded. An
// invitation whose text could not be handed to the gateway yet says so (the Runner
// sends it later).
func dlgDone(w http.ResponseWriter, r *http.Request, notice string, inv *delegation.Invitation) error {
	if inv != nil && !inv.Notified {
		notice = "invite_delayed"
	}
	http.Redirect(w, r, "/unit/agents?notice="+notice, http.StatusSeeOther)
	return nil
}

// ---- 设置管理员 / 更换管理员 (legal rep) ----

// dlgAdminFormData is the template data of the administrator form.
type dlgAdminFormData struct {
	Shell   ucShell
	Form    *form
	Replace bool
	Action  string
	// Current is the administrator being replaced (Replace), when still there.
	Current *dlgMember
}

// IDTypeField is the 证件类型 select.
func (d *dlgAdminFormData) IDTypeField() field {
	return d.Form.Field(dlgFieldIDType, "证件类型", "select", idTypeOptions()...)
}

// UntilField is 授权有效期至.
func (d *dlgAdminFormData) UntilField() field {
	return d.Form.Field(dlgFieldUntil, "授权有效期至", "date", "管理员在授权有效期内可办理本单位的任何业务，有效期至所选日期当天结束。")
}

func (s *Server) dlgRenderAdmin(w http.ResponseWriter, r *http.Request, status int, d *dlgAdminFormData) error {
	sh, err := s.ucShellFor(r.Context(), "agents")
	if err != nil {
		return err
	}
	d.Shell = sh
	title := "设置管理员"
	if d.Replace {
		title = "更换管理员"
	}
	return s.render(w, r, status, "dlg-admin-form", title, "", d)
}

// dlgLegalRepOnly refuses the administrator pages to anyone but the legal rep. It
// only spares an admin a form it could not submit: the commands refuse by
// themselves (ErrNotLegalRep).
func dlgLegalRepOnly(r *http.Request) error {
	if !dlgIsLegalRep(r) {
		return errStatus(http.StatusForbidden, delegation.ErrNotLegalRep.Msg)
	}
	return nil
}

// dlgAdminNewShow is GET /unit/agents/admin/new. A unit that has an administrator
// goes to 更换管理员 instead, which is what SetAdmin would ask for.
func (s *Server) dlgAdminNewShow(w http.ResponseWriter, r *http.Request) error {
	if err := dlgLegalRepOnly(r); err != nil {
		return err
	}
	v := visitorFrom(r.Context())
	cur, err := s.dlgAdminOf(r.Context(), v.Unit.ID)
	if err != nil {
		return err
	}
	if cur != nil {
		http.Redirect(w, r, "/unit/agents/admin/"+strconv.FormatInt(cur.MembershipID, 10)+"/replace", http.StatusSeeOther)
		return nil
	}
	f := newForm(r)
	f.Values.Set(dlgFieldIDType, string(ident.IDTypeResident))
	return s.dlgRenderAdmin(w, r, http.StatusOK, &dlgAdminFormData{Form: f, Action: "/unit/agents/admin/new"})
}

// dlgAdminNewPost is POST /unit/agents/admin/new: SetAdmin.
func (s *Server) dlgAdminNewPost(w http.ResponseWriter, r *http.Request) error {
	return s.dlgAdminPost(w, r, 0)
}

// dlgAdminReplaceShow is GET /unit/agents/admin/{id}/replace.
func (s *Server) dlgAdminReplaceShow(w http.ResponseWriter, r *http.Request) error {
	if err := dlgLegalRepOnly(r); err != nil {
		return err
	}
	id, err := dlgID(r)
	if err != nil {
		return err
	}
	cur, err := s.dlgFind(r.Context(), visitorFrom(r.Context()).Unit.ID, id, unit.RoleAdmin)
	if err != nil {
		return err
	}
	if cur == nil {
		return errStatus(http.StatusNotFound, delegation.ErrAdminChanged.Msg)
	}
	f := newForm(r)
	f.Values.Set(dlgFieldIDType, string(ident.IDTypeResident))
	return s.dlgRenderAdmin(w, r, http.StatusOK, s.dlgReplaceData(f, id, cur))
}

func (s *Server) dlgReplaceData(f *form, id int64, cur *delegation.Member) *dlgAdminFormData {
	d := &dlgAdminFormData{Form: f, Replace: true, Action: "/unit/agents/admin/" + strconv.FormatInt(id, 10) + "/replace"}
	if cur != nil {
		row := dlgMemberOf(*cur, nil)
		d.Current = &row
	}
	return d
}

// dlgAdminReplacePost is POST /unit/agents/admin/{id}/replace: ReplaceAdmin of the
// administrator the page showed (compare-and-set).
func (s *Server) dlgAdminReplacePost(w http.ResponseWriter, r *http.Request) error {
	id, err := dlgID(r)
	if err != nil {
		return err
	}
	return s.dlgAdminPost(w, r, id)
}

// dlgAdminPost sets (replace 0) or replaces the administrator.
func (s *Server) dlgAdminPost(w http.ResponseWriter, r *http.Request, replace int64) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, dlgMsgBadRequest)
	}
	ctx := r.Context()
	v := visitorFrom(ctx)
	f := newForm(r)
	d := &dlgAdminFormData{Form: f, Action: "/unit/agents/admin/new"}
	if replace != 0 {
		cur, err := s.dlgFind(ctx, v.Unit.ID, replace, unit.RoleAdmin)
		if err != nil {
			return err
		}
		d = s.dlgReplaceData(f, replace, cur)
	}
	n := dlgNominee(f, s.Now())
	until, msg := dlgUntil(f.Get(dlgFieldUntil), nil)
	if msg != "" {
		f.Fail(dlgFieldUntil, msg)
	}
	if !f.OK() {
		return s.dlgRenderAdmin(w, r, http.StatusUnprocessableEntity, d)
	}
	var inv delegation.Invitation
	var err error
	notice := "admin_set"
	if replace == 0 {
		inv, err = s.Delegation.SetAdmin(ctx, dlgActor(r), v.Unit.ID, n, until)
	} else {
		notice = "admin_replaced"
		inv, err = s.Delegation.ReplaceAdmin(ctx, dlgActor(r), v.Unit.ID, replace, n, until)
	}
	if err != nil {
		status, perr := dlgRefuse(f, err)
		if perr != nil {
			return perr
		}
		return s.dlgRenderAdmin(w, r, status, d)
	}
	return dlgDone(w, r, notice, &inv)
}

// ---- 添加经办人 / 修改经办人 (legal rep or admin) ----

// dlgAgentFormData is the template data of the agent form.
type dlgAgentFormData struct {
	Shell      ucShell
	Form       *form
	Edit       bool
	Action     string
	Agent      *dlgMember // Edit: whose grant changes
	Categories []dlgCategory
	// GrantorEnd is the last day of the acting admin's own validity ("" for the
	// legal rep), for the hint: nobody grants more than they hold.
	GrantorEnd string
	Slots      int // Add: agents that may still be added
	Limit      int
}

// IDTypeField is the 证件类型 select.
func (d *dlgAgentFormData) IDTypeField() field {
	return d.Form.Field(dlgFieldIDType, "证件类型", "select", idTypeOptions()...)
}

// FromField is 开始日期.
func (d *dlgAgentFormData) FromField() field {
	fd := d.Form.Field(dlgFieldFrom, "开始日期", "date", "不填写或选择今天，则确认后立即生效。")
	fd.Required = false
	return fd
}

// UntilField is 结束日期.
func (d *dlgAgentFormData) UntilField() field {
	hint := "授权有效期至所选日期当天结束。"
	if d.GrantorEnd != "" {
		hint += "不能晚于您本人的授权有效期（" + d.GrantorEnd + "）。"
	}
	return d.Form.Field(dlgFieldUntil, "结束日期", "date", hint)
}

// ItemsError is the message beside 业务授权.
func (d *dlgAgentFormData) ItemsError() string { return d.Form.Errors[dlgFieldItems] }

func (s *Server) dlgRenderAgent(w http.ResponseWriter, r *http.Request, status int, d *dlgAgentFormData, items []cases.Item, checked []string) error {
	ctx := r.Context()
	sh, err := s.ucShellFor(ctx, "agents")
	if err != nil {
		return err
	}
	d.Shell, d.Limit = sh, dlgAgentLimit
	d.Categories = dlgGroup(items, dlgSet(checked), dlgSet(d.Form.Values[dlgFieldAll]))
	if m := visitorFrom(ctx).Membership; m.Role != unit.RoleLegalRep && m.ValidUntil != nil {
		d.GrantorEnd = validity.End(*m.ValidUntil)
	}
	if !d.Edit {
		members, err := s.Delegation.Members(ctx, visitorFrom(ctx).Unit.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, m := range members {
			if m.Role == unit.RoleAgent && m.State != delegation.StateInvitationExpired {
				n++
			}
		}
		d.Slots = max(0, dlgAgentLimit-n)
	}
	title := "添加经办人"
	if d.Edit {
		title = "修改经办人"
	}
	return s.render(w, r, status, "dlg-agent-form", title, "", d)
}

// dlgGrantorUntil is the end of the acting person's own validity (nil for the legal
// rep, who holds the unit without end).
func dlgGrantorUntil(r *http.Request) *time.Time {
	if m := visitorFrom(r.Context()).Membership; m.Role != unit.RoleLegalRep {
		return m.ValidUntil
	}
	return nil
}

// dlgAgentNewShow is GET /unit/agents/new.
func (s *Server) dlgAgentNewShow(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Catalog.UnitItems(r.Context())
	if err != nil {
		return err
	}
	f := newForm(r)
	f.Values.Set(dlgFieldIDType, string(ident.IDTypeResident))
	f.Values.Set(dlgFieldFrom, validity.Day(s.Now()))
	return s.dlgRenderAgent(w, r, http.StatusOK, &dlgAgentFormData{Form: f, Action: "/unit/agents/new"}, items, nil)
}

// dlgAgentNewPost is POST /unit/agents/new: AddAgent.
func (s *Server) dlgAgentNewPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, dlgMsgBadRequest)
	}
	ctx := r.Context()
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := newForm(r)
	d := &dlgAgentFormData{Form: f, Action: "/unit/agents/new"}
	now := s.Now()
	n := dlgNominee(f, now)
	chosen := dlgChosen(items, f.Values)
	codes, from, until := dlgGrant(f, chosen, now, "", "", nil, dlgGrantorUntil(r))
	if !f.OK() {
		return s.dlgRenderAgent(w, r, http.StatusUnprocessableEntity, d, items, chosen)
	}
	inv, err := s.Delegation.AddAgent(ctx, dlgActor(r), visitorFrom(ctx).Unit.ID, n, codes, from, until)
	if err != nil {
		status, perr := dlgRefuse(f, err)
		if perr != nil {
			return perr
		}
		return s.dlgRenderAgent(w, r, status, d, items, chosen)
	}
	return dlgDone(w, r, "agent_added", &inv)
}

// dlgGrant reads the grant part of the agent form: the items (normalised as the
// domain does, so that an empty choice is reported together with the other fields)
// and the period. keepFrom and keepUntil are the dates the change form showed for
// the current period (with keepUntilAt, the exact current end): left as they were,
// they keep the period as it is.
func dlgGrant(f *form, chosen []string, now time.Time, keepFrom, keepUntil string, keepUntilAt *time.Time, grantorUntil *time.Time) ([]string, time.Time, time.Time) {
	codes, err := delegation.NormalizeItems(chosen)
	if err != nil {
		f.Fail(dlgFieldItems, delegation.Message(err))
	}
	from, msg := dlgFrom(f.Get(dlgFieldFrom), now, keepFrom)
	if msg != "" {
		f.Fail(dlgFieldFrom, msg)
	}
	var until time.Time
	if keepUntilAt != nil && keepUntil != "" && f.Get(dlgFieldUntil) == keepUntil {
		until = *keepUntilAt
	} else if until, msg = dlgUntil(f.Get(dlgFieldUntil), grantorUntil); msg != "" {
		f.Fail(dlgFieldUntil, msg)
	}
	return codes, from, until
}

// dlgAgentEditShow is GET /unit/agents/{id}/edit, filled in with the current grant.
func (s *Server) dlgAgentEditShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := dlgID(r)
	if err != nil {
		return err
	}
	cur, err := s.dlgFind(ctx, visitorFrom(ctx).Unit.ID, id, unit.RoleAgent)
	if err != nil {
		return err
	}
	if cur == nil {
		return errStatus(http.StatusNotFound, delegation.ErrAgentNotFound.Msg)
	}
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := newForm(r)
	if cur.ValidFrom != nil {
		f.Values.Set(dlgFieldFrom, validity.Day(*cur.ValidFrom))
	}
	if cur.ValidUntil != nil {
		f.Values.Set(dlgFieldUntil, validity.LastDay(*cur.ValidUntil))
	}
	return s.dlgRenderAgent(w, r, http.StatusOK, s.dlgEditData(f, id, cur, items), items, cur.Items)
}

func (s *Server) dlgEditData(f *form, id int64, cur *delegation.Member, items []cases.Item) *dlgAgentFormData {
	d := &dlgAgentFormData{Form: f, Edit: true, Action: "/unit/agents/" + strconv.FormatInt(id, 10) + "/edit"}
	if cur != nil {
		names := map[string]string{}
		for _, it := range items {
			names[it.Code] = it.Name
		}
		row := dlgMemberOf(*cur, names)
		d.Agent = &row
	}
	return d
}

// dlgAgentEditPost is POST /unit/agents/{id}/edit: ChangeAgent. The ID comes from
// the browser: ChangeAgent looks for it among the agents of the session's unit
// only (ErrAgentNotFound otherwise).
func (s *Server) dlgAgentEditPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, dlgMsgBadRequest)
	}
	ctx := r.Context()
	v := visitorFrom(ctx)
	id, err := dlgID(r)
	if err != nil {
		return err
	}
	cur, err := s.dlgFind(ctx, v.Unit.ID, id, unit.RoleAgent)
	if err != nil {
		return err
	}
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := newForm(r)
	d := s.dlgEditData(f, id, cur, items)
	chosen := dlgChosen(items, f.Values)
	var keepFrom, keepUntil string
	var keepUntilAt *time.Time
	if cur != nil {
		if cur.ValidFrom != nil {
			keepFrom = validity.Day(*cur.ValidFrom)
		}
		if cur.ValidUntil != nil {
			keepUntil, keepUntilAt = validity.LastDay(*cur.ValidUntil), cur.ValidUntil
		}
	}
	codes, from, until := dlgGrant(f, chosen, s.Now(), keepFrom, keepUntil, keepUntilAt, dlgGrantorUntil(r))
	if cur != nil && !f.OK() {
		return s.dlgRenderAgent(w, r, http.StatusUnprocessableEntity, d, items, chosen)
	}
	err = s.Delegation.ChangeAgent(ctx, dlgActor(r), v.Unit.ID, id, codes, from, until)
	if err != nil {
		status, perr := dlgRefuse(f, err)
		switch {
		case perr != nil:
			return perr
		case cur == nil:
			// No agent of this unit has the ID: there is no form to show again.
			return errStatus(http.StatusNotFound, delegation.ErrAgentNotFound.Msg)
		}
		return s.dlgRenderAgent(w, r, status, d, items, chosen)
	}
	return dlgDone(w, r, "agent_changed", nil)
}

// ---- 删除管理员 / 删除经办人: a confirmation page, then the command ----

// dlgRemoveData is the template data of the confirmation page.
type dlgRemoveData struct {
	Shell    ucShell
	Action   string
	Target   dlgMember
	Heading  string
	RoleName string
}

func (s *Server) dlgRenderRemove(w http.ResponseWriter, r *http.Request, admin bool, id int64, m *delegation.Member) error {
	sh, err := s.ucShellFor(r.Context(), "agents")
	if err != nil {
		return err
	}
	names, err := s.Catalog.UnitItemNames(r.Context())
	if err != nil {
		return err
	}
	d := dlgRemoveData{Shell: sh, Target: dlgMemberOf(*m, names), Heading: "删除经办人", RoleName: "经办人",
		Action: "/unit/agents/" + strconv.FormatInt(id, 10) + "/remove"}
	if admin {
		d.Heading, d.RoleName, d.Action = "删除管理员", "管理员", "/unit/agents/admin/"+strconv.FormatInt(id, 10)+"/remove"
	}
	return s.render(w, r, http.StatusOK, "dlg-remove", d.Heading, "", d)
}

// dlgAdminRemoveShow is GET /unit/agents/admin/{id}/remove: 确认删除.
func (s *Server) dlgAdminRemoveShow(w http.ResponseWriter, r *http.Request) error {
	if err := dlgLegalRepOnly(r); err != nil {
		return err
	}
	return s.dlgRemoveShow(w, r, true)
}

// dlgAdminRemovePost is POST /unit/agents/admin/{id}/remove: RemoveAdmin.
func (s *Server) dlgAdminRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.dlgRemovePost(w, r, s.Delegation.RemoveAdmin, "admin_removed")
}

// dlgAgentRemoveShow is GET /unit/agents/{id}/remove: 确认删除.
func (s *Server) dlgAgentRemoveShow(w http.ResponseWriter, r *http.Request) error {
	return s.dlgRemoveShow(w, r, false)
}

// dlgAgentRemovePost is POST /unit/agents/{id}/remove: RemoveAgent, which finds the
// ID among the agents of the session's unit only.
func (s *Server) dlgAgentRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.dlgRemovePost(w, r, s.Delegation.RemoveAgent, "agent_removed")
}

// dlgRemoveShow is the confirmation page for removing the admin (admin) or an agent
// with the path's ID, looked up among the session's unit's members of that role.
func (s *Server) dlgRemoveShow(w http.ResponseWriter, r *http.Request, admin bool) error {
	id, err := dlgID(r)
	if err != nil {
		return err
	}
	role, gone := unit.RoleAgent, delegation.ErrAgentNotFound.Msg
	if admin {
		role, gone = unit.RoleAdmin, delegation.ErrAdminChanged.Msg
	}
	cur, err := s.dlgFind(r.Context(), visitorFrom(r.Context()).Unit.ID, id, role)
	if err != nil {
		return err
	}
	if cur == nil {
		return errStatus(http.StatusNotFound, gone)
	}
	return s.dlgRenderRemove(w, r, admin, id, cur)
}

// dlgRemovePost runs a removal command (RemoveAdmin or RemoveAgent) for the path's ID
// in the session's unit and reports done on the list page.
func (s *Server) dlgRemovePost(w http.ResponseWriter, r *http.Request,
	remove func(ctx context.Context, actor delegation.Actor, unitID, id int64) error, done string) error {
	id, err := dlgID(r)
	if err != nil {
		return err
	}
	if err := remove(r.Context(), dlgActor(r), visitorFrom(r.Context()).Unit.ID, id); err != nil {
		return dlgRemoveRefused(err)
	}
	return dlgDone(w, r, done, nil)
}

// dlgRemoveRefused is the page for a refused removal: the confirmation has no field
// to show a message beside, so every refusal is a page of its own (someone else
// removed or replaced the person meanwhile: 409).
func dlgRemoveRefused(err error) error {
	ref, ok := dlgRefusalOf(err)
	switch {
	case !ok:
		return err
	case ref.Status == http.StatusUnprocessableEntity:
		return errStatus(http.StatusConflict, delegation.Message(err))
	}
	return errStatus(ref.Status, delegation.Message(err))
}
