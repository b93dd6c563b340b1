package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"hall/internal/person"
	"hall/internal/sms"
)

// 修改手机号 (SPEC U9): the current password, a code sent to the number on the
// account and a code sent to the new number, on one form with two 获取验证码 buttons
// (action send-old and send-new) besides the submit button.

// acsMobileData is the 修改手机号 page.
type acsMobileData struct {
	acsWho
	acsReauthState
	Shell     ucShell
	Form      *form
	OldMobile string // masked
	OldSMS    acctSMS
	NewSMS    acctSMS
	// TakenMobile adds the 用户申诉 link beside the new number.
	TakenMobile bool
}

// acsSMSField is the argument of the "acs-sms-field" partial.
type acsSMSField struct {
	Field  field
	SMS    acctSMS
	Action string // the value of its 获取验证码 button
	Target string // the id of the mobile input the code goes to ("" for the account's)
}

// CurrentField is 当前密码.
func (d *acsMobileData) CurrentField() field { return acsCurrentField(d.Form, d.UnitPassword) }

// OldCodeField is the code sent to the number on the account.
func (d *acsMobileData) OldCodeField() acsSMSField {
	fd := d.Form.Field(person.FieldOldCode, "原手机号验证码", "text", fmt.Sprintf(acsMsgOldMobileTo, d.OldMobile))
	return acsSMSField{Field: fd, SMS: d.OldSMS, Action: acsActionSendOld}
}

// NewMobileField is 新手机号码.
func (d *acsMobileData) NewMobileField() field {
	fd := d.Form.Field(person.FieldNewMobile, "新手机号码", "tel")
	fd.Autocomplete = "tel"
	return fd
}

// NewCodeField is the code sent to the new number.
func (d *acsMobileData) NewCodeField() acsSMSField {
	return acsSMSField{Field: d.Form.Field(person.FieldNewCode, "新手机号验证码", "text"), SMS: d.NewSMS,
		Action: acsActionSendNew, Target: "f-" + person.FieldNewMobile}
}

// SendCaptcha reports whether a 获取验证码 asks for the slider captcha (its field
// then shows the puzzle and the page needs the script).
func (d *acsMobileData) SendCaptcha() bool { return d.OldSMS.Captcha || d.NewSMS.Captcha }

func (s *Server) acsMobileView(r *http.Request, inUnit bool, f *form) (*acsMobileData, error) {
	v := visitorFrom(r.Context())
	who := acsWhoOf(v, inUnit)
	sh, err := s.acsShell(r, who)
	if err != nil {
		return nil, err
	}
	d := &acsMobileData{acsWho: who, Shell: sh, Form: f, OldMobile: v.Person.MaskedMobile()}
	d.Captcha = s.acsCaptchaStatus(r, s.acsReauthKeysFor(r, who)...)
	return d, nil
}

func (s *Server) acsRenderMobile(w http.ResponseWriter, r *http.Request, status int, d *acsMobileData) error {
	d.TakenMobile = d.Form.Errors[person.FieldNewMobile] == person.MsgMobileTaken
	return s.render(w, r, status, "acs-mobile", acsTitleMobile, "", d)
}

// acsMobileShow is GET /unit/account/mobile (ucGuard) and GET /me/mobile (signedIn).
func (s *Server) acsMobileShow(inUnit bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.acsMobileView(r, inUnit, newForm(r))
		if err != nil {
			return err
		}
		return s.acsRenderMobile(w, r, http.StatusOK, d)
	}
}

// acsMobilePost handles the form's three buttons: a code to the old number, a code
// to the new number, and 确认修改.
func (s *Server) acsMobilePost(inUnit bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return errStatus(http.StatusBadRequest, acsMsgBadRequest)
		}
		ctx := r.Context()
		f := newForm(r)
		d, err := s.acsMobileView(r, inUnit, f)
		if err != nil {
			return err
		}
		v := visitorFrom(ctx)
		switch f.Get("action") {
		case acsActionSendOld:
			if d.OldSMS, err = s.acsIssue(r, f, person.FieldOldCode, person.PurposeMobileOld, v.Person.Mobile, false); err != nil {
				return err
			}
			return s.acsRenderMobile(w, r, acctFormStatus(f), d)
		case acsActionSendNew:
			m, err := person.CheckNewMobile(v.Person.Mobile, f.Get(person.FieldNewMobile))
			var fe *person.FormError
			switch {
			case errors.As(err, &fe):
				for name, msg := range fe.Fields {
					f.Fail(name, msg)
				}
			case err != nil:
				return err
			default:
				if d.NewSMS, err = s.acsIssue(r, f, person.FieldNewCode, person.PurposeMobileNew, m, false); err != nil {
					return err
				}
			}
			return s.acsRenderMobile(w, r, acctFormStatus(f), d)
		}
		keys := s.acsReauthKeysFor(r, d.acsWho)
		changed, err := s.Persons.ChangeMobile(ctx, person.MobileChange{
			PersonID:  v.Person.ID,
			Current:   f.Values.Get(person.FieldCurrentPassword),
			OldCode:   f.Get(person.FieldOldCode),
			NewMobile: f.Get(person.FieldNewMobile),
			NewCode:   f.Get(person.FieldNewCode),
			Binding:   v.Binding,
			Reauth:    s.acsReauth(r, f, keys, s.acsCheckFor(r, d.acsWho)),
			Actor:     acsActor(r),
		})
		if refused, err := s.acsRefused(r, f, &d.acsReauthState, keys, err); refused {
			if err != nil {
				return err
			}
			return s.acsRenderMobile(w, r, http.StatusUnprocessableEntity, d)
		}
		// The old number is told: the new one is whoever made the change.
		s.acsNotify(r, v.Person.Mobile, sms.ChangeMobile, changed.Mobile)
		http.Redirect(w, r, d.Back+"?notice="+url.QueryEscape(acsNoticeMobile), http.StatusSeeOther)
		return nil
	}
}
