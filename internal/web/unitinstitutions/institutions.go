package unitinstitutions

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/web"
)

// freshProof is where the re-authentication page of a change sits.
var freshProof = web.FreshProofPage{Section: "institutions", SectionLabel: "机构管理", SectionPath: "/unit/institutions",
	Lead: "为保障单位账户安全，开通、修改、重置密码或关闭机构账户前，需要再次验证您的身份。"}

// perPage is how many institutions a page of the list shows.
const perPage = 20

// ManagersOnlyMessage refuses an agent, as 经办人管理 does: institutions are managed
// by those who manage the unit's administrator and agents. Exported for the unit
// center's authorization matrix.
const ManagersOnlyMessage = "机构管理仅限单位法定代表人或管理员使用。"

// guard lets the unit's legal rep and administrator in (the unit center's guard
// first: a unit session, usable now); an agent is refused.
func (h *handler) guard(next web.HandlerFunc) web.HandlerFunc {
	return h.UnitCenterGuard(func(w http.ResponseWriter, r *http.Request) error {
		if !delegation.Manages(web.VisitorFrom(r.Context()).Membership.Role) {
			return web.StatusError(http.StatusForbidden, ManagersOnlyMessage)
		}
		return next(w, r)
	})
}

// actor is the acting person with the request's context for the audit log.
func actor(r *http.Request) institution.Actor {
	return institution.Actor{PersonID: web.VisitorFrom(r.Context()).Person.ID, ClientIP: web.ClientAddr(r),
		RequestID: web.RequestID(r.Context())}
}

// notices are the list's messages after a redirect (?notice=…); only these keys
// are known, so the address cannot put words on the page.
var notices = map[string]string{
	"changed": "机构账户信息已修改。",
	"closed":  "机构账户已关闭，该机构经办人已不能再登录。",
}

// listPage is GET /unit/institutions.
type listPage struct {
	Shell        web.UnitShell
	Notice       string
	Institutions []institution.Institution
	Total        int
	Pager        web.Pager
	Limit        int
}

// MaskedID is an operator's ID number as the list shows it (SPEC §2).
func (listPage) MaskedID(i institution.Institution) string { return ident.MaskID(i.OperatorIDNumber) }

// MaskedName is an operator's name as the list shows it.
func (listPage) MaskedName(i institution.Institution) string { return ident.MaskName(i.OperatorName) }

func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	items, total, err := h.Institutions.List(ctx, v.Unit.ID, page, perPage)
	if err != nil {
		return err
	}
	pages := max((total+perPage-1)/perPage, 1)
	if page > pages {
		return h.NotFound(w, r)
	}
	sh, err := h.UnitShellFor(ctx, "institutions")
	if err != nil {
		return err
	}
	d := listPage{Shell: sh, Notice: notices[r.URL.Query().Get("notice")], Institutions: items, Total: total,
		Limit: institution.MaxPerUnit,
		Pager: web.NewPager(page, pages, func(n int) string { return "/unit/institutions?page=" + strconv.Itoa(n) })}
	d.Pager.Label = "机构分页"
	return h.Render(w, r, http.StatusOK, "unit-institutions", "机构管理", "", d)
}

// formPage is the 开通机构账户 and 修改 form.
type formPage struct {
	Shell   web.UnitShell
	Form    *web.Form
	Action  string
	Current *institution.Institution // the institution changed; nil when opening
}

// OperatorMasked is the current operator as the change form names them.
func (d formPage) OperatorMasked() string {
	if d.Current == nil {
		return ""
	}
	return ident.MaskName(d.Current.OperatorName) + "（" + ident.MaskID(d.Current.OperatorIDNumber) + "）"
}

// operatorField is one of the operator's inputs: required when opening, optional
// when changing (all three empty keep the operator).
func (d formPage) operatorField(name, label, typ string) web.Field {
	f := d.Form.Field(name, label, typ)
	f.Required = d.Current == nil
	return f
}

// OperatorNameField, OperatorIDField and OperatorMobileField are the operator's
// inputs.
func (d formPage) OperatorNameField() web.Field {
	return d.operatorField(institution.FieldOperatorName, "机构经办人姓名", "text")
}
func (d formPage) OperatorIDField() web.Field {
	return d.operatorField(institution.FieldOperatorID, "机构经办人证件号码", "text")
}
func (d formPage) OperatorMobileField() web.Field {
	return d.operatorField(institution.FieldOperatorMobile, "机构经办人手机号码", "tel")
}

// KindField is the 机构类型 select.
func (d formPage) KindField() web.Field {
	opts := []string{"", "请选择"}
	for _, k := range institution.Kinds {
		opts = append(opts, string(k), k.Label())
	}
	return d.Form.Field(institution.FieldKind, "机构类型", "select", opts...)
}

// IDTypeField is the operator's 证件类型 select.
func (d formPage) IDTypeField() web.Field {
	f := d.Form.Field(fieldIDType, "证件类型", "select", web.IDTypeOptions()...)
	f.Required = d.Current == nil
	return f
}

// fieldIDType is the operator's ID type; the package's FormError has no such
// field, a wrong type reads as a mismatch.
const fieldIDType = "operator_id_type"

func (h *handler) renderForm(w http.ResponseWriter, r *http.Request, status int, d formPage) error {
	sh, err := h.UnitShellFor(r.Context(), "institutions")
	if err != nil {
		return err
	}
	d.Shell = sh
	title := "开通机构账户"
	if d.Current != nil {
		title = "修改机构账户"
	}
	return h.Render(w, r, status, "unit-institution-form", title, "", d)
}

func (h *handler) openShow(w http.ResponseWriter, r *http.Request) error {
	return h.renderForm(w, r, http.StatusOK, formPage{Form: web.NewForm(nil), Action: "/unit/institutions/new"})
}

// operator reads the operator's fields of the form.
func operator(f *web.Form) institution.Operator {
	t, _ := ident.ParseIDType(f.Get(fieldIDType))
	return institution.Operator{Name: f.Get(institution.FieldOperatorName), IDType: t,
		IDNumber: f.Get(institution.FieldOperatorID), Mobile: f.Get(institution.FieldOperatorMobile)}
}

// formFailed shows err beside the form's fields, or on top for a refusal of the
// whole form; false for a failure that is no refusal (the caller returns it).
func formFailed(f *web.Form, err error) bool {
	if web.FlowFormFailed[institution.FormError](f, err) {
		return true
	}
	var e *institution.Error
	if !errors.As(err, &e) {
		return false
	}
	if e == institution.ErrOperatorMismatch {
		f.Fail(institution.FieldOperatorName, e.Msg)
		return true
	}
	f.Top = e.Msg
	return true
}

func (h *handler) openPost(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	v := web.VisitorFrom(r.Context())
	opened, err := h.Institutions.Open(r.Context(), actor(r), v.Unit.ID, institution.Opening{Name: f.Get(institution.FieldName),
		Kind: institution.Kind(f.Get(institution.FieldKind)), Operator: operator(f)})
	if err == nil {
		return h.renderPassword(w, r, opened.Institution, opened.InitialPassword, shownAfterOpening)
	}
	if errors.Is(err, person.ErrBusy) {
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	}
	if !formFailed(f, err) {
		return err
	}
	return h.renderForm(w, r, http.StatusUnprocessableEntity, formPage{Form: f, Action: "/unit/institutions/new"})
}

// Why a generated password is shown (passwordPage.Why), with the page's title.
const (
	shownAfterOpening     = "机构账户已开通"
	shownAfterReset       = "机构账户密码已重置"
	shownAfterNewOperator = "机构经办人已更换"
)

// passwordPage shows the number and the generated password once: after opening,
// a reset, or naming another operator.
type passwordPage struct {
	Shell       web.UnitShell
	Institution institution.Institution
	Password    string
	Why         string
}

// Opened, Reset and NewOperator say which of the three the page follows.
func (p passwordPage) Opened() bool      { return p.Why == shownAfterOpening }
func (p passwordPage) Reset() bool       { return p.Why == shownAfterReset }
func (p passwordPage) NewOperator() bool { return p.Why == shownAfterNewOperator }

func (h *handler) renderPassword(w http.ResponseWriter, r *http.Request, i institution.Institution, password, why string) error {
	sh, err := h.UnitShellFor(r.Context(), "institutions")
	if err != nil {
		return err
	}
	return h.Render(w, r, http.StatusOK, "unit-institution-password", why, "",
		passwordPage{Shell: sh, Institution: i, Password: password, Why: why})
}

// institutionOf is the institution the path names, of the session's unit.
func (h *handler) institutionOf(r *http.Request) (institution.Institution, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return institution.Institution{}, institution.ErrNotFound
	}
	return h.Institutions.OfUnit(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id)
}

// refusal answers an institution that is not the unit's (404) or closed (409), a
// saturated password hasher (503), and any other refusal of the command (403);
// anything else is a failure.
func (h *handler) refusal(w http.ResponseWriter, r *http.Request, err error) error {
	switch {
	case errors.Is(err, institution.ErrNotFound):
		return h.NotFound(w, r)
	case errors.Is(err, institution.ErrClosed):
		return web.StatusError(http.StatusConflict, institution.ErrClosed.Msg)
	case errors.Is(err, person.ErrBusy):
		// Opening, a reset and a new operator hash a password.
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	}
	var e *institution.Error
	if errors.As(err, &e) {
		// The actor no longer manages the unit, or the unit was closed, since
		// the guard let the request in.
		return web.StatusError(http.StatusForbidden, e.Msg)
	}
	return err
}

func (h *handler) changeShow(w http.ResponseWriter, r *http.Request) error {
	i, err := h.institutionOf(r)
	if err == nil && !i.Open() {
		err = institution.ErrClosed
	}
	if err != nil {
		return h.refusal(w, r, err)
	}
	f := web.NewForm(nil)
	f.Values = url.Values{institution.FieldName: {i.Name}, institution.FieldKind: {string(i.Kind)}}
	return h.renderForm(w, r, http.StatusOK, formPage{Form: f, Action: r.URL.Path, Current: &i})
}

func (h *handler) changePost(w http.ResponseWriter, r *http.Request) error {
	i, err := h.institutionOf(r)
	if err != nil {
		return h.refusal(w, r, err)
	}
	f := web.NewForm(r)
	changed, err := h.Institutions.Change(r.Context(), actor(r), i.UnitID, i.ID, institution.Change{Name: f.Get(institution.FieldName),
		Kind: institution.Kind(f.Get(institution.FieldKind)), Operator: operator(f)})
	switch {
	case err == nil && changed.InitialPassword != "":
		return h.renderPassword(w, r, changed.Institution, changed.InitialPassword, shownAfterNewOperator)
	case err == nil:
		http.Redirect(w, r, "/unit/institutions?notice=changed", http.StatusSeeOther)
		return nil
	case errors.Is(err, institution.ErrNotFound) || !formFailed(f, err):
		return h.refusal(w, r, err)
	}
	return h.renderForm(w, r, http.StatusUnprocessableEntity, formPage{Form: f, Action: r.URL.Path, Current: &i})
}

// Actions asked for on a confirmation page.
const (
	actionReset = "reset"
	actionClose = "close"
)

// confirmPage asks before a reset or a close.
type confirmPage struct {
	Shell       web.UnitShell
	Institution institution.Institution
	Action      string
	Close       bool
}

func (h *handler) confirmShow(action string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		i, err := h.institutionOf(r)
		if err == nil && !i.Open() {
			err = institution.ErrClosed
		}
		if err != nil {
			return h.refusal(w, r, err)
		}
		sh, err := h.UnitShellFor(r.Context(), "institutions")
		if err != nil {
			return err
		}
		title := "重置机构账户密码"
		if action == actionClose {
			title = "关闭机构账户"
		}
		return h.Render(w, r, http.StatusOK, "unit-institution-confirm", title, "",
			confirmPage{Shell: sh, Institution: i, Action: r.URL.Path, Close: action == actionClose})
	}
}

func (h *handler) resetPost(w http.ResponseWriter, r *http.Request) error {
	i, err := h.institutionOf(r)
	if err != nil {
		return h.refusal(w, r, err)
	}
	opened, err := h.Institutions.ResetPassword(r.Context(), actor(r), i.UnitID, i.ID)
	if err != nil {
		return h.refusal(w, r, err)
	}
	return h.renderPassword(w, r, opened.Institution, opened.InitialPassword, shownAfterReset)
}

func (h *handler) closePost(w http.ResponseWriter, r *http.Request) error {
	i, err := h.institutionOf(r)
	if err != nil {
		return h.refusal(w, r, err)
	}
	if err := h.Institutions.Close(r.Context(), actor(r), i.UnitID, i.ID); err != nil {
		return h.refusal(w, r, err)
	}
	http.Redirect(w, r, "/unit/institutions?notice=closed", http.StatusSeeOther)
	return nil
}
