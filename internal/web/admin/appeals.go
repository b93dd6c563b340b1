package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hall/internal/counter"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/web"
)

// appealView is an appeal as the back office shows it: its personal data masked
// (the clerk compares the documents in hand with the last digits), its description
// and decision in full.
type appealView struct {
	ID             int64
	Number         string
	Kind           person.AppealKind
	IDType         string
	IDNumber       string
	Name           string
	Mobile         string
	ContactMobile  string
	Description    string
	Open           bool
	CreatedAt      time.Time
	DecidedAt      time.Time
	Decision       string
	DecisionReason string
	// Unreadable: the appeal's sealed values did not open (counter.Appeal); a list
	// shows it marked, without name, ID number or mobiles.
	Unreadable bool
}

// DecisionLabel is the decision's Chinese name.
func (a appealView) DecisionLabel() string {
	switch a.Decision {
	case counter.DecisionReleased:
		return "已释放"
	case counter.DecisionRejected:
		return "已答复（未予支持）"
	}
	return "待处理"
}

// Releasable: the appeal is about an ID number or a mobile the counter can free.
func (a appealView) Releasable() bool {
	return a.Kind == person.AppealIDTaken || a.Kind == person.AppealMobileTaken
}

func viewAppeal(a counter.Appeal) appealView {
	v := appealView{ID: a.ID, Number: person.AppealNumber(a.ID), Kind: a.Kind, IDType: a.IDType.Label(),
		IDNumber: ident.MaskID(a.IDNumber), Name: ident.MaskName(a.Name), ContactMobile: ident.MaskMobile(a.ContactMobile),
		Description: a.Description, Open: a.Status == person.AppealOpen, CreatedAt: a.CreatedAt, DecidedAt: a.DecidedAt,
		Decision: a.Decision, DecisionReason: a.DecisionReason, Unreadable: a.Unreadable}
	if a.Mobile != "" {
		v.Mobile = ident.MaskMobile(a.Mobile)
	}
	return v
}

// appealsPage is the queue of appeals.
type appealsPage struct {
	Status  person.AppealStatus
	Appeals []appealView
	Pager   web.Pager
}

// appeals is GET /admin/appeals/: the open appeals oldest first (?status=open, the
// queue), the closed or all newest first, a page at a time (pageStart).
func (h *handler) appeals(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	status := person.AppealStatus(r.URL.Query().Get("status"))
	if status != person.AppealOpen && status != person.AppealClosed {
		status = ""
	}
	after, back := pageStart(r)
	list, err := h.Counter.ListAppeals(r.Context(), sr.actor, status, after, back)
	if err != nil {
		return refused(err)
	}
	p := appealsPage{Status: status}
	for _, a := range list.Rows {
		p.Appeals = append(p.Appeals, viewAppeal(a))
	}
	p.Pager = keysetPager("/admin/appeals/", url.Values{"status": {string(status)}}, list.Prev, list.Next)
	return h.Render(w, r, http.StatusOK, "admin-appeals", "用户申诉", "appeals", p)
}

// releaseRequest is a release recorded for the appeal, with its scans: the evidence.
type releaseRequest struct {
	counter.Request
	Scans []scans.Scan
}

// appealPage is one appeal with its evidence and, for a clerk while it is open, the
// forms to record its release or to answer it.
type appealPage struct {
	Appeal   appealView
	Holder   *counter.Holder
	Requests []releaseRequest
	// Waiting: a release is waiting for a reviewer (no second one may be recorded).
	Waiting bool
	// Clerk: the actor may record a release and answer the appeal.
	Clerk   bool
	Release *web.Form
	Answer  *web.Form
	// Undelivered: the answer's SMS was not taken by the gateway (the clerk phones).
	Undelivered bool
}

// appealShow is GET /admin/appeals/{id}.
func (h *handler) appealShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderAppeal(w, r, sr, http.StatusOK, web.NewForm(nil), web.NewForm(nil))
}

func (h *handler) renderAppeal(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, release, answer *web.Form) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return web.StatusError(http.StatusNotFound, counter.ErrAppealNotFound.Msg)
	}
	a, holder, err := h.Counter.GetAppeal(r.Context(), sr.actor, id)
	if errors.Is(err, counter.ErrAppealNotFound) {
		return web.StatusError(http.StatusNotFound, counter.ErrAppealNotFound.Msg)
	}
	if err != nil {
		return refused(err)
	}
	qs, err := h.Counter.List(r.Context(), sr.actor, counter.Filter{AppealID: id, PerPage: 100})
	if err != nil {
		return refused(err)
	}
	p := appealPage{Appeal: viewAppeal(a), Holder: holder, Release: release, Answer: answer,
		Undelivered: r.URL.Query().Get("sent") == "0",
		Clerk:       a.Status == person.AppealOpen && allow(sr.actor, staff.ActionAppealReject) == nil}
	for _, q := range qs.Rows {
		var sc []scans.Scan
		// An unreadable request is listed marked, without its scans, rather than
		// making the appeal's own page fail (its page says what it is).
		if !q.Unreadable {
			if _, sc, err = h.Counter.Get(r.Context(), sr.actor, q.ID); err != nil {
				return refused(err)
			}
		}
		p.Requests = append(p.Requests, releaseRequest{Request: q, Scans: sc})
		p.Waiting = p.Waiting || q.Status == counter.StatusSubmitted
	}
	return h.Render(w, r, status, "admin-appeal", "用户申诉 "+p.Appeal.Number, "appeals", p)
}

// appealRelease is POST /admin/appeals/{id}/release (clerks): the release of the
// taken ID number or mobile, after checking the appellant's documents, with the
// scan of their ID, recorded for a reviewer (counter.SubmitAppealRelease).
func (h *handler) appealRelease(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return h.submitCounterForm(w, r, sr, refusalFields{Scans: idScans}, func(f *web.Form, uploads []scans.Upload) (counter.Request, error) {
		return h.Counter.SubmitAppealRelease(r.Context(), sr.actor, id, f.Values.Get("reason"), uploads)
	}, func(f *web.Form) error { return h.renderAppeal(w, r, sr, http.StatusOK, f, web.NewForm(nil)) })
}

// appealReject is POST /admin/appeals/{id}/reject (clerks): the appeal closed with
// the reason typed, which the appellant receives by SMS (counter.RejectAppeal).
func (h *handler) appealReject(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f := web.NewForm(r)
	ap, sent, err := h.Counter.RejectAppeal(r.Context(), sr.actor, id, f.Values.Get("answer"))
	if err == nil {
		next := "/admin/appeals/" + strconv.FormatInt(id, 10)
		// An unreadable appeal's answer is never sent: its page says so by itself.
		if !sent && !ap.Unreadable {
			next += "?sent=0"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	if errors.Is(err, staff.ErrReasonRequired) || errors.Is(err, staff.ErrReasonTooLong) {
		// The answer is the reason: its own field name keeps the page's two forms
		// apart.
		f.Fail("answer", staff.Message(err))
		return h.renderAppeal(w, r, sr, http.StatusOK, web.NewForm(nil), f)
	}
	return h.appealRefused(w, r, sr, err, f, web.NewForm(nil), f)
}

// appealRefused shows the appeal again with the refusal beside the field of the
// form that was sent (failed, one of release and answer), or above it; an appeal
// decided meanwhile shows as decided, with the domain's sentence.
func (h *handler) appealRefused(w http.ResponseWriter, r *http.Request, sr staffRequest, err error, failed, release, answer *web.Form) error {
	if !failField(failed, err, refusalFields{}) {
		return refused(err)
	}
	return h.renderAppeal(w, r, sr, http.StatusOK, release, answer)
}
