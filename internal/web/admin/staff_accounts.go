package admin

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"hall/internal/qr"
	"hall/internal/staff"
	"hall/internal/web"
)

// staffFormPage is the 新建工作人员账户 form.
type staffFormPage struct {
	Form  *web.Form
	Roles []roleChoice
}

// roleChoice is one role's checkbox.
type roleChoice struct {
	Value, Label string
	Checked      bool
}

func newStaffFormPage(f *web.Form) staffFormPage {
	p := staffFormPage{Form: f}
	chosen := map[string]bool{}
	for _, v := range f.Values["roles"] {
		chosen[v] = true
	}
	for _, r := range staff.AllRoles {
		p.Roles = append(p.Roles, roleChoice{Value: string(r), Label: r.Label(), Checked: chosen[string(r)]})
	}
	return p
}

// staffNewShow is GET /admin/staff/new (security administrators).
func (h *handler) staffNewShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.Render(w, r, http.StatusOK, "admin-staff-new", "新建工作人员账户", "staff", newStaffFormPage(web.NewForm(nil)))
}

// enrolmentPage shows a new account's first-login credentials once: the initial
// password and the TOTP secret, as a QR code for the authenticator app and as text.
type enrolmentPage struct {
	Created staff.Created
	QR      template.URL
	// Reset: the credentials of an existing account were reset (not a new account).
	Reset bool
}

// qrPixels is the width of the enrolment's QR code.
const qrPixels = 240

// staffNewPost is POST /admin/staff/new: staff.Create, then the enrolment page. The
// password and secret are shown in this answer only (never stored in the clear).
func (h *handler) staffNewPost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	// Another role gets the refusal, not the form back with its complaints.
	if err := allow(sr.actor, staff.ActionStaffCreate); err != nil {
		return err
	}
	f := web.NewForm(r)
	var roles []staff.Role
	for _, v := range f.Values["roles"] {
		if role, ok := staff.ParseRole(v); ok {
			roles = append(roles, role)
		}
	}
	c, err := h.Staff.Create(r.Context(), sr.actor, staff.NewStaff{Login: f.Get("login"), Name: f.Get("name"),
		Roles: staff.RolesOf(roles...)}, f.Values.Get("reason"))
	switch {
	case err == nil:
		code, err := qr.DataURL(c.Enrolment.URI, qrPixels)
		if err != nil {
			return err
		}
		return h.Render(w, r, http.StatusOK, "admin-staff-created", "账户已创建", "staff", enrolmentPage{Created: c, QR: code})
	case errors.Is(err, staff.ErrBadLogin), errors.Is(err, staff.ErrLoginTaken):
		f.Fail("login", staff.Message(err))
	case errors.Is(err, staff.ErrBadName):
		f.Fail("name", staff.Message(err))
	case errors.Is(err, staff.ErrNoRole), errors.Is(err, staff.ErrRoleConflict):
		f.Fail("roles", staff.Message(err))
	case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
		f.Fail("reason", staff.Message(err))
	default:
		return refused(err)
	}
	return h.Render(w, r, http.StatusOK, "admin-staff-new", "新建工作人员账户", "staff", newStaffFormPage(f))
}

// 工作人员账户 (security administrators): the paged list, and an account's page with
// 变更角色, 停用 / 启用 and 重置密码和动态口令, each with the reason typed. The
// domain (staff.Service) authorizes every command again — nobody manages their own
// account — and audits it; a refusal is shown on the page, never as a failure.

// staffListPage is the list of accounts.
type staffListPage struct {
	Accounts []staff.Listed
	Total    int
	Pager    web.Pager
	Create   bool // the actor may create accounts (新建工作人员账户)
}

// staffList is GET /admin/staff/: the accounts by login, paged.
func (h *handler) staffList(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list, total, err := h.Staff.List(r.Context(), sr.actor, page, perPage)
	if err != nil {
		return refused(err)
	}
	pager := web.NewPager(page, max((total+perPage-1)/perPage, 1), func(n int) string {
		return "/admin/staff/?page=" + strconv.Itoa(n)
	})
	return h.Render(w, r, http.StatusOK, "admin-staff-list", "工作人员账户", "staff", staffListPage{Accounts: list,
		Total: total, Pager: pager, Create: allow(sr.actor, staff.ActionStaffCreate) == nil})
}

// The account page's forms: each its own reason field (one page holds three forms,
// and each label names its own reason).
const (
	fieldRolesReason = "roles_reason"
	fieldStateReason = "state_reason"
	fieldResetReason = "reset_reason"
	// fieldExpectedRoles carries the roles the page showed (staff.Roles.String),
	// so that SetRoles refuses a change made by someone else in between.
	fieldExpectedRoles = "expected_roles"
)

// staffAccountPage is one account's page.
type staffAccountPage struct {
	Account staff.Listed
	Self    bool // the actor's own account
	// Roles are the checkboxes: as sent after a refusal, else the account's roles.
	Roles []roleChoice
	// Expected is the account's roles as this page shows them (the hidden field).
	Expected string
	// RolesForm, StateForm and ResetForm are the three forms with their refusals.
	RolesForm, StateForm, ResetForm *web.Form
	// RolesDenied, StateDenied, ResetDenied: the domain's sentence when the actor
	// may not take that action about this account (one's own: another security
	// administrator does it); the form is then not shown.
	RolesDenied, StateDenied, ResetDenied string
	// Done is the sentence confirming the command just made (after its redirect).
	Done string
}

// accountDone are the confirmations of the ?done= a command redirects with.
var accountDone = map[string]string{
	"roles":    "角色已变更。该账户已退出登录，重新登录后按新角色办理。",
	"disabled": "账户已停用，该账户已退出登录，不能再登录。",
	"enabled":  "账户已启用，可以重新登录。",
}

// staffID is the path's account ID; an unparsable one is 404.
func staffID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoAccount
	}
	return id, nil
}

var errNoAccount = web.StatusError(http.StatusNotFound, "没有这个工作人员账户")

// staffShow is GET /admin/staff/{id}.
func (h *handler) staffShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderAccount(w, r, sr, http.StatusOK, web.NewForm(nil), web.NewForm(nil), web.NewForm(nil))
}

// renderAccount shows the path's account with the three forms, rolesForm holding
// the roles as sent when it carries them.
func (h *handler) renderAccount(w http.ResponseWriter, r *http.Request, sr staffRequest, status int,
	rolesForm, stateForm, resetForm *web.Form) error {
	id, err := staffID(r)
	if err != nil {
		return err
	}
	acc, err := h.Staff.Account(r.Context(), sr.actor, id)
	if errors.Is(err, staff.ErrNotFound) {
		return errNoAccount
	}
	if err != nil {
		return refused(err)
	}
	p := staffAccountPage{Account: acc, Self: acc.ID == sr.actor.StaffID, Expected: acc.Roles.String(),
		RolesForm: rolesForm, StateForm: stateForm, ResetForm: resetForm, Done: accountDone[r.URL.Query().Get("done")]}
	chosen := acc.Roles
	if _, sent := rolesForm.Values[fieldExpectedRoles]; sent && rolesForm.Top == "" {
		chosen = rolesOf(rolesForm.Values["roles"])
	}
	for _, role := range staff.AllRoles {
		p.Roles = append(p.Roles, roleChoice{Value: string(role), Label: role.Label(), Checked: chosen.Has(role)})
	}
	state := staff.ActionStaffDisable
	if acc.Disabled {
		state = staff.ActionStaffEnable
	}
	subject := staff.Subject{StaffID: acc.ID}
	p.RolesDenied = denial(sr.actor, staff.ActionStaffRoles, staff.Subject{StaffID: acc.ID, Roles: acc.Roles})
	p.StateDenied = denial(sr.actor, state, subject)
	p.ResetDenied = denial(sr.actor, staff.ActionStaffReset, subject)
	return h.Render(w, r, status, "admin-staff-account", acc.Name+"（"+acc.Login+"）", "staff", p)
}

// denial is the domain's sentence refusing actor action about subject, "" when allowed.
func denial(actor staff.Actor, action staff.Action, subject staff.Subject) string {
	if _, err := staff.Authorize(actor, action, subject); err != nil {
		return staff.Message(err)
	}
	return ""
}

// rolesOf reads role codes (checkbox values, or the hidden field split at ","),
// ignoring anything that names no role.
func rolesOf(values []string) staff.Roles {
	var out staff.Roles
	for _, v := range values {
		for _, code := range strings.Split(v, ",") {
			if role, ok := staff.ParseRole(strings.TrimSpace(code)); ok {
				out |= staff.RolesOf(role)
			}
		}
	}
	return out
}

// staffRoles is POST /admin/staff/{id}/roles: staff.SetRoles with the roles the
// page showed as expected.
func (h *handler) staffRoles(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, err := staffID(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	expected := rolesOf(f.Values[fieldExpectedRoles])
	err = h.Staff.SetRoles(r.Context(), sr.actor, id, expected, rolesOf(f.Values["roles"]), f.Values.Get(fieldRolesReason))
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/staff/"+strconv.FormatInt(id, 10)+"?done=roles", http.StatusSeeOther)
		return nil
	case errors.Is(err, staff.ErrStaleRoles):
		// The page is shown again with the roles the account has now, so the
		// administrator sees what the other change was before deciding again.
		f.Top = "提交失败：该账户的角色已被他人修改，下方显示的是现在的角色，请核对后重新选择并提交。"
		return h.renderAccount(w, r, sr, http.StatusConflict, f, web.NewForm(nil), web.NewForm(nil))
	case errors.Is(err, staff.ErrNoRole), errors.Is(err, staff.ErrRoleConflict):
		f.Fail("roles", staff.Message(err))
	}
	status, err := failAccount(f, fieldRolesReason, "变更原因", err)
	if err != nil {
		return err
	}
	return h.renderAccount(w, r, sr, status, f, web.NewForm(nil), web.NewForm(nil))
}

// staffState is POST /admin/staff/{id}/disable or /enable.
func (h *handler) staffState(disable bool) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
		id, err := staffID(r)
		if err != nil {
			return err
		}
		f := web.NewForm(r)
		label, done := "启用原因", "enabled"
		if disable {
			label, done = "停用原因", "disabled"
			err = h.Staff.Disable(r.Context(), sr.actor, id, f.Values.Get(fieldStateReason))
		} else {
			err = h.Staff.Enable(r.Context(), sr.actor, id, f.Values.Get(fieldStateReason))
		}
		if err == nil {
			http.Redirect(w, r, "/admin/staff/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
			return nil
		}
		status, err := failAccount(f, fieldStateReason, label, err)
		if err != nil {
			return err
		}
		return h.renderAccount(w, r, sr, status, web.NewForm(nil), f, web.NewForm(nil))
	}
}

// staffReset is POST /admin/staff/{id}/reset: staff.ResetCredentials, then the new
// initial password and TOTP QR code, shown in this answer only.
func (h *handler) staffReset(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, err := staffID(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	c, err := h.Staff.ResetCredentials(r.Context(), sr.actor, id, f.Values.Get(fieldResetReason))
	if err == nil {
		code, err := qr.DataURL(c.Enrolment.URI, qrPixels)
		if err != nil {
			return err
		}
		return h.Render(w, r, http.StatusOK, "admin-staff-created", "密码和动态口令已重置", "staff",
			enrolmentPage{Created: c, QR: code, Reset: true})
	}
	status, err := failAccount(f, fieldResetReason, "重置原因", err)
	if err != nil {
		return err
	}
	return h.renderAccount(w, r, sr, status, web.NewForm(nil), web.NewForm(nil), f)
}

// failAccount puts a command's refusal on f: the reason beside its field (labelled
// label), the domain's denial (one's own account, a role taken away) above the form
// with 403; a refusal already on f is 422. It returns the page's status, or err when
// it is no refusal (an unknown account: 404).
func failAccount(f *web.Form, reasonField, label string, err error) (int, error) {
	switch {
	case errors.Is(err, staff.ErrNotFound):
		return 0, errNoAccount
	case errors.Is(err, staff.ErrForbidden):
		f.Top = staff.Message(err)
		return http.StatusForbidden, nil
	case errors.Is(err, staff.ErrReasonRequired):
		f.Fail(reasonField, "请填写"+label)
	case errors.Is(err, staff.ErrReasonTooLong):
		f.Fail(reasonField, label+"不能超过200字")
	case len(f.Errors) == 0:
		return 0, err
	}
	return http.StatusUnprocessableEntity, nil
}
