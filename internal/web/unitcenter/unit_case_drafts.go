package unitcenter

import (
	"errors"
	"net/http"

	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/web"
)

// Drafts of the online application forms (U4): 保存草稿 beside 提交申请 keeps the
// form as typed for the person who typed it (cases/drafts.go says whose a draft is
// and how long it stays); the apply form then offers 继续填写 and 放弃草稿, and
// 单位办件 lists 我的草稿.

// draftNotice is the apply page's note about the session's draft of its item.
type draftNotice struct {
	Draft   cases.Draft
	Resumed bool // the form was filled from it
	Days    int  // cases.DraftRetentionDays
	// Unreadable: the draft's form cannot be read (cases.ErrDraftUnreadable):
	// the empty form is offered, with 保存草稿 to replace it and 放弃草稿.
	Unreadable string
}

// caseDraftOffer reads the actor's draft of the item for the apply form: with
// ?draft=resume its values fill f. A draft the actor may no longer open is a 403;
// one that cannot be read (the service logs it) is said beside the empty form,
// never a dead end.
func (s *handler) caseDraftOffer(r *http.Request, it cases.Item, f *web.Form) (*draftNotice, error) {
	d, err := s.Cases.Draft(r.Context(), caseActor(r), it.Code)
	if errors.Is(err, cases.ErrDraftNotFound) {
		return nil, nil
	}
	if errors.Is(err, cases.ErrDraftUnreadable) {
		return &draftNotice{Draft: d, Days: cases.DraftRetentionDays, Unreadable: cases.ErrDraftUnreadable.Msg}, nil
	}
	if err != nil {
		return nil, caseRefusal(err)
	}
	n := &draftNotice{Draft: d, Days: cases.DraftRetentionDays}
	if r.URL.Query().Get("draft") == "resume" {
		f.Values, n.Resumed = d.Values, true
	}
	return n, nil
}

// caseDraftSave is POST /unit/items/{code}/draft (businessBusiness; the service
// authorizes the item again): 保存草稿.
func (s *handler) caseDraftSave(w http.ResponseWriter, r *http.Request) error {
	it, err := s.caseApplyItem(r)
	if err != nil {
		return err
	}
	// The files sent are stored as they would be for the application, and the
	// draft keeps their references with the other values.
	f, err := s.materialForm(r, it.Code)
	if errors.Is(err, errMaterialsTooLarge) {
		// Nothing is saved: the draft, if any, stays as it was.
		return s.caseApplyRender(w, r, http.StatusRequestEntityTooLarge, it, nil, f)
	}
	if err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		// A file refused (its type or size, or the upload budget) is said beside
		// its field, and the draft is not saved without it: "已保存" would hide it.
		return s.caseApplyRender(w, r, http.StatusUnprocessableEntity, it, nil, f)
	}
	_, err = s.Cases.SaveDraft(r.Context(), caseActor(r), it.Code, f.Values)
	if errors.Is(err, cases.ErrDraftTooLarge) {
		f.Top = cases.ErrDraftTooLarge.Msg
		return s.caseApplyRender(w, r, http.StatusRequestEntityTooLarge, it, nil, f)
	}
	var d *delegation.Denial
	if errors.As(err, &d) {
		return web.StatusError(http.StatusForbidden, d.Msg)
	}
	if err != nil {
		return caseRefusal(err)
	}
	http.Redirect(w, r, "/unit/cases?notice=draft-saved", http.StatusSeeOther)
	return nil
}

// caseDraftDiscard is POST /unit/items/{code}/draft/discard (businessBusiness):
// 放弃草稿, back to an empty form.
func (s *handler) caseDraftDiscard(w http.ResponseWriter, r *http.Request) error {
	it, err := s.caseApplyItem(r)
	if err != nil {
		return err
	}
	if err := s.Cases.DiscardDraft(r.Context(), caseActor(r), it.Code); err != nil {
		return err
	}
	http.Redirect(w, r, "/unit/items/"+it.Code+"/apply?notice=draft-discarded", http.StatusSeeOther)
	return nil
}

// myDraft is a line of 我的草稿.
type myDraft struct {
	cases.Draft
	ItemName string
}

// myDrafts are the session's drafts for 单位办件, with the items' names.
func (s *handler) myDrafts(r *http.Request, names map[string]string) ([]myDraft, error) {
	ds, err := s.Cases.MyDrafts(r.Context(), caseActor(r))
	if err != nil {
		return nil, err
	}
	out := make([]myDraft, 0, len(ds))
	for _, d := range ds {
		out = append(out, myDraft{Draft: d, ItemName: names[d.ItemCode]})
	}
	return out, nil
}
