package web

import (
	"context"
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

// Messages of the change pages.
const (
	acsMsgFormTop     = "填写的信息有误，请按提示修改后重新提交。"
	acsMsgNotUsable   = "您在该单位的授权尚未确认或已失效，不能修改经办密码。请联系单位法定代表人或管理员。"
	acsMsgBadRequest  = "请求有误，请刷新页面后重试。"
	acsActionSendOld  = "send-old"
	acsActionSendNew  = "send-new"
	acsPathUnitAcct   = "/unit/account"
	acsPathMe         = "/me"
	acsTitleAccount   = "账号设置"
	acsTitlePassword  = "修改密码"
	acsTitleMobile    = "修改手机号"
	acsHintPersonal   = "请输入您个人账户的登录密码"
	acsHintUnit       = "请输入您在本单位的经办密码（确认授权时设置的密码）"
	acsIntroPersonal  = "修改的是您个人账户的登录密码：个人登录使用此密码；如您是单位法定代表人，登录单位也使用此密码。修改后，您在其他设备或浏览器上的登录将全部退出。"
	acsIntroUnit      = "修改的是您在本单位的经办密码，仅用于以本单位管理员或经办人身份登录。修改后，您以本单位身份在其他设备或浏览器上的登录将全部退出；您的个人账户密码不变。"
	acsMsgOldMobileTo = "验证码将发送至原手机号码 %s"
)

// acsWho is whose password the page is about, from the session.
type acsWho struct {
	// InUnit: a page of the unit user center (drawn in its shell).
	InUnit bool
	// UnitPassword: an administrator or agent in the unit center, who
	// re-authenticates with, and changes, the unit password.
	UnitPassword bool
	// Back is the account page the change returns to.
	Back string
}

func acsWhoOf(v *visitor, inUnit bool) acsWho {
	w := acsWho{InUnit: inUnit, Back: acsPathMe}
	if inUnit {
		w.Back = acsPathUnitAcct
		w.UnitPassword = v.Membership != nil && v.Membership.Role != unit.RoleLegalRep
	}
	return w
}

// acsReauthState is the re-authentication's captcha on a change page.
type acsReauthState struct {
	Captcha      bool
	CaptchaError string
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

// acsReauthKeysFor are the throttle keys of the current password of who: the
// counter its login counts on (the membership's for a unit password, the person's
// for the account password; login_gate.go), so guesses here and at the login pages
// share one limit, and the client address.
func (s *Server) acsReauthKeysFor(r *http.Request, who acsWho) []throttle.Key {
	v := visitorFrom(r.Context())
	if who.UnitPassword {
		return s.gateCredentialKeys(r, auth.Credential{MembershipID: v.Membership.ID})
	}
	return s.gateCredentialKeys(r, auth.Credential{PersonID: v.Person.ID})
}

// acsCheckFor is the check of the current password of who.
func (s *Server) acsCheckFor(r *http.Request, who acsWho) person.Reauth {
	v := visitorFrom(r.Context())
	personID := v.Person.ID
	if who.UnitPassword {
		unitID := v.Unit.ID
		pw := s.acsUnitPasswords()
		return func(ctx context.Context, current string) error { return pw.Check(ctx, unitID, personID, current) }
	}
	return func(ctx context.Context, current string) error {
		return s.Persons.CheckPassword(ctx, personID, current)
	}
}

// acsUnitPasswords builds the unit-password service on the server's services; it
// holds no state of its own.
func (s *Server) acsUnitPasswords() *unit.Passwords {
	return unit.NewPasswords(unit.PasswordDeps{DB: s.DB, Hasher: s.Hasher, Persons: s.Persons, Audit: s.Audit, Now: s.Now})
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
