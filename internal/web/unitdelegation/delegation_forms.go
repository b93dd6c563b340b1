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
// (refusals) with the form filled in again.

// Field names of the forms.
const (
	fieldName     = "name"
	fieldIDType   = "id_type"
	fieldIDNumber = "id_number"
	fieldMobile   = "mobile"
	fieldFrom     = "valid_from"
	fieldUntil    = "valid_until"
	fieldItems    = "items"
	// fieldAll holds the categories whose 全选 is ticked.
	fieldAll = "all"
)

// Messages of the forms' own format checks.
const (
	msgNameMissing   = "请输入姓名"
	msgNameLong      = "姓名不能超过50个字"
	msgIDTypeMissing = "请选择证件类型"
	msgIDMissing     = "请输入证件号码"
	msgIDFormat      = "证件号码格式不正确"
	msgMobileMissing = "请输入手机号码"
	msgMobileFormat  = "手机号码格式不正确"
	msgUntilMissing  = "请选择授权有效期的结束日期"
	msgDateFormat    = "请输入正确的日期，格式为：年-月-日"
	msgFromPast      = "开始日期不能早于今天"
)

// refusal says how a form shows a refusal of internal/delegation: with status 422
// beside field (or above the form when field is ""), or, for a status other than
// 422, as a page of its own, because no change of the form can help.
type refusal struct {
	Field  string
	Status int
}

// refusals maps the codes of *delegation.Error to how the forms show them.
var refusals = map[string]refusal{
	delegation.ErrNomineeMismatch.Code: {fieldIDNumber, http.StatusUnprocessableEntity},
	delegation.ErrAlreadyMember.Code:   {fieldIDNumber, http.StatusUnprocessableEntity},
	delegation.ErrNoItems.Code:         {fieldItems, http.StatusUnprocessableEntity},
	delegation.ErrUnknownItem.Code:     {fieldItems, http.StatusUnprocessableEntity},
	delegation.ErrBadValidity.Code:     {fieldUntil, http.StatusUnprocessableEntity},
	delegation.ErrBeyondGrantor.Code:   {fieldUntil, http.StatusUnprocessableEntity},
	delegation.ErrAdminExists.Code:     {"", http.StatusUnprocessableEntity},
	delegation.ErrAdminChanged.Code:    {"", http.StatusUnprocessableEntity},
	delegation.ErrAgentLimit.Code:      {"", http.StatusUnprocessableEntity},
	delegation.ErrNotLegalRep.Code:     {"", http.StatusForbidden},
	delegation.ErrNotManager.Code:      {"", http.StatusForbidden},
	delegation.ErrUnitClosed.Code:      {"", http.StatusForbidden},
	delegation.ErrUnitNotFound.Code:    {"", http.StatusNotFound},
	delegation.ErrAgentNotFound.Code:   {"", http.StatusNotFound},
}

// refusalOf classifies err; ok is false when err is no refusal of the domain (a
// database failure, which is logged and shown generically).
func refusalOf(err error) (refusal, bool) {
	var e *delegation.Error
	if !errors.As(err, &e) {
		return refusal{}, false
	}
	if ref, ok := refusals[e.Code]; ok {
		return ref, true
	}
	return refusal{Status: http.StatusUnprocessableEntity}, true
}

// refuse puts a refusal of a command on form f and returns the status to render
// it with, or an error for the error page (a refusal no form can answer, or a
// failure).
func refuse(f *web.Form, err error) (int, error) {
	ref, ok := refusalOf(err)
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

// readNominee reads the person part of the admin and agent forms. Formats are checked
// here so that each wrong field says so; whether such a person is registered is the
// domain's single answer (ErrNomineeMismatch), which tells no more than the seed's
// message.
func readNominee(f *web.Form, now time.Time) delegation.Nominee {
	n := delegation.Nominee{Name: f.Get(fieldName), IDNumber: f.Get(fieldIDNumber), Mobile: f.Get(fieldMobile)}
	switch {
	case n.Name == "":
		f.Fail(fieldName, msgNameMissing)
	case utf8.RuneCountInString(n.Name) > 50:
		f.Fail(fieldName, msgNameLong)
	}
	t, err := ident.ParseIDType(f.Get(fieldIDType))
	if err != nil {
		f.Fail(fieldIDType, msgIDTypeMissing)
	} else {
		n.IDType = t
	}
	switch {
	case n.IDNumber == "":
		f.Fail(fieldIDNumber, msgIDMissing)
	case err == nil:
		if _, verr := ident.ValidateID(t, n.IDNumber, now); verr != nil {
			f.FailErr(fieldIDNumber, verr, msgIDFormat)
		}
	}
	if n.Mobile == "" {
		f.Fail(fieldMobile, msgMobileMissing)
	} else if _, err := ident.NormalizeMobile(n.Mobile); err != nil {
		f.FailErr(fieldMobile, err, msgMobileFormat)
	}
	return n
}

const dateLayout = "2006-01-02"

// parseDay reads a date as a date input sends it: the start of that day in
// Asia/Shanghai.
func parseDay(s string) (time.Time, bool) {
	d, err := time.ParseInLocation(dateLayout, strings.TrimSpace(s), web.Shanghai)
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		return time.Time{}, false
	}
	return d, true
}

// parseUntil reads an end date (结束日期, 授权有效期至): the last day of the period,
// which ends at midnight after it. When the grantor's own validity ends during that
// day the period ends with it, so that choosing the last day the page shows for the
// grantor grants "as long as I hold it" instead of being refused. The domain still
// refuses an end past the grantor's (ErrBeyondGrantor). It returns a message for the
// Field when the input is missing or malformed.
func parseUntil(s string, grantorUntil *time.Time) (time.Time, string) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, msgUntilMissing
	}
	d, ok := parseDay(s)
	if !ok {
		return time.Time{}, msgDateFormat
	}
	end := validity.EndOf(d)
	if grantorUntil != nil && grantorUntil.After(d) && grantorUntil.Before(end) {
		return *grantorUntil, ""
	}
	return end, ""
}

// parseFrom reads 开始日期 at now. Empty, or keep (the start the grant has, as the
// change form shows it): the zero time, which the domain reads as "now" for a new
// Agent and "unchanged" for a change. Today: now. A later day: its start. An earlier
// day is refused.
func parseFrom(s string, now time.Time, keep string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" || (keep != "" && s == keep) {
		return time.Time{}, ""
	}
	d, ok := parseDay(s)
	if !ok {
		return time.Time{}, msgDateFormat
	}
	// Dates in the layout compare as strings.
	switch day, today := d.Format(dateLayout), validity.Day(now); {
	case day < today:
		return time.Time{}, msgFromPast
	case day == today && keep == "":
		return time.Time{}, ""
	case day == today:
		return now, ""
	}
	return d, ""
}

// grantCategory is one 事项分类 of the 业务授权 checkboxes.
type grantCategory struct {
	Code, Name string
	All        bool // 全选 ticked
	Items      []grantItem
}

// grantItem is one business item of the 业务授权 checkboxes.
type grantItem struct {
	Code, Name string
	Note       string // what else the grant lets the agent do, under the name
	Checked    bool
}

// itemNotes says, under an item's name, what its grant covers beyond the
// item's own applications: the grantor should not learn it only after granting.
var itemNotes = map[string]string{
	skills.ItemCode: "含我的工作台中职业技能等级认定计划的考生录入与提交审核",
}

// group groups the grantable items by category, ticking those in checked;
// a category's 全选 is ticked when it is in all or every item of it is ticked.
func group(items []cases.Item, checked, all map[string]bool) []grantCategory {
	var out []grantCategory
	for _, it := range items {
		if len(out) == 0 || out[len(out)-1].Code != it.Category {
			out = append(out, grantCategory{Code: it.Category, Name: it.CategoryName, All: true})
		}
		c := &out[len(out)-1]
		c.Items = append(c.Items, grantItem{Code: it.Code, Name: it.Name, Note: itemNotes[it.Code],
			Checked: checked[it.Code]})
		c.All = c.All && checked[it.Code]
	}
	for i := range out {
		out[i].All = out[i].All || all[out[i].Code]
	}
	return out
}

// chosenItems is what a submitted form grants: the ticked items, and every grantable
// item of each category whose 全选 is ticked, so that 全选 works without JavaScript
// too. Codes that are no grantable item pass through for the domain to refuse.
func chosenItems(items []cases.Item, v url.Values) []string {
	all := map[string]bool{}
	for _, c := range v[fieldAll] {
		all[c] = true
	}
	out := append([]string(nil), v[fieldItems]...)
	for _, it := range items {
		if all[it.Category] {
			out = append(out, it.Code)
		}
	}
	return out
}

// codeSet makes a set of strings.
func codeSet(ss []string) map[string]bool {
	out := make(map[string]bool, len(ss))
	for _, s := range ss {
		out[strings.ToUpper(strings.TrimSpace(s))] = true
	}
	return out
}

// pathID reads the membership ID of a path; a malformed one is a page that does not
// exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.StatusError(http.StatusNotFound, "您访问的页面不存在。")
	}
	return id, nil
}

// findMember returns the unit's current member with membership ID id in role, or nil.
// It only prepares a page: whether the ID belongs to the session's unit is decided
// again by the command, which takes the unit from the session.
func (s *handler) findMember(ctx context.Context, unitID, id int64, role unit.Role) (*delegation.Member, error) {
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

// adminOf returns the unit's current administrator, or nil.
func (s *handler) adminOf(ctx context.Context, unitID int64) (*delegation.Member, error) {
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

// done redirects to the page with a notice after a command succeeded. An
// invitation whose text could not be handed to the gateway yet says so (the Runner
// sends it later).
func done(w http.ResponseWriter, r *http.Request, notice string, inv *delegation.Invitation) error {
	if inv != nil && !inv.Notified {
		notice = "invite_delayed"
	}
	http.Redirect(w, r, "/unit/agents?notice="+notice, http.StatusSeeOther)
	return nil
}

// ---- 设置管理员 / 更换管理员 (legal rep) ----

// adminFormData is the template data of the administrator form.
type adminFormData struct {
	Shell   web.UnitShell
	Form    *web.Form
	Replace bool
	Action  string
	// Current is the administrator being replaced (Replace), when still there.
	Current *memberRow
}

// IDTypeField is the 证件类型 select.
func (d *adminFormData) IDTypeField() web.Field {
	return d.Form.Field(fieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// UntilField is 授权有效期至.
func (d *adminFormData) UntilField() web.Field {
	return d.Form.Field(fieldUntil, "授权有效期至", "date", "管理员在授权有效期内可办理本单位的任何业务，有效期至所选日期当天结束。")
}

func (s *handler) renderAdmin(w http.ResponseWriter, r *http.Request, status int, d *adminFormData) error {
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

// legalRepOnly refuses the administrator pages to anyone but the legal rep. It
// only spares an admin a form it could not submit: the commands refuse by
// themselves (ErrNotLegalRep).
func legalRepOnly(r *http.Request) error {
	if !isLegalRep(r) {
		return web.StatusError(http.StatusForbidden, delegation.ErrNotLegalRep.Msg)
	}
	return nil
}

// adminNewShow is GET /unit/agents/admin/new. A Unit that has an administrator
// goes to 更换管理员 instead, which is what SetAdmin would ask for.
func (s *handler) adminNewShow(w http.ResponseWriter, r *http.Request) error {
	if err := legalRepOnly(r); err != nil {
		return err
	}
	v := web.VisitorFrom(r.Context())
	cur, err := s.adminOf(r.Context(), v.Unit.ID)
	if err != nil {
		return err
	}
	if cur != nil {
		http.Redirect(w, r, "/unit/agents/admin/"+strconv.FormatInt(cur.MembershipID, 10)+"/replace", http.StatusSeeOther)
		return nil
	}
	f := web.NewForm(r)
	f.Values.Set(fieldIDType, string(ident.IDTypeResident))
	return s.renderAdmin(w, r, http.StatusOK, &adminFormData{Form: f, Action: "/unit/agents/admin/new"})
}

// adminNewPost is POST /unit/agents/admin/new: SetAdmin.
func (s *handler) adminNewPost(w http.ResponseWriter, r *http.Request) error {
	return s.adminPost(w, r, 0)
}

// adminReplaceShow is GET /unit/agents/admin/{id}/replace.
func (s *handler) adminReplaceShow(w http.ResponseWriter, r *http.Request) error {
	if err := legalRepOnly(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cur, err := s.findMember(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id, unit.RoleAdmin)
	if err != nil {
		return err
	}
	if cur == nil {
		return web.StatusError(http.StatusNotFound, delegation.ErrAdminChanged.Msg)
	}
	f := web.NewForm(r)
	f.Values.Set(fieldIDType, string(ident.IDTypeResident))
	return s.renderAdmin(w, r, http.StatusOK, s.replaceData(f, id, cur))
}

func (s *handler) replaceData(f *web.Form, id int64, cur *delegation.Member) *adminFormData {
	d := &adminFormData{Form: f, Replace: true, Action: "/unit/agents/admin/" + strconv.FormatInt(id, 10) + "/replace"}
	if cur != nil {
		row := memberOf(*cur, nil)
		d.Current = &row
	}
	return d
}

// adminReplacePost is POST /unit/agents/admin/{id}/replace: ReplaceAdmin of the
// administrator the page showed (compare-and-set).
func (s *handler) adminReplacePost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.adminPost(w, r, id)
}

// adminPost sets (replace 0) or replaces the administrator.
func (s *handler) adminPost(w http.ResponseWriter, r *http.Request, replace int64) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, msgBadRequest)
	}
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	f := web.NewForm(r)
	d := &adminFormData{Form: f, Action: "/unit/agents/admin/new"}
	if replace != 0 {
		cur, err := s.findMember(ctx, v.Unit.ID, replace, unit.RoleAdmin)
		if err != nil {
			return err
		}
		d = s.replaceData(f, replace, cur)
	}
	n := readNominee(f, s.Now())
	until, msg := parseUntil(f.Get(fieldUntil), nil)
	if msg != "" {
		f.Fail(fieldUntil, msg)
	}
	if !f.OK() {
		return s.renderAdmin(w, r, http.StatusUnprocessableEntity, d)
	}
	var inv delegation.Invitation
	var err error
	notice := "admin_set"
	if replace == 0 {
		inv, err = s.Delegation.SetAdmin(ctx, actor(r), v.Unit.ID, n, until)
	} else {
		notice = "admin_replaced"
		inv, err = s.Delegation.ReplaceAdmin(ctx, actor(r), v.Unit.ID, replace, n, until)
	}
	if err != nil {
		status, perr := refuse(f, err)
		if perr != nil {
			return perr
		}
		return s.renderAdmin(w, r, status, d)
	}
	return done(w, r, notice, &inv)
}

// ---- 添加经办人 / 修改经办人 (legal rep or admin) ----

// agentFormData is the template data of the agent form.
type agentFormData struct {
	Shell      web.UnitShell
	Form       *web.Form
	Edit       bool
	Action     string
	Agent      *memberRow // Edit: whose grant changes
	Categories []grantCategory
	// GrantorEnd is the last day of the acting admin's own validity ("" for the
	// legal rep), for the hint: nobody grants more than they hold.
	GrantorEnd string
	Slots      int // Add: agents that may still be added
	Limit      int
}

// IDTypeField is the 证件类型 select.
func (d *agentFormData) IDTypeField() web.Field {
	return d.Form.Field(fieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// FromField is 开始日期.
func (d *agentFormData) FromField() web.Field {
	fd := d.Form.Field(fieldFrom, "开始日期", "date", "不填写或选择今天，则确认后立即生效。")
	fd.Required = false
	return fd
}

// UntilField is 结束日期.
func (d *agentFormData) UntilField() web.Field {
	hint := "授权有效期至所选日期当天结束。"
	if d.GrantorEnd != "" {
		hint += "不能晚于您本人的授权有效期（" + d.GrantorEnd + "）。"
	}
	return d.Form.Field(fieldUntil, "结束日期", "date", hint)
}

// ItemsError is the message beside 业务授权.
func (d *agentFormData) ItemsError() string { return d.Form.Errors[fieldItems] }

func (s *handler) renderAgent(w http.ResponseWriter, r *http.Request, status int, d *agentFormData, items []cases.Item, checked []string) error {
	ctx := r.Context()
	sh, err := s.UnitShellFor(ctx, "agents")
	if err != nil {
		return err
	}
	d.Shell, d.Limit = sh, agentLimit
	d.Categories = group(items, codeSet(checked), codeSet(d.Form.Values[fieldAll]))
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
		d.Slots = max(0, agentLimit-n)
	}
	title := "添加经办人"
	if d.Edit {
		title = "修改经办人"
	}
	return s.Render(w, r, status, "delegation-agent-form", title, "", d)
}

// grantorUntilOf is the end of the acting person's own validity (nil for the legal
// rep, who holds the unit without end).
func grantorUntilOf(r *http.Request) *time.Time {
	if m := web.VisitorFrom(r.Context()).Membership; m.Role != unit.RoleLegalRep {
		return m.ValidUntil
	}
	return nil
}

// agentNewShow is GET /unit/agents/new.
func (s *handler) agentNewShow(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Catalog.UnitItems(r.Context())
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	f.Values.Set(fieldIDType, string(ident.IDTypeResident))
	f.Values.Set(fieldFrom, validity.Day(s.Now()))
	return s.renderAgent(w, r, http.StatusOK, &agentFormData{Form: f, Action: "/unit/agents/new"}, items, nil)
}

// agentNewPost is POST /unit/agents/new: AddAgent.
func (s *handler) agentNewPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, msgBadRequest)
	}
	ctx := r.Context()
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	d := &agentFormData{Form: f, Action: "/unit/agents/new"}
	now := s.Now()
	n := readNominee(f, now)
	chosen := chosenItems(items, f.Values)
	codes, from, until := readGrant(f, chosen, now, "", "", nil, grantorUntilOf(r))
	if !f.OK() {
		return s.renderAgent(w, r, http.StatusUnprocessableEntity, d, items, chosen)
	}
	inv, err := s.Delegation.AddAgent(ctx, actor(r), web.VisitorFrom(ctx).Unit.ID, n, codes, from, until)
	if err != nil {
		status, perr := refuse(f, err)
		if perr != nil {
			return perr
		}
		return s.renderAgent(w, r, status, d, items, chosen)
	}
	return done(w, r, "agent_added", &inv)
}

// readGrant reads the grant part of the agent form: the items (normalised as the
// domain does, so that an empty choice is reported together with the other fields)
// and the period. keepFrom and keepUntil are the dates the change form showed for
// the current period (with keepUntilAt, the exact current end): left as they were,
// they keep the period as it is.
func readGrant(f *web.Form, chosen []string, now time.Time, keepFrom, keepUntil string, keepUntilAt *time.Time, grantorUntil *time.Time) ([]string, time.Time, time.Time) {
	codes, err := delegation.NormalizeItems(chosen)
	if err != nil {
		f.Fail(fieldItems, delegation.Message(err))
	}
	from, msg := parseFrom(f.Get(fieldFrom), now, keepFrom)
	if msg != "" {
		f.Fail(fieldFrom, msg)
	}
	var until time.Time
	if keepUntilAt != nil && keepUntil != "" && f.Get(fieldUntil) == keepUntil {
		until = *keepUntilAt
	} else if until, msg = parseUntil(f.Get(fieldUntil), grantorUntil); msg != "" {
		f.Fail(fieldUntil, msg)
	}
	return codes, from, until
}

// agentEditShow is GET /unit/agents/{id}/edit, filled in with the current grant.
func (s *handler) agentEditShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cur, err := s.findMember(ctx, web.VisitorFrom(ctx).Unit.ID, id, unit.RoleAgent)
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
		f.Values.Set(fieldFrom, validity.Day(*cur.ValidFrom))
	}
	if cur.ValidUntil != nil {
		f.Values.Set(fieldUntil, validity.LastDay(*cur.ValidUntil))
	}
	return s.renderAgent(w, r, http.StatusOK, s.editData(f, id, cur, items), items, cur.Items)
}

func (s *handler) editData(f *web.Form, id int64, cur *delegation.Member, items []cases.Item) *agentFormData {
	d := &agentFormData{Form: f, Edit: true, Action: "/unit/agents/" + strconv.FormatInt(id, 10) + "/edit"}
	if cur != nil {
		names := map[string]string{}
		for _, it := range items {
			names[it.Code] = it.Name
		}
		row := memberOf(*cur, names)
		d.Agent = &row
	}
	return d
}

// agentEditPost is POST /unit/agents/{id}/edit: ChangeAgent. The ID comes from
// the browser: ChangeAgent looks for it among the agents of the session's unit
// only (ErrAgentNotFound otherwise).
func (s *handler) agentEditPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, msgBadRequest)
	}
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cur, err := s.findMember(ctx, v.Unit.ID, id, unit.RoleAgent)
	if err != nil {
		return err
	}
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	d := s.editData(f, id, cur, items)
	chosen := chosenItems(items, f.Values)
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
	codes, from, until := readGrant(f, chosen, s.Now(), keepFrom, keepUntil, keepUntilAt, grantorUntilOf(r))
	if cur != nil && !f.OK() {
		return s.renderAgent(w, r, http.StatusUnprocessableEntity, d, items, chosen)
	}
	err = s.Delegation.ChangeAgent(ctx, actor(r), v.Unit.ID, id, codes, from, until)
	if err != nil {
		status, perr := refuse(f, err)
		switch {
		case perr != nil:
			return perr
		case cur == nil:
			// No agent of this unit has the ID: there is no form to show again.
			return web.StatusError(http.StatusNotFound, delegation.ErrAgentNotFound.Msg)
		}
		return s.renderAgent(w, r, status, d, items, chosen)
	}
	return done(w, r, "agent_changed", nil)
}

// ---- 删除管理员 / 删除经办人: a confirmation page, then the command ----

// removeData is the template data of the confirmation page.
type removeData struct {
	Shell    web.UnitShell
	Action   string
	Target   memberRow
	Heading  string
	RoleName string
}

func (s *handler) renderRemove(w http.ResponseWriter, r *http.Request, admin bool, id int64, m *delegation.Member) error {
	sh, err := s.UnitShellFor(r.Context(), "agents")
	if err != nil {
		return err
	}
	names, err := s.Catalog.UnitItemNames(r.Context())
	if err != nil {
		return err
	}
	d := removeData{Shell: sh, Target: memberOf(*m, names), Heading: "删除经办人", RoleName: "经办人",
		Action: "/unit/agents/" + strconv.FormatInt(id, 10) + "/remove"}
	if admin {
		d.Heading, d.RoleName, d.Action = "删除管理员", "管理员", "/unit/agents/admin/"+strconv.FormatInt(id, 10)+"/remove"
	}
	return s.Render(w, r, http.StatusOK, "delegation-remove", d.Heading, "", d)
}

// adminRemoveShow is GET /unit/agents/admin/{id}/remove: 确认删除.
func (s *handler) adminRemoveShow(w http.ResponseWriter, r *http.Request) error {
	if err := legalRepOnly(r); err != nil {
		return err
	}
	return s.removeShow(w, r, true)
}

// adminRemovePost is POST /unit/agents/admin/{id}/remove: RemoveAdmin.
func (s *handler) adminRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.removePost(w, r, s.Delegation.RemoveAdmin, "admin_removed")
}

// agentRemoveShow is GET /unit/agents/{id}/remove: 确认删除.
func (s *handler) agentRemoveShow(w http.ResponseWriter, r *http.Request) error {
	return s.removeShow(w, r, false)
}

// agentRemovePost is POST /unit/agents/{id}/remove: RemoveAgent, which finds the
// ID among the agents of the session's unit only.
func (s *handler) agentRemovePost(w http.ResponseWriter, r *http.Request) error {
	return s.removePost(w, r, s.Delegation.RemoveAgent, "agent_removed")
}

// removeShow is the confirmation page for removing the admin (admin) or an agent
// with the path's ID, looked up among the session's unit's members of that role.
func (s *handler) removeShow(w http.ResponseWriter, r *http.Request, admin bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	role, gone := unit.RoleAgent, delegation.ErrAgentNotFound.Msg
	if admin {
		role, gone = unit.RoleAdmin, delegation.ErrAdminChanged.Msg
	}
	cur, err := s.findMember(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id, role)
	if err != nil {
		return err
	}
	if cur == nil {
		return web.StatusError(http.StatusNotFound, gone)
	}
	return s.renderRemove(w, r, admin, id, cur)
}

// removePost runs a removal command (RemoveAdmin or RemoveAgent) for the path's ID
// in the session's unit and shows notice on the list page.
func (s *handler) removePost(w http.ResponseWriter, r *http.Request,
	remove func(ctx context.Context, actor delegation.Actor, unitID, id int64) error, notice string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := remove(r.Context(), actor(r), web.VisitorFrom(r.Context()).Unit.ID, id); err != nil {
		return removeRefused(err)
	}
	return done(w, r, notice, nil)
}

// removeRefused is the page for a refused removal: the confirmation has no field
// to show a message beside, so every refusal is a page of its own (someone else
// removed or replaced the person meanwhile: 409).
func removeRefused(err error) error {
	ref, ok := refusalOf(err)
	switch {
	case !ok:
		return err
	case ref.Status == http.StatusUnprocessableEntity:
		return web.StatusError(http.StatusConflict, delegation.Message(err))
	}
	return web.StatusError(ref.Status, delegation.Message(err))
}
