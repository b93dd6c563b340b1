package web

import (
	"errors"
	"net/http"
	"net/url"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sms"
	"hall/internal/throttle"
	"hall/internal/unit"
)

// 账号设置 (SPEC U9) in the unit user center, and the same two changes in the
// personal center: 修改密码 and 修改手机号, each behind a re-authentication with the
// current password (QUALITY.md). Which password that is depends on who acts:
//
//   - in the personal center, and for the legal rep in the unit center: the
//     personal account password (the legal rep signs in to the unit with it);
//   - for an administrator or agent in the unit center: the unit password
//     (经办密码) of their role in that unit, which is also what 修改密码 changes there.
//
// The rules are internal/person (ChangePassword, ChangeMobile) and internal/unit
// (Passwords); these handlers parse, wire the re-authentication through the
// throttle (acsReauth) and render.

// Notices shown on the account page after a change (?notice=…); only these keys
// are known, so a crafted link cannot put text on the page.
const (
	acsNoticePassword     = "password"
	acsNoticeUnitPassword = "unit-password"
	acsNoticeMobile       = "mobile"
)

var acsNotices = map[string]string{
	acsNoticePassword:     "密码修改成功，请牢记新密码。您在其他设备或浏览器上的登录已全部退出。",
	acsNoticeUnitPassword: "经办密码修改成功，请牢记新密码。您以本单位身份在其他设备或浏览器上的登录已全部退出。",
	acsNoticeMobile:       "手机号码修改成功。今后请使用新手机号码登录和接收短信验证码。",
}

// acsAccountData is U9 账户信息.
type acsAccountData struct {
	Shell      ucShell
	Notice     string
	MaskedName string
	IDType     string
	MaskedID   string
	Mobile     string // masked
	Role       string
	UnitName   string
	// PersonalPassword: the legal rep signs in to the unit with the personal
	// password; an administrator or agent with the unit password.
	PersonalPassword bool
}

// acsUnitAccount is GET /unit/account (ucGuard).
func (s *Server) acsUnitAccount(w http.ResponseWriter, r *http.Request) error {
	v := visitorFrom(r.Context())
	sh, err := s.ucShellFor(r.Context(), "account")
	if err != nil {
		return err
	}
	p := v.Person
	d := acsAccountData{
		Shell:            sh,
		Notice:           acsNotices[r.URL.Query().Get("notice")],
		MaskedName:       ident.MaskName(p.Name),
		IDType:           p.IDType.Label(),
		MaskedID:         p.MaskedID(),
		Mobile:           p.MaskedMobile(),
		Role:             v.Membership.Role.Label(),
		UnitName:         v.Unit.Name,
		PersonalPassword: v.Membership.Role == unit.RoleLegalRep,
	}
	return s.render(w, r, http.StatusOK, "acs-account", acsTitleAccount, "", d)
}

// acsPasswordData is the 修改密码 page.
type acsPasswordData struct {
	acsWho
	acsReauthState
	Shell ucShell
	Form  *form
	Hint  string // the password rule
}

// CurrentField is 当前密码 with the hint saying which password that is.
func (d *acsPasswordData) CurrentField() field { return acsCurrentField(d.Form, d.UnitPassword) }

// NewField is 新密码 with the rule as its hint.
func (d *acsPasswordData) NewField() field {
	return d.Form.Field(person.FieldNewPassword, "新密码", "password", d.Hint)
}

// ConfirmField is 确认新密码.
func (d *acsPasswordData) ConfirmField() field {
	return d.Form.Field(person.FieldConfirm, "确认新密码", "password")
}

// Intro says what the change does.
func (d *acsPasswordData) Intro() string {
	if d.UnitPassword {
		return acsIntroUnit
	}
	return acsIntroPersonal
}

func acsCurrentField(f *form, unitPassword bool) field {
	hint := acsHintPersonal
	if unitPassword {
		hint = acsHintUnit
	}
	fd := f.Field(person.FieldCurrentPassword, "当前密码", "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// acsShell is the unit center's shell for a change page ("account" highlighted),
// or the zero shell in the personal center.
func (s *Server) acsShell(r *http.Request, who acsWho) (ucShell, error) {
	if !who.InUnit {
		return ucShell{}, nil
	}
	return s.ucShellFor(r.Context(), "account")
}

// acsActor is who makes a change, for the audit record.
func acsActor(r *http.Request) person.Actor {
	v := visitorFrom(r.Context())
	a := person.Actor{ClientAddr: clientAddr(r), RequestID: RequestID(r.Context())}
	if v.Session != nil && v.Session.Subject.UnitID != 0 {
		a.UnitID, a.Role = v.Session.Subject.UnitID, string(v.Session.Subject.Role)
	}
	return a
}

func (s *Server) acsPasswordView(r *http.Request, inUnit bool, f *form) (*acsPasswordData, error) {
	who := acsWhoOf(visitorFrom(r.Context()), inUnit)
	sh, err := s.acsShell(r, who)
	if err != nil {
		return nil, err
	}
	d := &acsPasswordData{acsWho: who, Shell: sh, Form: f, Hint: s.Policy.Hint()}
	d.Captcha = s.acsCaptchaStatus(r, s.acsReauthKeysFor(r, who)...)
	return d, nil
}

func (s *Server) acsRenderPassword(w http.ResponseWriter, r *http.Request, status int, d *acsPasswordData) error {
	return s.render(w, r, status, "acs-password", acsTitlePassword, "", d)
}

// acsPasswordShow is GET /unit/account/password (ucGuard) and GET /me/password
// (signedIn).
func (s *Server) acsPasswordShow(inUnit bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.acsPasswordView(r, inUnit, newForm(r))
		if err != nil {
			return err
		}
		return s.acsRenderPassword(w, r, http.StatusOK, d)
	}
}

// acsPasswordPost changes the password: the personal one, or an administrator's or
// agent's unit password in the unit center. On success every other session of that
// password ends, and this browser gets a new session (the old token was among the
// ended ones), so a session stolen before the change dies with the old password.
func (s *Server) acsPasswordPost(inUnit bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return errStatus(http.StatusBadRequest, acsMsgBadRequest)
		}
		ctx := r.Context()
		f := newForm(r)
		d, err := s.acsPasswordView(r, inUnit, f)
		if err != nil {
			return err
		}
		v := visitorFrom(ctx)
		keys := s.acsReauthKeysFor(r, d.acsWho)
		reauth := s.acsReauth(r, f, keys, s.acsCheckFor(r, d.acsWho))
		notice := acsNoticePassword
		if d.UnitPassword {
			notice = acsNoticeUnitPassword
			_, err = s.acsUnitPasswords().ChangePassword(ctx, unit.PasswordChange{UnitID: v.Unit.ID, PersonID: v.Person.ID,
				Current: f.Values.Get(person.FieldCurrentPassword), New: f.Values.Get(person.FieldNewPassword),
				Confirm: f.Values.Get(person.FieldConfirm), Reauth: reauth, Sessions: s.Sessions, Actor: acsActor(r)})
		} else {
			var words []string
			if v.Unit != nil {
				words = append(words, v.Unit.USCC)
			}
			_, err = s.Persons.ChangePassword(ctx, person.PasswordChange{PersonID: v.Person.ID,
				Current: f.Values.Get(person.FieldCurrentPassword), New: f.Values.Get(person.FieldNewPassword),
				Confirm: f.Values.Get(person.FieldConfirm), ContextWords: words, Reauth: reauth, Sessions: s.Sessions,
				Actor: acsActor(r)})
		}
		if refused, err := s.acsRefused(r, f, &d.acsReauthState, keys, err); refused {
			if err != nil {
				return err
			}
			return s.acsRenderPassword(w, r, http.StatusUnprocessableEntity, d)
		}
		change := sms.ChangePassword
		if d.UnitPassword {
			change = sms.ChangeUnitPassword
		}
		s.acsNotify(r, v.Person.Mobile, change, "")
		// The change ended this browser's session with the others; it has just
		// proved the password, so it gets a new one for the same subject.
		proof := auth.ProofPassword
		if d.UnitPassword {
			proof = auth.ProofUnitPassword
		}
		if err := s.startSessionProved(w, r, v.Session.Subject, proof); err != nil {
			return err
		}
		http.Redirect(w, r, d.Back+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
		return nil
	}
}

// acsRefused turns a change's refusal into the page's messages. refused is false
// when err is nil (the change was made). When refused, a nil returned error means
// "render the form with 422"; otherwise the error is the handler's answer.
func (s *Server) acsRefused(r *http.Request, f *form, st *acsReauthState, keys []throttle.Key, err error) (refused bool, out error) {
	if err == nil {
		return false, nil
	}
	var fe *person.FormError
	var cn *acsCaptchaNeeded
	switch {
	case errors.As(err, &cn):
		st.Captcha = true
		st.CaptchaError = cn.Msg
		if st.CaptchaError == "" {
			st.CaptchaError = acctMsgCaptcha
		}
		return true, nil
	case errors.Is(err, person.ErrBadCredentials):
		f.Fail(person.FieldCurrentPassword, person.MsgCurrentWrong)
	case errors.As(err, &fe):
		for name, msg := range fe.Fields {
			f.Fail(name, msg)
		}
		f.Top = acsMsgFormTop
	case errors.Is(err, person.ErrBusy):
		return true, errStatus(http.StatusServiceUnavailable, acctMsgBusy)
	case errors.Is(err, unit.ErrNotActive), errors.Is(err, unit.ErrNotFound):
		return true, errStatus(http.StatusForbidden, acsMsgNotUsable)
	default:
		return true, err
	}
	// The count may have reached the captcha with this attempt: ask for it now.
	st.Captcha = st.Captcha || s.acsCaptchaStatus(r, keys...)
	return true, nil
}
