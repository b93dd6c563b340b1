package web

import (
	"errors"
	"net/http"

	"hall/internal/flow"
	"hall/internal/person"
)

// The pages of the saved multi-step flows (unit registration, password recovery)
// answer refused forms and the flow's state errors the same way; what differs per
// flow is its error values, its paths and its messages.

// flowFormFailed copies a flow package's refused-form error (E is its FormError, e.g.
// recovery.FormError) into f and reports whether err was one. A form refused without
// a whole-form message gets the generic one.
func flowFormFailed[E any, P interface {
	*E
	Messages() (fields map[string]string, top string)
}](f *form, err error) bool {
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

// flowPages is how one flow's pages answer its state errors.
type flowPages struct {
	errs flow.Errors // the flow package's own errors for the store's
	// path is the flow's step-1 page; a flow's own page is path/<flow ID>.
	path string
	// notFound and completed are the plain pages' messages for errs.NotFound and
	// errs.Completed.
	notFound, completed string
}

// flowError turns the flow's state errors into answers: back to step 1 after a
// timeout, the current step for a form of another step, a plain page otherwise.
// Other errors are returned as they are.
func (p flowPages) flowError(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	switch {
	case errors.Is(err, p.errs.Expired):
		http.Redirect(w, r, p.path+"?timeout=1", http.StatusSeeOther)
		return nil
	case errors.Is(err, p.errs.Step):
		http.Redirect(w, r, p.path+"/"+flowID, http.StatusSeeOther)
		return nil
	case errors.Is(err, p.errs.NotFound):
		return errStatus(http.StatusNotFound, p.notFound)
	case errors.Is(err, p.errs.Completed):
		return errStatus(http.StatusConflict, p.completed)
	case errors.Is(err, person.ErrBusy):
		return errStatus(http.StatusServiceUnavailable, "系统繁忙，请稍后再试")
	}
	return err
}
