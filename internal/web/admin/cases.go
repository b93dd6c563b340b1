package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/staff"
	"hall/internal/web"
)

// 办件处理 (B4): the queues of the units' online cases per state, a case with its
// form and timeline, and the steps: a clerk accepts (受理) or refuses (不予受理), a
// reviewer who did not accept it approves (办结) or returns it for correction
// (退回补正). cases.Service authorizes every step again and tells a step that lost
// to another staff member's (cases.ErrStale).

// casesQueuePage is the list of cases in one state.
type casesQueuePage struct {
	State  cases.State
	States []cases.State
	Cases  []cases.Case
	Total  int
	Pager  web.Pager
	// CanEnter: the actor may enter a counter case (窗口录入办件).
	CanEnter bool
}

// casesQueue is GET /admin/cases/: the cases in ?state= (已申请 by default), the
// longest waiting first, paged.
func (h *handler) casesQueue(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	st, page := queueQuery(r.URL.Query())
	list, total, err := h.Cases.Queue(r.Context(), sr.actor, cases.CaseFilter{State: st, Page: page, PerPage: perPage})
	if err != nil {
		return refused(err)
	}
	pages := max(cases.Pages(total, perPage), 1)
	pager := web.NewPager(min(page, pages), pages, func(n int) string { return queueURL(st, n) })
	return h.Render(w, r, http.StatusOK, "admin-cases", "办件处理", "cases",
		casesQueuePage{State: st, States: cases.States, Cases: list, Total: total, Pager: pager,
			CanEnter: canEnterCounter(sr.actor)})
}

// maxQueuePage bounds the page number read from the address.
const maxQueuePage = 1 << 20

// queueQuery reads the queue's address: the state (已申请 when missing or unknown)
// and the page, from 1 to maxQueuePage.
func queueQuery(q url.Values) (cases.State, int) {
	st := cases.State(q.Get("state"))
	if !st.Valid() {
		st = cases.StateSubmitted
	}
	page, _ := strconv.Atoi(q.Get("page"))
	return st, min(max(page, 1), maxQueuePage)
}

// queueURL is the address of page n of the queue of st.
func queueURL(st cases.State, n int) string {
	return "/admin/cases/?" + url.Values{"state": {string(st)}, "page": {strconv.Itoa(n)}}.Encode()
}

// casePage is one case for the back office.
type casePage struct {
	Case   cases.Case
	Events []cases.Event
	Facts  []cases.Fact // the form's values; nil when it cannot be read
	// Accept: the actor may accept or refuse (a clerk, the case 已申请); Decide: may
	// approve or return (a reviewer, the case 已受理; the domain still refuses the
	// clerk who accepted it); Resubmit: may put a returned counter case back in the
	// queue once the unit brought what was missing (a clerk; 窗口补正).
	Accept, Decide, Resubmit bool
	Form                     *web.Form
	// MailTo is where the unit asked the paper result be posted (U5), nil when it
	// did not; Delivery is its delivery once the case is approved.
	MailTo   *delivery.Request
	Delivery *delivery.Delivery
	// Materials are the files the unit sent with the case.
	Materials []cases.CaseMaterial
}

// caseShow is GET /admin/cases/{id}.
func (h *handler) caseShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderCase(w, r, sr, http.StatusOK, web.NewForm(nil))
}

func (h *handler) renderCase(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, f *web.Form) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	c, ev, err := h.Cases.StaffCase(r.Context(), sr.actor, id)
	if errors.Is(err, cases.ErrCaseNotFound) {
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	if err != nil {
		return refused(err)
	}
	p := casePage{Case: c, Events: ev, Form: f,
		Accept: c.State == cases.StateSubmitted && allow(sr.actor, staff.ActionCaseAccept) == nil,
		Decide: c.State == cases.StateAccepted && allow(sr.actor, staff.ActionCaseDecide) == nil,
		Resubmit: c.State == cases.StateReturned && c.Channel == cases.ChannelCounter &&
			allow(sr.actor, staff.ActionCaseAccept) == nil}
	if form, ok := c.Details(); ok {
		p.Facts = form.Facts()
	}
	if p.Materials, err = h.Cases.CaseMaterials(r.Context(), c); err != nil {
		return err
	}
	if req, asked, err := h.Deliveries.Requested(r.Context(), c.UnitID, c.ID); err != nil {
		return err
	} else if asked {
		p.MailTo = &req
	}
	switch dl, err := h.Deliveries.CaseDelivery(r.Context(), c.UnitID, c.ID); {
	case err == nil:
		p.Delivery = &dl
	case !errors.Is(err, delivery.ErrNotFound):
		return err
	}
	return h.Render(w, r, status, "admin-case", "办件 "+c.Number, "cases", p)
}

// caseStep runs one step on the path's case and shows it again: on success after a
// redirect, on a refusal with the message beside the reason or above the form
// (403 for a denial such as deciding one's own acceptance, 409 for a case that
// moved meanwhile).
func (h *handler) caseStep(step func(*handler, *http.Request, staffRequest, int64, string) (cases.Case, error)) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
		}
		_, err = step(h, r, sr, id, r.PostFormValue("reason"))
		if err == nil {
			http.Redirect(w, r, "/admin/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return nil
		}
		f := web.NewForm(r)
		status := http.StatusUnprocessableEntity
		switch {
		case errors.Is(err, cases.ErrCaseNotFound):
			return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
		case errors.Is(err, staff.ErrForbidden):
			status, f.Top = http.StatusForbidden, staff.Message(err)
		case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
			f.Fail("reason", staff.Message(err))
		case errors.Is(err, cases.ErrStale):
			status, f.Top = http.StatusConflict, cases.ErrStale.Msg
		case cases.Message(err) != "":
			status, f.Top = http.StatusConflict, cases.Message(err)
		default:
			return err
		}
		return h.renderCase(w, r, sr, status, f)
	}
}

func caseAccept(h *handler, r *http.Request, sr staffRequest, id int64, reason string) (cases.Case, error) {
	return h.Cases.Accept(r.Context(), sr.actor, id, reason)
}

func caseRefuse(h *handler, r *http.Request, sr staffRequest, id int64, reason string) (cases.Case, error) {
	return h.Cases.Refuse(r.Context(), sr.actor, id, reason)
}

func caseApprove(h *handler, r *http.Request, sr staffRequest, id int64, reason string) (cases.Case, error) {
	return h.Cases.Approve(r.Context(), sr.actor, id, reason)
}

func caseReturn(h *handler, r *http.Request, sr staffRequest, id int64, reason string) (cases.Case, error) {
	return h.Cases.Return(r.Context(), sr.actor, id, reason)
}

func caseResubmit(h *handler, r *http.Request, sr staffRequest, id int64, reason string) (cases.Case, error) {
	return h.Cases.ResubmitAtCounter(r.Context(), sr.actor, id, reason)
}

// caseMaterialDownload is GET /admin/cases/{id}/materials/{material}: a material
// of the case as a download (cases.Service.StaffMaterial authorizes case
// processors and audits), never shown inline.
func (h *handler) caseMaterialDownload(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return web.StatusError(http.StatusNotFound, cases.ErrMaterialNotFound.Msg)
	}
	m, body, err := h.Cases.StaffMaterial(r.Context(), sr.actor, id, r.PathValue("material"))
	if errors.Is(err, cases.ErrCaseNotFound) || errors.Is(err, cases.ErrMaterialNotFound) {
		return web.StatusError(http.StatusNotFound, cases.ErrMaterialNotFound.Msg)
	}
	if err != nil {
		return refused(err)
	}
	return web.ServeAttachment(w, m.ContentType, "material-"+m.ID[:8]+web.FileExtension(m.ContentType), body)
}

// caseResultDownload is GET /admin/cases/{id}/result: the approved case's result
// notice as the unit downloads it (cases.Service.StaffResult authorizes case
// processors and audits); not found before 办结.
func (h *handler) caseResultDownload(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	res, err := h.Cases.StaffResult(r.Context(), sr.actor, id)
	switch {
	case errors.Is(err, cases.ErrCaseNotFound):
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	case errors.Is(err, cases.ErrNoResult):
		return web.StatusError(http.StatusNotFound, cases.ErrNoResult.Msg)
	case err != nil:
		return refused(err)
	}
	return h.ServeCaseResult(w, res)
}
