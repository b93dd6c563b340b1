package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/cases"
	"hall/internal/notices"
	"hall/internal/staff"
	"hall/internal/web"
)

// 公示公告管理 (H1): the notices in every state, a new draft, a draft's page with
// its edit form (clerks), 发布 (a reviewer who neither wrote nor last edited it)
// and 撤回 (reviewers), each with the typed reason. notices.Service authorizes
// every command again and audits it; the public hall shows published notices only.

// noticeBodyLimit bounds the draft form: a body of notices.MaxBodyRunes characters
// of up to four bytes each, percent-encoded (three bytes per byte), and the title,
// category and reason.
const noticeBodyLimit = notices.MaxBodyRunes*4*3 + 16<<10

// noticesPage is the list of notices.
type noticesPage struct {
	State   notices.State // "" for every state
	States  []notices.State
	Notices []notices.Notice
	Total   int
	Pager   web.Pager
	// Draft: the actor may write drafts (新建公示公告).
	Draft bool
}

// noticesList is GET /admin/notices/: ?state= (every state by default), the
// latest changed first, paged.
func (h *handler) noticesList(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	st := notices.State(r.URL.Query().Get("state"))
	if !st.Valid() {
		st = ""
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	f := notices.Filter{State: st, Page: max(page, 1), PerPage: perPage}
	list, total, err := h.NoticeBoard.StaffList(r.Context(), sr.actor, f)
	if err != nil {
		return refused(err)
	}
	f = f.Normalized(total)
	pager := web.NewPager(f.Page, cases.Pages(total, f.PerPage), func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if st != "" {
			v.Set("state", string(st))
		}
		return "/admin/notices/?" + v.Encode()
	})
	return h.Render(w, r, http.StatusOK, "admin-notices", "公示公告管理", "notices", noticesPage{State: st,
		States: notices.States, Notices: list, Total: total, Pager: pager,
		Draft: allow(sr.actor, staff.ActionNoticeDraft) == nil})
}

// noticePage is a notice's page in the back office, or the new draft's form
// (Notice.ID 0).
type noticePage struct {
	Notice notices.Notice
	// Edit: the actor may edit the draft (a clerk); Publish: may publish it (a
	// reviewer: the domain still refuses the author and the last editor);
	// Withdraw: may withdraw the published notice.
	Edit, Publish, Withdraw bool
	// Draft is the edit form, Decide the publish or withdraw form with its reason.
	Draft, Decide *web.Form
	Categories    []notices.Category
}

// Version is the notice's version as the forms carry it back: Edit and Publish
// refuse a draft changed since the page was shown.
func (p noticePage) Version() string { return strconv.FormatInt(p.Notice.Version, 10) }

// seenVersion is the version a form carried back; a missing or unreadable one is
// 0, which no saved notice has, so the step is refused as edited.
func seenVersion(r *http.Request) int64 {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// Body is the draft form's body as sent or saved: the textarea shows it whole,
// which web.Form's echo would cut (notices run longer than any other field).
func (p noticePage) Body() string {
	if v, ok := p.Draft.Values[notices.FieldBody]; ok {
		return v[0]
	}
	return p.Notice.Body
}

// CategoryField is the draft form's category select.
func (p noticePage) CategoryField() web.Field {
	var opts []string
	for _, c := range notices.Categories {
		opts = append(opts, string(c), c.Label())
	}
	return p.Draft.Field(notices.FieldCategory, "类别", "select", opts...)
}

// draftForm is the edit form filled from n.
func draftForm(n notices.Notice) *web.Form {
	f := web.NewForm(nil)
	f.Values.Set(notices.FieldTitle, n.Title)
	f.Values.Set(notices.FieldCategory, string(n.Category))
	return f
}

// noticeNewShow is GET /admin/notices/new: the empty draft form.
func (h *handler) noticeNewShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.Render(w, r, http.StatusOK, "admin-notice", "新建公示公告", "notices",
		noticePage{Edit: true, Draft: web.NewForm(nil), Decide: web.NewForm(nil), Categories: notices.Categories})
}

// draftOf reads the draft form.
func draftOf(r *http.Request) notices.Draft {
	return notices.Draft{Title: r.PostFormValue(notices.FieldTitle), Category: notices.Category(r.PostFormValue(notices.FieldCategory)),
		Body: r.PostFormValue(notices.FieldBody)}
}

// noticeNewPost is POST /admin/notices/new: saves the draft and shows it.
func (h *handler) noticeNewPost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	n, err := h.NoticeBoard.Create(r.Context(), sr.actor, draftOf(r), r.PostFormValue("reason"))
	if err == nil {
		http.Redirect(w, r, "/admin/notices/"+strconv.FormatInt(n.ID, 10), http.StatusSeeOther)
		return nil
	}
	f := web.NewForm(r)
	status, err := failDraft(f, err)
	if err != nil {
		return err
	}
	return h.Render(w, r, status, "admin-notice", "新建公示公告", "notices",
		noticePage{Edit: true, Draft: f, Decide: web.NewForm(nil), Categories: notices.Categories})
}

// failDraft puts a refusal of a draft or a step on f: beside its field, or above
// the form. It returns the page's status, or the error when it is no refusal.
func failDraft(f *web.Form, err error) (int, error) {
	var ne *notices.Error
	switch {
	case errors.As(err, &ne) && ne.Field != "":
		f.Fail(ne.Field, ne.Msg)
	case errors.Is(err, staff.ErrForbidden):
		f.Top = staff.Message(err)
		return http.StatusForbidden, nil
	case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
		f.Fail("reason", staff.Message(err))
	case errors.Is(err, notices.ErrStale), errors.Is(err, notices.ErrEdited):
		f.Top = ne.Msg // set by the errors.As of the first case
		return http.StatusConflict, nil
	default:
		return 0, err
	}
	return http.StatusUnprocessableEntity, nil
}

// noticeID is the path's notice ID; an unparsable one is 404.
func noticeID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, web.StatusError(http.StatusNotFound, notices.ErrNotFound.Msg)
	}
	return id, nil
}

// noticeShow is GET /admin/notices/{id}.
func (h *handler) noticeShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderNotice(w, r, sr, http.StatusOK, nil, web.NewForm(nil))
}

// renderNotice shows the path's notice with the forms its state and the actor's
// roles allow; draft is the edit form as sent (nil: filled from the notice).
func (h *handler) renderNotice(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, draft, decide *web.Form) error {
	id, err := noticeID(r)
	if err != nil {
		return err
	}
	n, err := h.NoticeBoard.StaffNotice(r.Context(), sr.actor, id)
	if errors.Is(err, notices.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, notices.ErrNotFound.Msg)
	}
	if err != nil {
		return refused(err)
	}
	if draft == nil {
		draft = draftForm(n)
	}
	p := noticePage{Notice: n, Draft: draft, Decide: decide, Categories: notices.Categories,
		Edit:     n.State == notices.StateDraft && allow(sr.actor, staff.ActionNoticeDraft) == nil,
		Publish:  n.State == notices.StateDraft && allow(sr.actor, staff.ActionNoticePublish) == nil,
		Withdraw: n.State == notices.StatePublished && allow(sr.actor, staff.ActionNoticeWithdraw) == nil}
	return h.Render(w, r, status, "admin-notice", n.Title, "notices", p)
}

// noticeEdit is POST /admin/notices/{id}/edit.
func (h *handler) noticeEdit(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, err := noticeID(r)
	if err != nil {
		return err
	}
	_, err = h.NoticeBoard.Edit(r.Context(), sr.actor, id, seenVersion(r), draftOf(r), r.PostFormValue("reason"))
	return h.afterStep(w, r, sr, id, err, true)
}

// noticeStep is POST /admin/notices/{id}/publish or /withdraw.
func (h *handler) noticeStep(step func(*notices.Service, *http.Request, staff.Actor, int64, string) (notices.Notice, error)) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
		id, err := noticeID(r)
		if err != nil {
			return err
		}
		_, err = step(h.NoticeBoard, r, sr.actor, id, r.PostFormValue("reason"))
		return h.afterStep(w, r, sr, id, err, false)
	}
}

func noticePublish(s *notices.Service, r *http.Request, a staff.Actor, id int64, reason string) (notices.Notice, error) {
	return s.Publish(r.Context(), a, id, seenVersion(r), reason)
}

func noticeWithdraw(s *notices.Service, r *http.Request, a staff.Actor, id int64, reason string) (notices.Notice, error) {
	return s.Withdraw(r.Context(), a, id, reason)
}

// afterStep shows the notice again: after a redirect on success, with the refusal
// on the form that was sent otherwise.
func (h *handler) afterStep(w http.ResponseWriter, r *http.Request, sr staffRequest, id int64, err error, edit bool) error {
	if err == nil {
		http.Redirect(w, r, "/admin/notices/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	if errors.Is(err, notices.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, notices.ErrNotFound.Msg)
	}
	f := web.NewForm(r)
	status, err := failDraft(f, err)
	if err != nil {
		return err
	}
	if edit {
		return h.renderNotice(w, r, sr, status, f, web.NewForm(nil))
	}
	return h.renderNotice(w, r, sr, status, nil, f)
}
