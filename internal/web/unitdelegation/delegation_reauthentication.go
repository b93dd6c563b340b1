package unitdelegation

import (
	"errors"
	"hall/internal/web"
	"net/http"
	"sort"
	"time"

	"hall/internal/auth"
	"hall/internal/captcha"
)

// Re-authentication before a change to the unit's administrator, agents or grants
// (经办人管理, QUALITY.md: "Re-authentication before changing mobile, password, admin
// or grants"). fresh wraps every POST of 经办人管理: a session whose person has
// proved who they are within ReauthenticationWindow (auth.Session.ProvedWithin: the login,
// the entry into the unit, or an earlier re-authentication) goes straight on;
// any other is shown a page that asks for the password of the acting role (the
// legal rep's personal password, the administrator's unit password: AccountHolderOf, as
// 修改密码 asks) and carries everything the delegation form held in hidden fields,
// so that nothing typed is lost. The password goes through the same throttle as a
// login of that account (Reauthenticate); when it is right, the session records the new
// proof (auth.Sessions.Prove) and the original request goes on with the original
// Form.

// ReauthenticationWindow is how recent a proof must be for a change to go on without a
// question. Exported, with the page's field and its wrong-password message, for the
// unit center's authorization matrix, which asks every /unit/ route with a stale proof.
const ReauthenticationWindow = 10 * time.Minute

// Fields and messages of the re-authentication page.
const (
	// ReauthenticationField is the name of the page's password field.
	ReauthenticationField = "reauth_password"
	msgReauthEmpty        = "请输入密码"
	// ReauthenticationWrongMessage is the message beside a wrong password.
	ReauthenticationWrongMessage = "密码错误，请重新输入"
	msgReauthTop                 = "身份验证未通过，本次修改尚未提交。"
)

// carriedField is one field of the delegation form, kept in the page.
type carriedField struct{ Name, Value string }

// reauthData is the re-authentication page.
type reauthData struct {
	web.ReauthenticationState
	Shell        web.UnitShell
	Form         *web.Form
	Action       string
	UnitPassword bool
	Carried      []carriedField
}

// PasswordField is the password the acting role proves itself with.
func (d *reauthData) PasswordField() web.Field {
	label, hint := "登录密码", "请输入您个人账户的登录密码（法定代表人以个人账户密码登录单位）"
	if d.UnitPassword {
		label, hint = "经办密码", web.HintUnitPassword
	}
	fd := d.Form.Field(ReauthenticationField, label, "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// fresh asks for re-authentication before next when the session's proof is not
// recent (see above). It runs inside guard, so only a legal rep or an
// administrator of the session's unit gets here.
func (s *handler) fresh(next web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return web.StatusError(http.StatusBadRequest, msgBadRequest)
		}
		ctx := r.Context()
		v := web.VisitorFrom(ctx)
		if v.Session.ProvedWithin(ReauthenticationWindow, s.Now()) {
			stripReauth(r)
			return next(w, r)
		}
		who := web.AccountHolderOf(v, true)
		sh, err := s.UnitShellFor(ctx, "agents")
		if err != nil {
			return err
		}
		f := web.NewForm(r)
		d := &reauthData{Shell: sh, Form: f, Action: r.URL.Path, UnitPassword: who.UnitPassword}
		for name, vals := range r.PostForm {
			// The page's own password, captcha and CSRF token (Render adds a fresh one).
			if name == ReauthenticationField || name == captcha.FormField || name == web.CSRFField {
				continue
			}
			for _, val := range vals {
				d.Carried = append(d.Carried, carriedField{Name: name, Value: val})
			}
		}
		sort.SliceStable(d.Carried, func(i, j int) bool { return d.Carried[i].Name < d.Carried[j].Name })
		step, err := s.ReauthenticationStep(r, f, &d.ReauthenticationState, ReauthenticationField, msgReauthEmpty, ReauthenticationWrongMessage,
			s.ReauthenticationKeys(r, who), s.ReauthenticationCheck(r, who))
		switch {
		case err != nil:
			return err
		case step == web.ReauthenticationWrong:
			f.Top = msgReauthTop
			fallthrough
		case step != web.ReauthenticationProved:
			return s.renderReauth(w, r, step.Status(), d)
		}
		proof := auth.ProofPassword
		if who.UnitPassword {
			proof = auth.ProofUnitPassword
		}
		sess, err := s.Sessions.Prove(ctx, v.Token, proof)
		if errors.Is(err, auth.ErrNoSession) {
			s.SetCookie(w, "hall_session", "", -1)
			return s.ToLogin(w, r, string(auth.KindUnit))
		}
		if err != nil {
			return err
		}
		v.Session = &sess
		stripReauth(r)
		return next(w, r)
	}
}

// stripReauth removes the re-authentication's fields from the request, so the
// delegation handler sees the form as the person filled it.
func stripReauth(r *http.Request) {
	for _, name := range []string{ReauthenticationField, captcha.FormField} {
		r.PostForm.Del(name)
		r.Form.Del(name)
	}
}

func (s *handler) renderReauth(w http.ResponseWriter, r *http.Request, status int, d *reauthData) error {
	return s.Render(w, r, status, "delegation-reauthentication", "验证身份", "", d)
}
