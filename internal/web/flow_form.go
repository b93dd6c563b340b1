package web

import (
	"errors"
	"net/http"

	"hall/internal/flow"
	"hall/internal/person"
)

// The pages of the saved multi-step flows (unit registration, the upgrade, password
// recovery) answer refused forms and the flow's state errors the same way; what
// differs per flow is its error values, its paths and its messages.

// FlowFormFailed copies a flow package's refused-Form error (E is its FormError, e.g.
// recovery.FormError) into f and reports whether err was one. A Form refused without
// a whole-Form message gets the generic one.
func FlowFormFailed[E any, P interface {
	*E
	Messages() (fields map[string]string, top string)
}](f *Form, err error) bool {
	var fe P
	if !errors.As(err, &fe) {
		return false
	}
	fields, top := fe.Messages()
	for name, msg := range fields {
		f.Fail(name, msg)
	}
	f.Top = top
	if f.Top == "" {
		f.Top = "填写的信息有误，请按提示修改后重新提交。"
	}
	return true
}

// FlowPages is how one flow's pages answer its state errors.
type FlowPages struct {
	Errors flow.Errors // the flow package's own errors for the store's
	// Path is the flow's step-1 page; a flow's own page is path/<flow ID>.
	Path string
	// NotFound and completed are the plain pages' messages for Errors.NotFound and
	// Errors.Completed.
	NotFound, Completed string
}

// FlowError turns the flow's state errors into answers: back to step 1 after a
// timeout, the current step for a form of another step, a plain page otherwise.
// Other errors are returned as they are.
func (p FlowPages) FlowError(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	switch {
	case errors.Is(err, p.Errors.Expired):
		http.Redirect(w, r, p.Path+"?timeout=1", http.StatusSeeOther)
		return nil
	case errors.Is(err, p.Errors.Step):
		// #nosec G710 -- the hall's own constant path and the ID of a flow the hall
		// found at another step.
		http.Redirect(w, r, p.Path+"/"+flowID, http.StatusSeeOther)
		return nil
	case errors.Is(err, p.Errors.NotFound):
		return StatusError(http.StatusNotFound, p.NotFound)
	case errors.Is(err, p.Errors.Completed):
		return StatusError(http.StatusConflict, p.Completed)
	case errors.Is(err, person.ErrBusy):
		return StatusError(http.StatusServiceUnavailable, "系统繁忙，请稍后再试")
	}
	return err
}
