package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/counter"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/validity"
	"hall/internal/web"
)

// passwordResetPage is the 窗口重置密码 form.
type passwordResetPage struct {
	Form *web.Form
}

// IDTypeField is the select of ID types.
func (p passwordResetPage) IDTypeField() web.Field {
	return p.Form.Field("id_type", "证件类型", "select", web.IDTypeOptions()...)
}

// passwordResetShow is GET /admin/counter/password-reset (clerks).
func (h *handler) passwordResetShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderPasswordReset(w, r, http.StatusOK, web.NewForm(nil))
}

func (h *handler) renderPasswordReset(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	return h.Render(w, r, status, "admin-password-reset", "窗口重置密码", "counter",
		passwordResetPage{Form: f})
}

// maxFormMemory is how much of a multipart form is held in memory; the rest of a
// scan goes to a temporary file until the request ends.
const maxFormMemory = 1 << 20

// scanField is a file input of a counter form and the kind of document it takes.
type scanField struct {
	Name string
	Kind scans.Kind
}

// idScans: the forms of a person's own matter (窗口重置密码, an appeal's release)
// take the scan of the person's ID.
var idScans = []scanField{{"scan", scans.KindIDCard}}

// parseUploads parses a counter form sent as multipart and returns the files sent in
// fields (a field left empty is left out: the domain says which is missing), with
// what closes them once the request is recorded.
func parseUploads(r *http.Request, fields []scanField) ([]scans.Upload, func(), error) {
	// #nosec G120 -- the router reads every body through http.MaxBytesReader (web.Server) before any handler runs.
	if err := r.ParseMultipartForm(maxFormMemory); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, nil, web.StatusError(http.StatusRequestEntityTooLarge, "上传的文件过大：每份扫描件不超过10MB。")
		}
		return nil, nil, web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	var uploads []scans.Upload
	var open []io.Closer
	for _, fd := range fields {
		file, header, err := r.FormFile(fd.Name)
		if err != nil {
			continue
		}
		open = append(open, file)
		uploads = append(uploads, scans.Upload{Kind: fd.Kind, Name: header.Filename, Body: file})
	}
	return uploads, func() {
		for _, c := range open {
			_ = c.Close() // the uploaded parts were read-only; the request is over
		}
	}, nil
}

// passwordResetPost is POST /admin/counter/password-reset: the person as their ID
// shows them, the scan of the ID and the reason, recorded for a reviewer
// (counter.SubmitPasswordReset).
func (h *handler) passwordResetPost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	at := refusalFields{IDNumber: "id_number", Name: "name", Scans: idScans}
	return h.submitCounterForm(w, r, sr, at, func(f *web.Form, uploads []scans.Upload) (counter.Request, error) {
		in := counter.PasswordResetInput{Person: counter.Identity{IDType: ident.IDType(f.Get("id_type")),
			IDNumber: f.Get("id_number"), Name: f.Get("name")}}
		return h.Counter.SubmitPasswordReset(r.Context(), sr.actor, in, f.Values.Get("reason"), uploads)
	}, func(f *web.Form) error { return h.renderPasswordReset(w, r, http.StatusOK, f) })
}

// errFormRefused: the form's own checks failed, and its fields say why.
var errFormRefused = errors.New("admin: form refused")

// submitCounterForm runs a counter form that carries scans: the scans of at.Scans
// are read, submit records the request (or returns errFormRefused after failing
// fields of f; a role that may not submit gets the counter's refusal before any
// field is checked or looked up), and the clerk is sent to the request, or sees
// the form again (render) with each refusal beside its field.
func (h *handler) submitCounterForm(w http.ResponseWriter, r *http.Request, sr staffRequest, at refusalFields,
	submit func(f *web.Form, uploads []scans.Upload) (counter.Request, error), render func(f *web.Form) error) error {
	uploads, closeUploads, err := parseUploads(r, at.Scans)
	if err != nil {
		return err
	}
	defer closeUploads()
	f := web.NewForm(r)
	q, err := submit(f, uploads)
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/counter/"+strconv.FormatInt(q.ID, 10), http.StatusSeeOther)
		return nil
	case errors.Is(err, errFormRefused), failField(f, err, at):
		return render(f)
	}
	return refused(err)
}

// refusalFields names where a form shows the counter's refusals about the person
// (their ID number, their name) and about each scan; "" leaves one above the form.
type refusalFields struct {
	IDNumber, Name string
	Scans          []scanField
}

// failField puts a counter refusal beside its field (or above the form) and reports
// whether err was such a refusal.
func failField(f *web.Form, err error, at refusalFields) bool {
	msg := counter.Message(err)
	var scanErr *counter.ScanError
	switch {
	case errors.Is(err, counter.ErrPersonNotFound) && at.IDNumber != "":
		f.Fail(at.IDNumber, msg)
	case errors.Is(err, counter.ErrNameMismatch) && at.Name != "":
		f.Fail(at.Name, msg)
	case errors.As(err, &scanErr) && scanFieldOf(at.Scans, scanErr.Kind) != "":
		f.Fail(scanFieldOf(at.Scans, scanErr.Kind), msg)
	case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
		f.Fail("reason", msg)
	case errors.As(err, new(*counter.Error)), errors.As(err, new(*delegation.Error)), scans.Message(err) != "":
		f.Top = msg
	default:
		return false
	}
	return true
}

// scanFieldOf is the input of fields that takes kind, "" when none does.
func scanFieldOf(fields []scanField, kind scans.Kind) string {
	for _, fd := range fields {
		if fd.Kind == kind {
			return fd.Name
		}
	}
	return ""
}

// queuePage is the list of counter requests.
type queuePage struct {
	Status   counter.Status
	Requests []counter.Request
	Pager    web.Pager
}

// perPage is the length of a page of the request list.
const perPage = 20

// queue is GET /admin/counter/: the requests of one status (?status=, the waiting
// ones oldest first), a page at a time (pageStart).
func (h *handler) queue(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	status := counter.Status(r.URL.Query().Get("status"))
	if status.Label() == "" {
		status = ""
	}
	after, back := pageStart(r)
	list, err := h.Counter.List(r.Context(), sr.actor, counter.Filter{Status: status, After: after, Back: back, PerPage: perPage})
	if err != nil {
		return refused(err)
	}
	pager := keysetPager("/admin/counter/", url.Values{"status": {string(status)}}, list.Prev, list.Next)
	return h.Render(w, r, http.StatusOK, "admin-counter", "窗口业务", "counter",
		queuePage{Status: status, Requests: list.Rows, Pager: pager})
}

// requestPage is one counter request with its scans and, for a reviewer, the
// decision form.
type requestPage struct {
	Request counter.Request
	Person  counter.Identity // the password reset's person
	// Registration is the unit registration's form, masked (nil for other kinds).
	Registration *registrationView
	Scans        []scans.Scan
	Decide       bool // the actor's role may decide (the domain still refuses one's own)
	// Resend: a clerk may send a new initial password (the person has not set one).
	Resend bool
	Resent bool
	Form   *web.Form
	// Undelivered: the approval's SMS was not taken by the gateway.
	Undelivered bool
	// AdminChange is the 管理员变更's unit and new administrator, masked.
	AdminChange *adminChangeView
}

// adminChangeView is what a 管理员变更 asks, as its request page shows it.
type adminChangeView struct {
	USCC, Name, IDNumber, Mobile, Until string
	Replaces                            bool
}

// requestShow is GET /admin/counter/{id}.
func (h *handler) requestShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderRequest(w, r, sr, http.StatusOK, web.NewForm(nil))
}

func (h *handler) renderRequest(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, f *web.Form) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return web.StatusError(http.StatusNotFound, counter.ErrNotFound.Msg)
	}
	q, sc, err := h.Counter.Get(r.Context(), sr.actor, id)
	if errors.Is(err, counter.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, counter.ErrNotFound.Msg)
	}
	if err != nil {
		return refused(err)
	}
	p := requestPage{Request: q, Scans: sc, Form: f, Undelivered: r.URL.Query().Get("sent") == "0",
		Decide: q.Status == counter.StatusSubmitted && sr.actor.Roles.Has(staff.RoleReviewer),
		Resend: q.Status == counter.StatusApproved && q.Outcome["first_login"] == "sms" && sr.actor.Roles.Has(staff.RoleClerk),
		Resent: r.URL.Query().Get("sent") == "1"}
	if q.Unreadable {
		// Nothing of the form to show; the page says so and offers the rejection
		// only (renderError's wording for the back office).
		return h.Render(w, r, status, "admin-counter-request", q.Kind.Label()+" 第"+strconv.FormatInt(q.ID, 10)+"号", "counter", p)
	}
	if q.Kind == counter.KindPasswordReset {
		var in counter.PasswordResetInput
		if err := json.Unmarshal(q.Data, &in); err != nil {
			return err
		}
		p.Person = in.Person
		p.Person.IDNumber = ident.MaskID(in.Person.IDNumber)
	}
	if q.Kind == counter.KindUnitRegister {
		var in counter.UnitRegistrationInput
		if err := json.Unmarshal(q.Data, &in); err != nil {
			return err
		}
		p.Registration = registrationViewOf(in)
		if q.Status == counter.StatusSubmitted {
			// What approval will do for the legal rep: open an account, or use theirs.
			_, err := h.Persons.ByIdentity(r.Context(), in.LegalRep.IDType, in.LegalRep.IDNumber)
			if err != nil && !errors.Is(err, person.ErrNotFound) {
				return err
			}
			p.Registration.RepAccount = repAccountNew
			if err == nil {
				p.Registration.RepAccount = repAccountExists
			}
		}
	}
	if q.Kind == counter.KindAdminChange {
		var in counter.AdminChangeInput
		if err := json.Unmarshal(q.Data, &in); err != nil {
			return err
		}
		p.AdminChange = &adminChangeView{USCC: in.Unit, Name: ident.MaskName(in.Nominee.Name), IDNumber: ident.MaskID(in.Nominee.IDNumber),
			Mobile: ident.MaskMobile(in.Nominee.Mobile), Until: validity.LastDay(in.ValidUntil), Replaces: in.Replace != 0}
	}
	return h.Render(w, r, status, "admin-counter-request", q.Kind.Label()+" 第"+strconv.FormatInt(q.ID, 10)+"号", "counter", p)
}

// approve is POST /admin/counter/{id}/approve (reviewers, never the request's clerk).
func (h *handler) approve(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	out, err := h.Counter.Approve(r.Context(), sr.actor, id, r.PostFormValue("reason"))
	if err != nil {
		return h.decisionRefused(w, r, sr, err)
	}
	next := "/admin/counter/" + strconv.FormatInt(out.Request.ID, 10)
	if !out.Delivered {
		next += "?sent=0"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// reject is POST /admin/counter/{id}/reject: back to the clerk with the reason.
func (h *handler) reject(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	q, err := h.Counter.Reject(r.Context(), sr.actor, id, r.PostFormValue("reason"))
	if err != nil {
		return h.decisionRefused(w, r, sr, err)
	}
	http.Redirect(w, r, "/admin/counter/"+strconv.FormatInt(q.ID, 10), http.StatusSeeOther)
	return nil
}

// resend is POST /admin/counter/{id}/resend (clerks): a new initial password by SMS
// when the first did not reach the person and they have not set their own.
func (h *handler) resend(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	out, err := h.Counter.Resend(r.Context(), sr.actor, id, r.PostFormValue("reason"))
	if err != nil {
		return h.decisionRefused(w, r, sr, err)
	}
	sent := "1"
	if !out.Delivered {
		sent = "0"
	}
	http.Redirect(w, r, "/admin/counter/"+strconv.FormatInt(out.Request.ID, 10)+"?sent="+sent, http.StatusSeeOther)
	return nil
}

// decisionRefused shows the request again with the refusal of an approval or
// rejection: beside the reason, or above the form (403 for a denial such as one's
// own work, whose sentence the domain gives).
func (h *handler) decisionRefused(w http.ResponseWriter, r *http.Request, sr staffRequest, err error) error {
	f := web.NewForm(r)
	status := http.StatusOK
	switch {
	case errors.Is(err, counter.ErrNotFound):
		return web.StatusError(http.StatusNotFound, counter.ErrNotFound.Msg)
	case errors.Is(err, staff.ErrForbidden):
		status, f.Top = http.StatusForbidden, staff.Message(err)
	case !failField(f, err, refusalFields{}):
		return err
	}
	return h.renderRequest(w, r, sr, status, f)
}

// scanDownload is GET /admin/scans/{id}: a scan as a download (scans.Store.Read
// authorizes and audits), never shown inline.
func (h *handler) scanDownload(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	sc, body, err := h.Scans.Read(r.Context(), sr.actor, r.PathValue("id"))
	if errors.Is(err, scans.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, "未找到该扫描件。")
	}
	if err != nil {
		return refused(err)
	}
	w.Header().Set("Content-Type", sc.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="scan-`+sc.ID[:8]+web.FileExtension(sc.ContentType)+`"`)
	// #nosec G705 -- a stored scan served as an attachment with its checked content type, never rendered in the back office.
	_, err = w.Write(body)
	return err
}
