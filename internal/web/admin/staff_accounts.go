package admin

import (
	"errors"
	"html/template"
	"net/http"

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
	if err := allow(sr.actor, staff.ActionStaffCreate); err != nil {
		return err
	}
	return h.Render(w, r, http.StatusOK, "admin-staff-new", "新建工作人员账户", "staff", newStaffFormPage(web.NewForm(nil)))
}

// enrolmentPage shows a new account's first-login credentials once: the initial
// password and the TOTP secret, as a QR code for the authenticator app and as text.
type enrolmentPage struct {
	Created staff.Created
	QR      template.URL
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
