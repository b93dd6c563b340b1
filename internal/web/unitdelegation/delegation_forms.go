package unitdelegation

import (
	"context"
	"errors"
	"hall/internal/web"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/skills"
	"hall/internal/unit"
	"hall/internal/validity"
)

// The forms of 经办人管理: 设置管理员, 更换管理员, 删除管理员 (legal rep), 添加经办人,
// 修改经办人, 删除经办人 (legal rep or admin). Each POST reads the form, checks the
// formats of what was typed, and hands the rest to one delegation command with the
// Session's unit; the command's refusal is shown beside the field it concerns
// (delegationRefusals) with the form filled in again.

// Field names of the forms.
const (
	delegationFieldName     = "name"
	delegationFieldIDType   = "id_type"
	delegationFieldIDNumber = "id_number"
	delegationFieldMobile   = "mobile"
	delegationFieldFrom     = "valid_from"
	delegationFieldUntil    = "valid_until"
	delegationFieldItems    = "items"
	// delegationFieldAll holds the categories whose 全选 is ticked.
	delegationFieldAll = "all"
)

// Messages of the forms' own format checks.
const (
	delegationMsgNameMissing   = "请输入姓名"
	delegationMsgNameLong      = "姓名不能超过50个字"
	delegationMsgIDTypeMissing = "请选择证件类型"
	delegationMsgIDMissing     = "请输入证件号码"
	delegationMsgIDFormat      = "证件号码格式不正确"
	delegationMsgMobileMissing = "请输入手机号码"
	delegationMsgMobileFormat  = "手机号码格式不正确"
	delegationMsgUntilMissing  = "请选择授权有效期的结束日期"
	delegationMsgDateFormat    = "请输入正确的日期，格式为：年-月-日"
	delegationMsgFromPast      = "开始日期不能早于今天"
)

// delegationRefusal says how a form shows a refusal of internal/delegation: with status 422
// beside field (or above the form when field is ""), or, for a status other than
// 422, as a page of its own, because no change of the form can help.
type delegationRefusal struct {
	Field  string
	Status int
}

// delegationRefusals maps the codes of *delegation.Error to how the forms show them.
var delegationRefusals = map[string]delegationRefusal{
	delegation.ErrNomineeMismatch.Code: {delegationFieldIDNumber, http.StatusUnprocessableEntity},
	delegation.ErrAlreadyMember.Code:   {delegationFieldIDNumber, http.StatusUnprocessableEntity},
	delegation.ErrNoItems.Code:         {delegationFieldItems, http.StatusUnprocessableEntity},
	delegation.ErrUnknownItem.Code:     {delegationFieldItems, http.StatusUnprocessableEntity},
	delegation.ErrBadValidity.Code:     {delegationFieldUntil, http.StatusUnprocessableEntity},
	delegation.ErrBeyondGrantor.Code:   {delegationFieldUntil, http.StatusUnprocessableEntity},
	delegation.ErrAdminExists.Code:     {"", http.StatusUnprocessableEntity},
	delegation.ErrAdminChanged.Code:    {"", http.StatusUnprocessableEntity},
	delegation.ErrAgentLimit.Code:      {"", http.StatusUnprocessableEntity},
	delegation.ErrNotLegalRep.Code:     {"", http.StatusForbidden},
	delegation.ErrNotManager.Code:      {"", http.StatusForbidden},
	delegation.ErrUnitClosed.Code:      {"", http.StatusForbidden},
	delegation.ErrUnitNotFound.Code:    {"", http.StatusNotFound},
	delegation.ErrAgentNotFound.Code:   {"", http.StatusNotFound},
}

// delegationRefusalOf classifies err; ok is false when err is no refusal of the domain (a
// database failure, which is logged and shown generically).
func delegationRefusalOf(err error) (delegationRefusal, bool) {
	var e *delegation.Error
	if !errors.As(err, &e) {
		return delegationRefusal{}, false
	}
	if ref, ok := delegationRefusals[e.Code]; ok {
		return ref, true
	}
	return delegationRefusal{Status: http.StatusUnprocessableEntity}, true
}

// delegationRefuse puts a refusal of a command on form f and returns the status to render
// it with, or an error for the error page (a refusal no form can answer, or a
// failure).
func delegationRefuse(f *web.Form, err error) (int, error) {
	ref, ok := delegationRefusalOf(err)
	if !ok {
		return 0, err
	}
	msg := delegation.Message(err)
	if ref.Status != http.StatusUnprocessableEntity {
		return 0, web.StatusError(ref.Status, msg)
	}
	if ref.Field == "" {
		f.Top = msg
	} else {
		f.Fail(ref.Field, msg)
	}
	return http.StatusUnprocessableEntity, nil
}

// delegationNominee reads the person part of the admin and agent forms. Formats are checked
// here so that each wrong field says so; whether such a person is registered is the
// domain's single answer (ErrNomineeMismatch), which tells no more than the seed's
// message.
func delegationNominee(f *web.Form, now time.Time) delegation.Nominee {
	n := delegation.Nominee{Name: f.Get(delegationFieldName), IDNumber: f.Get(delegationFieldIDNumber), Mobile: f.Get(delegationFieldMobile)}
	switch {
	case n.Name == "":
		f.Fail(delegationFieldName, delegationMsgNameMissing)
	case utf8.RuneCountInString(n.Name) > 50:
		f.Fail(delegationFieldName, delegationMsgNameLong)
	}
	t, err := ident.ParseIDType(f.Get(delegationFieldIDType))
	if err != nil {
		f.Fail(delegationFieldIDType, delegationMsgIDTypeMissing)
	} else {
		n.IDType = t
	}
	switch {
	case n.IDNumber == "":
		f.Fail(delegationFieldIDNumber, delegationMsgIDMissing)
	case err == nil:
		if _, verr := ident.ValidateID(t, n.IDNumber, now); verr != nil {
			f.FailErr(delegationFieldIDNumber, verr, delegationMsgIDFormat)
		}
	}
	if n.Mobile == "" {
		f.Fail(delegationFieldMobile, delegationMsgMobileMissing)
	} else if _, err := ident.NormalizeMobile(n.Mobile); err != nil {
		f.FailErr(delegationFieldMobile, err, delegationMsgMobileFormat)
	}
	return n
}

const delegationDateLayout = "2006-01-02"

// delegationParseDay reads a date as a date input sends it: the start of that day in
// Asia/Shanghai.
func delegationParseDay(s string) (time.Time, bool) {
	d, err := time.ParseInLocation(delegationDateLayout, strings.TrimSpace(s), web.Shanghai)
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		return time.Time{}, false
	}
	return d, true
}

// delegationUntil reads an end date (结束日期, 授权有效期至): the last day of the period,
// which ends at midnight after it. When the grantor's own validity ends during that
// day the period ends with it, so that choosing the last day the page shows for the
// grantor grants "as long as I hold it" instead of being refused. The domain still
// refuses an end past the grantor's (ErrBeyondGrantor). It returns a message for the
// Field when the input is missing or malformed.
func delegationUntil(s string, grantorUntil *time.Time) (time.Time, string) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, delegationMsgUntilMissing
	}
	d, ok := delegationParseDay(s)
	if !ok {
		return time.Time{}, delegationMsgDateFormat
	}
	end := validity.EndOf(d)
	if grantorUntil != nil && grantorUntil.After(d) && grantorUntil.Before(end) {
		return *grantorUntil, ""
	}
	return end, ""
}

// delegationFrom reads 开始日期 at now. Empty, or keep (the start the grant has, as the
// change form shows it): the zero time, which the domain reads as "now" for a new
// Agent and "unchanged" for a change. Today: now. A later day: its start. An earlier
// day is refused.
func delegationFrom(s string, now time.Time, keep string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" || (keep != "" && s == keep) {
		return time.Time{}, ""
	}
	d, ok := delegationParseDay(s)
	if !ok {
		return time.Time{}, delegationMsgDateFormat
	}
	// Dates in the layout compare as strings.
	switch day, today := d.Format(delegationDateLayout), validity.Day(now); {
	case day < today:
		return time.Time{}, delegationMsgFromPast
	case day == today && keep == "":
		return time.Time{}, ""
	case day == today:
		return now, ""
	}
	return d, ""
}

// delegationCategory is one 事项分类 of the 业务授权 checkboxes.
type delegationCategory struct {
	Code, Name string
	All        bool // 全选 ticked
	Items      []delegationItem
}

// delegationItem is one business item of the 业务授权 checkboxes.
type delegationItem struct {
	Code, Name string
	Note       string // what else the grant lets the agent do, under the name
	Checked    bool
}

// delegationItemNotes says, under an item's name, what its grant covers beyond the
// item's own applications: the grantor should not learn it only after granting.
var delegationItemNotes = map[string]string{
	skills.ItemCode: "含我的工作台中职业技能等级认定计划的考生录入与提交审核",
}

// delegationGroup groups the grantable items by category, ticking those in checked;
// a category's 全选 is ticked when it is in all or every item of it is ticked.
func delegationGroup(items []cases.Item, checked, all map[string]bool) []delegationCategory {
	var out []delegationCategory
	for _, it := range items {
		if len(out) == 0 || out[len(out)-1].Code != it.Category {
			out = append(out, delegationCategory{Code: it.Category, Name: it.CategoryName, All: true})
		}
		c := &out[len(out)-1]
		c.Items = append(c.Items, delegationItem{Code: it.Code, Name: it.Name, Note: delegationItemNotes[it.Code],
			Checked: checked[it.Code]})
		c.All = c.All && checked[it.Code]
	}
	for i := range out {
		out[i].All = out[i].All || all[out[i].Code]
	}
	return out
}

// delegationChosen is what a submitted form grants: the ticked items, and every grantable
// item of each category whose 全选 is ticked, so that 全选 works without JavaScript
// too. Codes that are no grantable item pass through for the domain to refuse.
func delegationChosen(items []cases.Item, v url.Values) []string {
	all := map[string]bool{}
	for _, c := range v[delegationFieldAll] {
		all[c] = true
	}
	out := append([]string(nil), v[delegationFieldItems]...)
	for _, it := range items {
		if all[it.Category] {
			out = append(out, it.Code)
		}
	}
	return out
}

// delegationSet makes a set of strings.
func delegationSet(ss []string) map[string]bool {
	out := make(map[string]bool, len(ss))
	for _, s := range ss {
		out[strings.ToUpper(strings.TrimSpace(s))] = true
	}
	return out
}

// delegationID reads the membership ID of a path; a malformed one is a page that does not
// exist.
func delegationID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.StatusError(http.StatusNotFound, "您访问的页面不存在。")
	}
	return id, nil
}

// delegationFind returns the unit's current member with membership ID id in role, or nil.
// It only prepares a page: whether the ID belongs to the session's unit is decided
// again by the command, which takes the unit from the session.
func (s *handler) delegationFind(ctx context.Context, unitID, id int64, role unit.Role) (*delegation.Member, error) {
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

// delegationAdminOf returns the unit's current administrator, or nil.
func (s *handler) delegationAdminOf(ctx context.Context, unitID int64) (*delegation.Member, error) {
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

// delegationDone redirects to the page with a notice after a command succeeded. An
// invitation whose text could not be handed to the gateway yet says so (the Runner
// sends it later).
func delegationDone(w http.ResponseWriter, r *http.Request, notice string, inv *delegation.Invitation) error {
	if inv != nil && !inv.Notified {
		notice = "invite_delayed"
	}
	http.Redirect(w, r, "/unit/agents?notice="+notice, http.StatusSeeOther)
	return nil
}

// ---- 设置管理员 / 更换管理员 (legal rep) ----

// delegationAdminFormData is the template data of the administrator form.
type delegationAdminFormData struct {
	Shell   web.UnitShell
	Form    *web.Form
	Replace bool
	Action  string
	// Current is the administrator being replaced (Replace), when still there.
	Current *delegationMember
}

// IDTypeField is the 证件类型 select.
func (d *delegationAdminFormData) IDTypeField() web.Field {
	return d.Form.Field(delegationFieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// UntilField is 授权有效期至.
func (d *delegationAdminFormData) UntilField() web.Field {
	return d.Form.Field(delegationFieldUntil, "授权有效期至", "date", "管理员在授权有效期内可办理本单位的任何业务，有效期至所选日期当天结束。")
}

func (s *handler) delegationRenderAdmin(w http.ResponseWriter, r *http.Request, status int, d *delegationAdminFormData) error {
	sh, err := s.UnitShellFor(r.Context(), "agents")
	if err != nil {
		return err
	}
	d.Shell = sh
	title := "设置管理员"
	if d.Replace {
		title = "更换管理员"
	}
	return s.Render(w, r, status, "delegation-admin-form", title, "", d)
}

// delegationLegalRepOnly refuses the administrator pages to anyone but the legal rep. It
// only spares an admin a form it could not submit: the commands refuse by
// themselves (ErrNotLegalRep).
func delegationLegalRepOnly(r *http.Request) error {
	if !delegationIsLegalRep(r) {
		return web.StatusError(http.StatusForbidden, delegation.ErrNotLegalRep.Msg)
	}
	return nil
}

// delegationAdminNewShow is GET /unit/agents/admin/new. A Unit that has an administrator
// goes to 更换管理员 instead, which is what SetAdmin would ask for.
func (s *handler) delegationAdminNewShow(w http.ResponseWriter, r *http.Request) error {
	if err := delegationLegalRepOnly(r); err != nil {
		return err
	}
	v := web.VisitorFrom(r.Context())
	cur, err := s.delegationAdminOf(r.Context(), v.Unit.ID)
	if err != nil {
		return err
	}
	if cur != nil {
		http.Redirect(w, r, "/unit/agents/admin/"+strconv.FormatInt(cur.MembershipID, 10)+"/replace", http.StatusSeeOther)
		return nil
	}
	f := web.NewForm(r)
	f.Values.Set(delegationFieldIDType, string(ident.IDTypeResident))
	return s.delegationRenderAdmin(w, r, http.StatusOK, &delegationAdminFormData{Form: f, Action: "/unit/agents/admin/new"})
}

// delegationAdminNewPost is POST /unit/agents/admin/new: SetAdmin.
func (s *handler) delegationAdminNewPost(w http.ResponseWriter, r *http.Request) error {
	return s.delegationAdminPost(w, r, 0)
}

// delegationAdminReplaceShow is GET /unit/agents/admin/{id}/replace.
func (s *handler) delegationAdminReplaceShow(w http.ResponseWriter, r *http.Request) error {
	if err := delegationLegalRepOnly(r); err != nil {
		return err
	}
	id, err := delegationID(r)
	if err != nil {
		return err
	}
	cur, err := s.delegationFind(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id, unit.RoleAdmin)
	if err != nil {
		return err
	}
	if cur == nil {
		return web.StatusError(http.StatusNotFound, delegation.ErrAdminChanged.Msg)
	}
	f := web.NewForm(r)
	f.Values.Set(delegationFieldIDType, string(ident.IDTypeResident))
	return s.delegationRenderAdmin(w, r, http.StatusOK, s.delegationReplaceData(f, id, cur))
}

func (s *handler) delegationReplaceData(f *web.Form, id int64, cur *delegation.Member) *delegationAdminFormData {
	d := &delegationAdminFormData{Form: f, Replace: true, Action: "/unit/agents/admin/" + strconv.FormatInt(id, 10) + "/replace"}
	if cur != nil {
		row := delegationMemberOf(*cur, nil)
		d.Current = &row
	}
	return d
}

// delegationAdminReplacePost is POST /unit/agents/admin/{id}/replace: ReplaceAdmin of the
// administrator the page showed (compare-and-set).
func (s *handler) delegationAdminReplacePost(w http.ResponseWriter, r *http.Request) error {
	id, err := delegationID(r)
	if err != nil {
		return err
	}
	return s.delegationAdminPost(w, r, id)
}

// delegationAdminPost sets (replace 0) or replaces the administrator.
func (s *handler) delegationAdminPost(w http.ResponseWriter, r *http.Request, replace int64) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, delegationMsgBadRequest)
	}
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	f := web.NewForm(r)
	d := &delegationAdminFormData{Form: f, Action: "/unit/agents/admin/new"}
	if replace != 0 {
		cur, err := s.delegationFind(ctx, v.Unit.ID, replace, unit.RoleAdmin)
		if err != nil {
			return err
		}
		d = s.delegationReplaceData(f, replace, cur)
	}
	n := delegationNominee(f, s.Now())
	until, msg := delegationUntil(f.Get(delegationFieldUntil), nil)
	if msg != "" {
		f.Fail(delegationFieldUntil, msg)
	}
	if !f.OK() {
		return s.delegationRenderAdmin(w, r, http.StatusUnprocessableEntity, d)
	}
	var inv delegation.Invitation
	var err error
	notice := "admin_set"
	if replace == 0 {
		inv, err = s.Delegation.SetAdmin(ctx, delegationActor(r), v.Unit.ID, n, until)
	} else {
		notice = "admin_replaced"
		inv, err = s.Delegation.ReplaceAdmin(ctx, delegationActor(r), v.Unit.ID, replace, n, until)
	}
	if err != nil {
		status, perr := delegationRefuse(f, err)
		if perr != nil {
			return perr
		}
		return s.delegationRenderAdmin(w, r, status, d)
	}
	return delegationDone(w, r, notice, &inv)
}

// ---- 添加经办人 / 修改经办人 (legal rep or admin) ----

// delegationAgentFormData is the template data of the agent form.
type delegationAgentFormData struct {
	Shell      web.UnitShell
	Form       *web.Form
	Edit       bool
	Action     string
	Agent      *delegationMember // Edit: whose grant changes
	Categories []delegationCategory
	// GrantorEnd is the last day of the acting admin's own validity ("" for the
	// legal rep), for the hint: nobody grants more than they hold.
	GrantorEnd string
	Slots      int // Add: agents that may still be added
	Limit      int
}

// IDTypeField is the 证件类型 select.
func (d *delegationAgentFormData) IDTypeField() web.Field {
	return d.Form.Field(delegationFieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// FromField is 开始日期.
func (d *delegationAgentFormData) FromField() web.Field {
	fd := d.Form.Field(delegationFieldFrom, "开始日期", "date", "不填写或选择今天，则确认后立即生效。")
	fd.Required = false
	return fd
}

// UntilField is 结束日期.
func (d *delegationAgentFormData) UntilField() web.Field {
	hint := "授权有效期至所选日期当天结束。"
	if d.GrantorEnd != "" {
		hint += "不能晚于您本人的授权有效期（" + d.GrantorEnd + "）。"
	}
	return d.Form.Field(delegationFieldUntil, "结束日期", "date", hint)
}

// ItemsError is the message beside 业务授权.
func (d *delegationAgentFormData) ItemsError() string { return d.Form.Errors[delegationFieldItems] }

func (s *handler) delegationRenderAgent(w http.ResponseWriter, r *http.Request, status int, d *delegationAgentFormData, items []cases.Item, checked []string) error {
	ctx := r.Context()
	sh, err := s.UnitShellFor(ctx, "agents")
	if err != nil {
		return err
	}
	d.Shell, d.Limit = sh, delegationAgentLimit
	d.Categories = delegationGroup(items, delegationSet(checked), delegationSet(d.Form.Values[delegationFieldAll]))
	if m := web.VisitorFrom(ctx).Membership; m.Role != unit.RoleLegalRep && m.ValidUntil != nil {
		d.GrantorEnd = validity.End(*m.ValidUntil)
	}
	if !d.Edit {
		members, err := s.Delegation.Members(ctx, web.VisitorFrom(ctx).Unit.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, m := range members {
			if m.Role == unit.RoleAgent && m.State != delegation.StateInvitationExpired {
				n++
			}
		}
		d.Slots = max(0, delegationAgentLimit-n)
	}
	title := "添加经办人"
	if d.Edit {
		title = "修改经办人"
	}
	return s.Render(w, r, status, "delegation-agent-form", title, "", d)
}

// delegationGrantorUntil is the end of the acting person's own validity (nil for the legal
// rep, who holds the unit without end).
func delegationGrantorUntil(r *http.Request) *time.Time {
	if m := web.VisitorFrom(r.Context()).Membership; m.Role != unit.RoleLegalRep {
		return m.ValidUntil
	}
	return nil
}

// delegationAgentNewShow is GET /unit/agents/new.
func (s *handler) delegationAgentNewShow(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Catalog.UnitItems(r.Context())
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	f.Values.Set(delegationFieldIDType, string(ident.IDTypeResident))
	f.Values.Set(delegationFieldFrom, validity.Day(s.Now()))
	return s.delegationRenderAgent(w, r, http.StatusOK, &delegationAgentFormData{Form: f, Action: "/unit/agents/new"}, items, nil)
}

// delegationAgentNewPost is POST /unit/agents/new: AddAgent.
func (s *handler) delegationAgentNewPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, delegationMsgBadRequest)
	}
	ctx := r.Context()
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	d := &delegationAgentFormData{Form: f, Action: "/unit/agents/new"}
	now := s.Now()
	n := delegationNominee(f, now)
	chosen := delegationChosen(items, f.Values)
	codes, from, until := delegationGrant(f, chosen, now, "", "", nil, delegationGrantorUntil(r))
	if !f.OK() {
		return s.delegationRenderAgent(w, r, http.StatusUnprocessableEntity, d, items, chosen)
	}
	inv, err := s.Delegation.AddAgent(ctx, delegationActor(r), web.VisitorFrom(ctx).Unit.ID, n, codes, from, until)
	if err != nil {
		status, perr := delegationRefuse(f, err)
		if perr != nil {
			return perr
		}
		return s.delegationRenderAgent(w, r, status, d, items, chosen)
	}
	return delegationDone(w, r, "agent_added", &inv)
}

// delegationGrant reads the grant part of the agent form: the items (normalised as the
// domain does, so that an empty choice is reported together with the other fields)
// and the period. keepFrom and keepUntil are the dates the change form showed for
// the current period (with keepUntilAt, the exact current end): left as they were,
// they keep the period as it is.
func delegationGrant(f *web.Form, chosen []string, now time.Time, keepFrom, keepUntil string, keepUntilAt *time.Time, grantorUntil *time.Time) ([]string, time.Time, time.Time) {
	codes, err := delegation.NormalizeItems(chosen)
	if err != nil {
		f.Fail(delegationFieldItems, delegation.Message(err))
	}
	from, msg := delegationFrom(f.Get(delegationFieldFrom), now, keepFrom)
	if msg != "" {
		f.Fail(delegationFieldFrom, msg)
	}
	var until time.Time
	if keepUntilAt != nil && keepUntil != "" && f.Get(delegationFieldUntil) == keepUntil {
		until = *keepUntilAt
	} else if until, msg = delegationUntil(f.Get(delegationFieldUntil), grantorUntil); msg != "" {
		f.Fail(delegationFieldUntil, msg)
	}
	return codes, from, until
}

// delegationAgentEditShow is GET /unit/agents/{id}/edit, filled in with the current grant.
func (s *handler) delegationAgentEditShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := delegationID(r)
	if err != nil {
		return err
	}
	cur, err := s.delegationFind(ctx, web.VisitorFrom(ctx).Unit.ID, id, unit.RoleAgent)
	if err != nil {
		return err
	}
	if cur == nil {
		return web.StatusError(http.StatusNotFound, delegation.ErrAgentNotFound.Msg)
	}
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if cur.ValidFrom != nil {
		f.Values.Set(delegationFieldFrom, validity.Day(*cur.ValidFrom))
	}
	if cur.ValidUntil != nil {
		f.Values.Set(delegationFieldUntil, validity.LastDay(*cur.ValidUntil))
	}
	return s.delegationRenderAgent(w, r, http.StatusOK, s.delegationEditData(f, id, cur, items), items, cur.Items)
}

func (s *handler) delegationEditData(f *web.Form, id int64, cur *delegation.Member, items []cases.Item) *delegationAgentFormData {
	d := &delegationAgentFormData{Form: f, Edit: true, Action: "/unit/agents/" + strconv.FormatInt(id, 10) + "/edit"}
	if cur != nil {
		names := map[string]string{}
		for _, it := range items {
			names[it.Code] = it.Name
		}
		row := delegationMemberOf(*cur, names)
		d.Agent = &row
	}
	return d
}

// delegationAgentEditPost is POST /unit/agents/{id}/edit: ChangeAgent. The ID comes from
// the browser: ChangeAgent looks for it among the agents of the session's unit
// only (ErrAgentNotFound otherwise).
func (s *handler) delegationAgentEditPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, delegationMsgBadRequest)
	}
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	id, err := delegationID(r)
	if err != nil {
		return err
	}
	cur, err := s.delegationFind(ctx, v.Unit.ID, id, unit.RoleAgent)
	if err != nil {
		return err
	}
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	d := s.delegationEditData(f, id, cur, items)
	chosen := delegationChosen(items, f.Values)
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
	codes, from, until := delegationGrant(f, chosen, s.Now(), keepFrom, keepUntil, keepUntilAt, delegationGrantorUntil(r))
	if cur != nil && !f.OK() {
		return s.delegationRenderAgent(w, r, http.StatusUnprocessableEntity, d, items, chosen)
	}
	err = s.Delegation.ChangeAgent(ctx, delegationActor(r), v.Unit.ID, id, codes, from, until)
	if err != nil {
		status, perr := delegationRefuse(f, err)
		switch {
		case perr != nil:
			return perr
		case cur == nil:
			// No agent of this unit has the ID: there is no form to show again.
			return web.StatusError(http.StatusNotFound, delegation.ErrAgentNotFound.Msg)
		}
		return s.delegationRenderAgent(w, r, status, d, items, chosen)
	}
	return delegationDone(w, r, "agent_changed", nil)
}

// ---- 删除管理员 / 删除经办人: a confirmation page, then the command ----

// delegationRemoveData is the template data of the confirmation page.
type delegationRemoveData struct {
	Shell    web.UnitShell
	Action   string
	Target   delegationMember
	Heading  string
	RoleName string
}

func (s *handler) delegationRenderRemove(w http.ResponseWriter, r *http.Request, admin bool, id int64, m *delegation.Member) error {
	sh, err := s.UnitShellFor(r.Context(), "agents")
	if err != nil {
		return err
	}
	names, err := s.Catalog.UnitItemNames(r.Context())
	if err != nil {
		return err
	}
	d := delegationRemoveData{Shell: sh, Target: delegationMemberOf(*m, names), Heading: "删除经办人", RoleName: "经办人",
		Action: "/unit/agents/" + strconv.FormatInt(id, 10) + "/remove"}
	if admin {
		d.Heading, d.RoleName, d.Action = "删除管理员", "管理员", "/unit/agents/admin/"+strconv.FormatInt(id, 10)+"/remove"
	}
	return s.Render(w, r, http.StatusOK, "delegation-remove", d.Heading, "", d)
}

// delegationAdminRemoveShow is GET /unit/agents/admin/{id}/remove: 确认删除.
func (s *handler) delegationAdminRemoveShow(w http.ResponseWriter, r *http.Request) error {
	if err := delegationLegalRepOnly(r); err != nil {
		return err
	}
	return s.delegationRemoveShow(w, r, true)
}

// delegationAdminRemovePost is POST /unit/agents/admin/{id}/remove: RemoveAdmin.
func (s *handler) delegationAdminRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.delegationRemovePost(w, r, s.Delegation.RemoveAdmin, "admin_removed")
}

// delegationAgentRemoveShow is GET /unit/agents/{id}/remove: 确认删除.
func (s *handler) delegationAgentRemoveShow(w http.ResponseWriter, r *http.Request) error {
	return s.delegationRemoveShow(w, r, false)
}

// delegationAgentRemovePost is POST /unit/agents/{id}/remove: RemoveAgent, which finds the
// ID among the agents of the session's unit only.
func (s *handler) delegationAgentRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.delegationRemovePost(w, r, s.Delegation.RemoveAgent, "agent_removed")
}

// delegationRemoveShow is the confirmation page for removing the admin (admin) or an agent
// with the path's ID, looked up among the session's unit's members of that role.
func (s *handler) delegationRemoveShow(w http.ResponseWriter, r *http.Request, admin bool) error {
	id, err := delegationID(r)
	if err != nil {
		return err
	}
	role, gone := unit.RoleAgent, delegation.ErrAgentNotFound.Msg
	if admin {
		role, gone = unit.RoleAdmin, delegation.ErrAdminChanged.Msg
	}
	cur, err := s.delegationFind(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id, role)
	if err != nil {
		return err
	}
	if cur == nil {
		return web.StatusError(http.StatusNotFound, gone)
	}
	return s.delegationRenderRemove(w, r, admin, id, cur)
}

// delegationRemovePost runs a removal command (RemoveAdmin or RemoveAgent) for the path's ID
// in the session's unit and reports done on the list page.
func (s *handler) delegationRemovePost(w http.ResponseWriter, r *http.Request,
	remove func(ctx context.Context, actor delegation.Actor, unitID, id int64) error, done string) error {
	id, err := delegationID(r)
	if err != nil {
		return err
	}
	if err := remove(r.Context(), delegationActor(r), web.VisitorFrom(r.Context()).Unit.ID, id); err != nil {
		return delegationRemoveRefused(err)
	}
	return delegationDone(w, r, done, nil)
}

// delegationRemoveRefused is the page for a refused removal: the confirmation has no field
// to show a message beside, so every refusal is a page of its own (someone else
// removed or replaced the person meanwhile: 409).
func delegationRemoveRefused(err error) error {
	ref, ok := delegationRefusalOf(err)
	switch {
	case !ok:
		return err
	case ref.Status == http.StatusUnprocessableEntity:
		return web.StatusError(http.StatusConflict, delegation.Message(err))
	}
	return web.StatusError(ref.Status, delegation.Message(err))
}
