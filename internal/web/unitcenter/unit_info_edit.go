package unitcenter

import (
	"errors"
	"net/http"

	"hall/internal/ident"
	"hall/internal/unit"
	"hall/internal/web"
)

// 基本信息 修改 (SPEC U2): GET and POST /unit/info/edit change the unit's address and
// contact (unit.ChangeContact, audited there). It is business of the item
// infoEditItem, so the routes pass businessFor: the legal rep and the admin may, an
// agent only with that item granted. The registry's data (name, USCC, type, legal
// rep) is shown locked with the seed's explanation.
//
// The form never shows the contact phone in full (SPEC §2): its field starts empty,
// with the masked number as the hint, and left empty keeps the number. The hidden
// fields carry what the page showed (address, contact, masked phone), so a change
// based on a page that someone else's change has overtaken is refused
// (unit.ErrContactChanged) rather than silently undoing it.

// Hidden fields of the form: the values the page was based on.
const (
	infoFieldWasAddress = "was_address"
	infoFieldWasContact = "was_contact_name"
	infoFieldWasPhone   = "was_contact_phone"
)

const infoMsgChanged = "基本信息已被他人修改，请查看最新信息后重新填写。"

// unitInfoEditData is the template data of the form.
type unitInfoEditData struct {
	Shell     web.UnitShell
	Unit      unit.Unit
	LegalRep  string // masked name and ID
	LegalNote string
	Form      *web.Form
	Phone     web.Field
	Was       unit.Contact // Address and ContactName as shown, ContactPhone masked
}

// businessFor guards a route that is the business of one catalog item (no {code} in
// its path) exactly as businessBusiness guards /unit/items/{code}.
func (s *handler) businessFor(code string, h web.HandlerFunc) web.HandlerFunc {
	guarded := s.businessBusiness(h)
	return func(w http.ResponseWriter, r *http.Request) error {
		r.SetPathValue("code", code)
		return guarded(w, r)
	}
}

// unitInfoEditShow is GET /unit/info/edit.
func (s *handler) unitInfoEditShow(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Units.Get(r.Context(), web.VisitorFrom(r.Context()).Unit.ID)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	f.Values.Set(unit.FieldAddress, u.Address)
	f.Values.Set(unit.FieldContactName, u.ContactName)
	return s.unitInfoEditRender(w, r, http.StatusOK, u, f, unitInfoShown(u))
}

// unitInfoShown is the contact as the form shows it.
func unitInfoShown(u unit.Unit) unit.Contact {
	c := unit.ContactOf(u)
	c.ContactPhone = unit.MaskPhone(c.ContactPhone)
	return c
}

func (s *handler) unitInfoEditRender(w http.ResponseWriter, r *http.Request, status int, u unit.Unit, f *web.Form, was unit.Contact) error {
	sh, err := s.UnitShellFor(r.Context(), "info")
	if err != nil {
		return err
	}
	d := unitInfoEditData{Shell: sh, Unit: u, LegalNote: infoLegalRepNote, Form: f, Was: was}
	if rep, err := s.Units.LegalRep(r.Context(), u.ID); err == nil {
		d.LegalRep = ident.MaskName(rep.Name) + "（" + ident.MaskID(rep.IDNumber) + "）"
	} else if !errors.Is(err, unit.ErrNotFound) {
		return err
	}
	d.Phone = f.Field(unit.FieldContactPhone, "联系电话", "tel")
	d.Phone.Value = ""
	if u.ContactPhone != "" {
		d.Phone.Required = false
		d.Phone.Hint = "当前为 " + unit.MaskPhone(u.ContactPhone) + "，不修改请留空。可填写手机号码或“区号-电话号码”。"
	} else {
		d.Phone.Hint = "可填写手机号码或“区号-电话号码”，如 025-83123456。"
	}
	return s.Render(w, r, status, "unit-info-edit", "修改基本信息", "", d)
}

// unitInfoEditPost is POST /unit/info/edit.
func (s *handler) unitInfoEditPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	u, err := s.Units.Get(ctx, v.Unit.ID)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	was := unit.Contact{Address: f.Values.Get(infoFieldWasAddress), ContactName: f.Values.Get(infoFieldWasContact),
		ContactPhone: f.Values.Get(infoFieldWasPhone)}
	if was != unitInfoShown(u) {
		f.Top = infoMsgChanged
		f.Values.Set(unit.FieldAddress, u.Address)
		f.Values.Set(unit.FieldContactName, u.ContactName)
		return s.unitInfoEditRender(w, r, http.StatusConflict, u, f, unitInfoShown(u))
	}
	after := unit.Contact{Address: f.Get(unit.FieldAddress), ContactName: f.Get(unit.FieldContactName), ContactPhone: f.Get(unit.FieldContactPhone)}
	if after.ContactPhone == "" {
		after.ContactPhone = u.ContactPhone
	}
	_, err = s.Units.ChangeContact(ctx, s.Audit, unit.ContactChange{UnitID: u.ID, PersonID: v.Person.ID,
		Role: unit.Role(v.Session.Subject.Role), ClientIP: web.ClientAddr(r), RequestID: web.RequestID(ctx),
		Before: unit.ContactOf(u), After: after})
	var fieldErrs unit.ContactErrors
	switch {
	case errors.As(err, &fieldErrs):
		for field, msg := range fieldErrs {
			f.Fail(field, msg)
		}
		return s.unitInfoEditRender(w, r, http.StatusUnprocessableEntity, u, f, was)
	case errors.Is(err, unit.ErrContactChanged):
		f.Top = infoMsgChanged
		if u, err = s.Units.Get(ctx, u.ID); err != nil {
			return err
		}
		return s.unitInfoEditRender(w, r, http.StatusConflict, u, f, unitInfoShown(u))
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/unit/info?notice=saved", http.StatusSeeOther)
	return nil
}
