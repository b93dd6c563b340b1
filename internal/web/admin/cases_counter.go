package admin

import (
	"errors"
	"net/http"
	"strconv"

	"hall/internal/cases"
	"hall/internal/staff"
	"hall/internal/token"
	"hall/internal/web"
)

// 窗口录入办件 (B4): a counter clerk enters the case of a unit that came to the
// counter (cases.Service.EnterCounter); it starts 已受理 and waits for a reviewer
// who is not that clerk.

// counterCasePage is the entry form, and after an entry the case just entered.
type counterCasePage struct {
	Form    *web.Form
	Items   []cases.Item
	Entered *cases.Case
	// Again: the form was posted again, and Entered is the case its first post
	// entered (no second case was).
	Again bool
	// Nonce is the form's one-time token (cases.CounterEntry.Nonce): a fresh one
	// on every new form, the same one when a refused form is shown again.
	Nonce string
}

// fieldCounterNonce is the entry form's hidden one-time token.
const fieldCounterNonce = "nonce"

// ItemField is the select of the items a clerk may enter.
func (p counterCasePage) ItemField() web.Field {
	opts := []string{"", "请选择事项"}
	for _, it := range p.Items {
		opts = append(opts, it.Code, it.Name+"（"+it.Code+"）")
	}
	return p.Form.Field(cases.CounterFieldItem, "办理事项", "select", opts...)
}

// counterCaseShow is GET /admin/cases/counter: the form, and with ?entered= the case
// just entered (its number, a link to it).
func (h *handler) counterCaseShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	p := counterCasePage{Form: web.NewForm(nil)}
	if id, err := strconv.ParseInt(r.URL.Query().Get("entered"), 10, 64); err == nil {
		c, _, err := h.Cases.StaffCase(r.Context(), sr.actor, id)
		switch {
		case err == nil && c.Channel == cases.ChannelCounter:
			p.Entered, p.Again = &c, r.URL.Query().Get("again") == "1"
		case err != nil && !errors.Is(err, cases.ErrCaseNotFound):
			return refused(err)
		}
	}
	return h.renderCounterCase(w, r, http.StatusOK, p)
}

// counterCasePost is POST /admin/cases/counter: the case entered, then the form
// again with its number; a refusal shows each message beside its field. The same
// form posted again (its nonce) enters nothing and shows the case it entered.
func (h *handler) counterCasePost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	f := web.NewForm(r)
	nonce := f.Get(fieldCounterNonce)
	c, err := h.Cases.EnterCounter(r.Context(), sr.actor, cases.CounterEntry{USCC: f.Get(cases.CounterFieldUSCC),
		ItemCode: f.Get(cases.CounterFieldItem), Applicant: f.Get(cases.CounterFieldApplicant),
		Reason: f.Values.Get(cases.CounterFieldReason), Institution: f.Get(cases.CounterFieldInstitution), Nonce: nonce})
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/cases/counter?entered="+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
		return nil
	case errors.Is(err, cases.ErrCounterEntered):
		http.Redirect(w, r, "/admin/cases/counter?again=1&entered="+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
		return nil
	}
	if !web.FlowFormFailed[cases.FormError](f, err) {
		return refused(err)
	}
	if !token.Valid(nonce) {
		nonce = cases.NewCounterNonce()
	}
	return h.renderCounterCase(w, r, http.StatusUnprocessableEntity, counterCasePage{Form: f, Nonce: nonce})
}

func (h *handler) renderCounterCase(w http.ResponseWriter, r *http.Request, status int, p counterCasePage) error {
	items, err := h.Cases.CounterItems(r.Context())
	if err != nil {
		return err
	}
	p.Items = items
	if p.Nonce == "" {
		p.Nonce = cases.NewCounterNonce()
	}
	return h.Render(w, r, status, "admin-case-counter", "窗口录入办件", "cases", p)
}

// canEnterCounter: the queue page links the entry form for those who may use it.
func canEnterCounter(actor staff.Actor) bool { return allow(actor, staff.ActionCaseAccept) == nil }
