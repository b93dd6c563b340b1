package account

import (
	"errors"
	"hall/internal/web"
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
// throttle (Reauthenticate) and render.

// Notices shown on the account page after a change (?notice=…); only these keys
// are known, so a crafted link cannot put text on the page.
const (
	settingsNoticePassword     = "password"
	settingsNoticeUnitPassword = "unit-password"
	settingsNoticeMobile       = "mobile"
)

// #nosec G101 -- notices shown to users after an account change, not credentials.
var settingsNotices = map[string]string{
	settingsNoticePassword:     "密码修改成功，请牢记新密码。您在其他设备或浏览器上的登录已全部退出。",
	settingsNoticeUnitPassword: "经办密码修改成功，请牢记新密码。您以本单位身份在其他设备或浏览器上的登录已全部退出。",
	settingsNoticeMobile:       "手机号码修改成功。今后请使用新手机号码登录和接收短信验证码。",
}

// settingsAccountData is U9 账户信息.
type settingsAccountData struct {
	Shell      web.UnitShell
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

// settingsUnitAccount is GET /unit/account (UnitCenterGuard).
func (s *handler) settingsUnitAccount(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	sh, err := s.UnitShellFor(r.Context(), "account")
	if err != nil {
		return err
	}
	p := v.Person
	d := settingsAccountData{
		Shell:            sh,
		Notice:           settingsNotices[r.URL.Query().Get("notice")],
		MaskedName:       ident.MaskName(p.Name),
		IDType:           p.IDType.Label(),
		MaskedID:         p.MaskedID(),
		Mobile:           p.MaskedMobile(),
		Role:             v.Membership.Role.Label(),
		UnitName:         v.Unit.Name,
		PersonalPassword: v.Membership.Role == unit.RoleLegalRep,
	}
	return s.Render(w, r, http.StatusOK, "account-settings", web.TitleAccount, "", d)
}

// settingsPasswordData is the 修改密码 Page.
type settingsPasswordData struct {
	web.AccountHolder
	web.ReauthenticationState
	Shell web.UnitShell
	Form  *web.Form
	Hint  string // the password rule
	// Forced says why the change comes first (web.withPasswordChange sent the person
	// here); "" when the person came of their own accord.
	Forced string
}

// CurrentField is 当前密码 with the hint saying which password that is.
func (d *settingsPasswordData) CurrentField() web.Field {
	return settingsCurrentField(d.Form, d.UnitPassword)
}

// NewField is 新密码 with the rule as its hint.
func (d *settingsPasswordData) NewField() web.Field {
	return d.Form.Field(person.FieldNewPassword, "新密码", "password", d.Hint)
}

// ConfirmField is 确认新密码.
func (d *settingsPasswordData) ConfirmField() web.Field {
	return d.Form.Field(person.FieldConfirm, "确认新密码", "password")
}

// Intro says what the change does.
func (d *settingsPasswordData) Intro() string {
	if d.UnitPassword {
		return web.IntroUnitPassword
	}
	return web.IntroPersonalPassword
}

func settingsCurrentField(f *web.Form, unitPassword bool) web.Field {
	hint := web.HintPersonalPassword
	if unitPassword {
		hint = web.HintUnitPassword
	}
	fd := f.Field(person.FieldCurrentPassword, "当前密码", "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// settingsShell is the unit center's shell for a change page ("account" highlighted),
// or the zero shell in the personal center.
func (s *handler) settingsShell(r *http.Request, who web.AccountHolder) (web.UnitShell, error) {
	if !who.InUnit {
		return web.UnitShell{}, nil
	}
	return s.UnitShellFor(r.Context(), "account")
}

// settingsActor is who makes a change, for the audit record.
func settingsActor(r *http.Request) person.Actor {
	v := web.VisitorFrom(r.Context())
	a := person.Actor{ClientAddr: web.ClientAddr(r), RequestID: web.RequestID(r.Context())}
	if v.Session != nil && v.Session.Subject.UnitID != 0 {
		a.UnitID, a.Role = v.Session.Subject.UnitID, string(v.Session.Subject.Role)
	}
	return a
}

func (s *handler) settingsPasswordView(r *http.Request, inUnit bool, f *web.Form) (*settingsPasswordData, error) {
	who := web.AccountHolderOf(web.VisitorFrom(r.Context()), inUnit)
	sh, err := s.settingsShell(r, who)
	if err != nil {
		return nil, err
	}
	d := &settingsPasswordData{AccountHolder: who, Shell: sh, Form: f, Hint: s.Policy.Hint()}
	if web.PasswordChangeForced(web.VisitorFrom(r.Context()), r.URL.Path) {
		d.Forced = web.MsgPasswordChangeForced
	}
	d.Captcha = s.ReauthenticationNeedsCaptcha(r, s.ReauthenticationKeys(r, who)...)
	return d, nil
}

func (s *handler) settingsRenderPassword(w http.ResponseWriter, r *http.Request, status int, d *settingsPasswordData) error {
	return s.Render(w, r, status, "password-change", web.TitlePassword, "", d)
}

// settingsPasswordShow is GET /unit/account/password (UnitCenterGuard) and GET /me/password
// (RequireSignedIn).
func (s *handler) settingsPasswordShow(inUnit bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.settingsPasswordView(r, inUnit, web.NewForm(r))
		if err != nil {
			return err
		}
		return s.settingsRenderPassword(w, r, http.StatusOK, d)
	}
}

// settingsPasswordPost changes the password: the personal one, or an administrator's or
// Agent's unit password in the unit center. On success every other session of that
// password ends, and this browser gets a new session (the old token was among the
// ended ones), so a session stolen before the change dies with the old password.
func (s *handler) settingsPasswordPost(inUnit bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return web.StatusError(http.StatusBadRequest, web.MsgBadRequest)
		}
		ctx := r.Context()
		f := web.NewForm(r)
		d, err := s.settingsPasswordView(r, inUnit, f)
		if err != nil {
			return err
		}
		v := web.VisitorFrom(ctx)
		keys := s.ReauthenticationKeys(r, d.AccountHolder)
		reauth := s.Reauthenticate(r, f, keys, s.ReauthenticationCheck(r, d.AccountHolder))
		notice := settingsNoticePassword
		// stored is the new password as the change stored it, which this browser
		// is signed in again with.
		var stored auth.Verified
		if d.UnitPassword {
			notice = settingsNoticeUnitPassword
			var changed unit.PasswordChanged
			changed, err = s.UnitPasswords().ChangePassword(ctx, unit.PasswordChange{UnitID: v.Unit.ID, PersonID: v.Person.ID,
				Current: f.Values.Get(person.FieldCurrentPassword), New: f.Values.Get(person.FieldNewPassword),
				Confirm: f.Values.Get(person.FieldConfirm), Reauth: reauth, Sessions: s.Sessions, Actor: settingsActor(r)})
			stored = auth.NewVerified(auth.Credential{MembershipID: changed.MembershipID}, changed.Hash)
		} else {
			var words []string
			if v.Unit != nil {
				words = append(words, v.Unit.USCC)
			}
			var changed person.PasswordChanged
			changed, err = s.Persons.ChangePassword(ctx, person.PasswordChange{PersonID: v.Person.ID,
				Current: f.Values.Get(person.FieldCurrentPassword), New: f.Values.Get(person.FieldNewPassword),
				Confirm: f.Values.Get(person.FieldConfirm), ContextWords: words, Reauth: reauth, Sessions: s.Sessions,
				Actor: settingsActor(r)})
			stored = auth.NewVerified(auth.Credential{PersonID: v.Person.ID}, changed.Hash)
		}
		if refused, err := s.settingsRefused(r, f, &d.ReauthenticationState, keys, err); refused {
			if err != nil {
				return err
			}
			return s.settingsRenderPassword(w, r, http.StatusUnprocessableEntity, d)
		}
		change := sms.ChangePassword
		if d.UnitPassword {
			change = sms.ChangeUnitPassword
		}
		s.NotifyAccountChange(r, v.Person.Mobile, change, "")
		// The change ended this browser's session with the others; it has just
		// proved the password, so it gets a new one for the same subject — while
		// the new password is still the stored one. Another writer (a second
		// change, a reset, a recovery, the registry's sync) may have replaced it
		// since the change committed: then the browser signs in again, with the
		// password that is now stored.
		proof := auth.ProofPassword
		if d.UnitPassword {
			proof = auth.ProofUnitPassword
		}
		err = s.StartSessionVerified(w, r, v.Session.Subject, proof, stored)
		if errors.Is(err, auth.ErrCredentialChanged) {
			return s.SignInAgain(w, r, string(v.Session.Subject.Kind()))
		}
		if err != nil {
			return err
		}
		// #nosec G710 -- d.Back is one of the hall's two account pages (web.AccountHolder).
		http.Redirect(w, r, d.Back+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
		return nil
	}
}

// settingsRefused turns a change's refusal into the page's messages
// (web.PasswordChangeRefused, with the unit password's own refusal). refused is
// false when err is nil (the change was made). When refused, a nil returned error
// means "Render the form with 422"; otherwise the error is the handler's answer.
func (s *handler) settingsRefused(r *http.Request, f *web.Form, st *web.ReauthenticationState, keys []throttle.Key, err error) (refused bool, out error) {
	if errors.Is(err, unit.ErrNotActive) || errors.Is(err, unit.ErrNotFound) {
		return true, web.StatusError(http.StatusForbidden, web.MsgUnitPasswordNotUsable)
	}
	if refused, out = web.PasswordChangeRefused(f, st, err); !refused || out != nil {
		return refused, out
	}
	// The count may have reached the captcha with this attempt: ask for it now.
	st.Captcha = st.Captcha || s.ReauthenticationNeedsCaptcha(r, keys...)
	return true, nil
}
