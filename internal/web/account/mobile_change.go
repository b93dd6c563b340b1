package account

import (
	"errors"
	"fmt"
	"hall/internal/web"
	"net/http"
	"net/url"

	"hall/internal/person"
	"hall/internal/sms"
)

// 修改手机号 (SPEC U9): the current password, a code sent to the number on the
// account and a code sent to the new number, on one form with two 获取验证码 buttons
// (action send-old and send-new) besides the submit button.

// settingsMobileData is the 修改手机号 Page.
type settingsMobileData struct {
	web.AccountHolder
	web.ReauthenticationState
	Shell     web.UnitShell
	Form      *web.Form
	OldMobile string // masked
	OldSMS    sMS
	NewSMS    sMS
	// TakenMobile adds the 用户申诉 link beside the new number.
	TakenMobile bool
}

// settingsSMSField is the argument of the "acs-sms-Field" partial.
type settingsSMSField struct {
	Field  web.Field
	SMS    sMS
	Action string // the value of its 获取验证码 button
	Target string // the id of the mobile input the code goes to ("" for the account's)
}

// CurrentField is 当前密码.
func (d *settingsMobileData) CurrentField() web.Field {
	return settingsCurrentField(d.Form, d.UnitPassword)
}

// OldCodeField is the code sent to the number on the account.
func (d *settingsMobileData) OldCodeField() settingsSMSField {
	fd := d.Form.Field(person.FieldOldCode, "原手机号验证码", "text", fmt.Sprintf(web.MsgOldMobileTo, d.OldMobile))
	return settingsSMSField{Field: fd, SMS: d.OldSMS, Action: web.ActionSendOld}
}

// NewMobileField is 新手机号码.
func (d *settingsMobileData) NewMobileField() web.Field {
	fd := d.Form.Field(person.FieldNewMobile, "新手机号码", "tel")
	fd.Autocomplete = "tel"
	return fd
}

// NewCodeField is the code sent to the new number.
func (d *settingsMobileData) NewCodeField() settingsSMSField {
	return settingsSMSField{Field: d.Form.Field(person.FieldNewCode, "新手机号验证码", "text"), SMS: d.NewSMS,
		Action: web.ActionSendNew, Target: "f-" + person.FieldNewMobile}
}

// SendCaptcha reports whether a 获取验证码 asks for the slider captcha (its field
// then shows the puzzle and the page needs the script).
func (d *settingsMobileData) SendCaptcha() bool { return d.OldSMS.Captcha || d.NewSMS.Captcha }

func (s *handler) settingsMobileView(r *http.Request, inUnit bool, f *web.Form) (*settingsMobileData, error) {
	v := web.VisitorFrom(r.Context())
	who := web.AccountHolderOf(v, inUnit)
	sh, err := s.settingsShell(r, who)
	if err != nil {
		return nil, err
	}
	d := &settingsMobileData{AccountHolder: who, Shell: sh, Form: f, OldMobile: v.Person.MaskedMobile()}
	d.Captcha = s.ReauthenticationNeedsCaptcha(r, s.ReauthenticationKeys(r, who)...)
	return d, nil
}

func (s *handler) settingsRenderMobile(w http.ResponseWriter, r *http.Request, status int, d *settingsMobileData) error {
	d.TakenMobile = d.Form.Errors[person.FieldNewMobile] == person.MsgMobileTaken
	return s.Render(w, r, status, "mobile-change", web.TitleMobile, "", d)
}

// settingsMobileShow is GET /unit/account/mobile (UnitCenterGuard) and GET /me/mobile (RequireSignedIn).
func (s *handler) settingsMobileShow(inUnit bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.settingsMobileView(r, inUnit, web.NewForm(r))
		if err != nil {
			return err
		}
		return s.settingsRenderMobile(w, r, http.StatusOK, d)
	}
}

// settingsMobilePost handles the form's three buttons: a code to the old number, a code
// to the new number, and 确认修改.
func (s *handler) settingsMobilePost(inUnit bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return web.StatusError(http.StatusBadRequest, web.MsgBadRequest)
		}
		ctx := r.Context()
		f := web.NewForm(r)
		d, err := s.settingsMobileView(r, inUnit, f)
		if err != nil {
			return err
		}
		v := web.VisitorFrom(ctx)
		switch f.Get("action") {
		case web.ActionSendOld:
			if d.OldSMS, err = s.settingsIssue(r, f, person.FieldOldCode, person.PurposeMobileOld, v.Person.Mobile, false); err != nil {
				return err
			}
			return s.settingsRenderMobile(w, r, formStatus(f), d)
		case web.ActionSendNew:
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
				if d.NewSMS, err = s.settingsIssue(r, f, person.FieldNewCode, person.PurposeMobileNew, m, false); err != nil {
					return err
				}
			}
			return s.settingsRenderMobile(w, r, formStatus(f), d)
		}
		keys := s.ReauthenticationKeys(r, d.AccountHolder)
		changed, err := s.Persons.ChangeMobile(ctx, person.MobileChange{
			PersonID:  v.Person.ID,
			Current:   f.Values.Get(person.FieldCurrentPassword),
			OldCode:   f.Get(person.FieldOldCode),
			NewMobile: f.Get(person.FieldNewMobile),
			NewCode:   f.Get(person.FieldNewCode),
			Binding:   v.Binding,
			Reauth:    s.Reauthenticate(r, f, keys, s.ReauthenticationCheck(r, d.AccountHolder)),
			Actor:     settingsActor(r),
		})
		if refused, err := s.settingsRefused(r, f, &d.ReauthenticationState, keys, err); refused {
			if err != nil {
				return err
			}
			return s.settingsRenderMobile(w, r, http.StatusUnprocessableEntity, d)
		}
		// The old number is told: the new one is whoever made the change.
		s.NotifyAccountChange(r, v.Person.Mobile, sms.ChangeMobile, changed.Mobile)
		// #nosec G710 -- d.Back is one of the hall's two account pages (web.AccountHolder).
		http.Redirect(w, r, d.Back+"?notice="+url.QueryEscape(settingsNoticeMobile), http.StatusSeeOther)
		return nil
	}
}
