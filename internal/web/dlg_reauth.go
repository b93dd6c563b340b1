package web

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"hall/internal/auth"
	"hall/internal/captcha"
)

// Re-authentication before a change to the unit's administrator, agents or grants
// (经办人管理, QUALITY.md: "Re-authentication before changing mobile, password, admin
// or grants"). dlgFresh wraps every POST of 经办人管理: a session whose person has
// proved who they are within dlgReauthWindow (auth.Session.ProvedWithin: the login,
// the entry into the unit, or an earlier re-authentication) goes straight on;
// any other is shown a page that asks for the password of the acting role (the
// legal rep's personal password, the administrator's unit password: acsWhoOf, as
// 修改密码 asks) and carries everything the delegation form held in hidden fields,
// so that nothing typed is lost. The password goes through the same throttle as a
// login of that account (acsReauth); when it is right, the session records the new
// proof (auth.Sessions.Prove) and the original request goes on with the original
// form.

// dlgReauthWindow is how recent a proof must be for a change to go on without a
// question.
const dlgReauthWindow = 10 * time.Minute

// Fields and messages of the re-authentication page.
const (
	dlgFieldReauth    = "reauth_password"
	dlgMsgReauthEmpty = "请输入密码"
	dlgMsgReauthWrong = "密码错误，请重新输入"
	dlgMsgReauthTop   = "身份验证未通过，本次修改尚未提交。"
)

// dlgCarried is one field of the delegation form, kept in the page.
type dlgCarried struct{ Name, Value string }

// dlgReauthData is the re-authentication page.
type dlgReauthData struct {
	acsReauthState
	Shell        ucShell
	Form         *form
	Action       string
	UnitPassword bool
	Carried      []dlgCarried
}

// PasswordField is the password the acting role proves itself with.
func (d *dlgReauthData) PasswordField() field {
	label, hint := "登录密码", "请输入您个人账户的登录密码（法定代表人以个人账户密码登录单位）"
	if d.UnitPassword {
		label, hint = "经办密码", acsHintUnit
	}
	fd := d.Form.Field(dlgFieldReauth, label, "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// dlgFresh asks for re-authentication before next when the session's proof is not
// recent (see above). It runs inside dlgGuard, so only a legal rep or an
// administrator of the session's unit gets here.
func (s *Server) dlgFresh(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return errStatus(http.StatusBadRequest, dlgMsgBadRequest)
		}
		ctx := r.Context()
		v := visitorFrom(ctx)
		if v.Session.ProvedWithin(dlgReauthWindow, s.Now()) {
			dlgStripReauth(r)
			return next(w, r)
		}
		who := acsWhoOf(v, true)
		sh, err := s.ucShellFor(ctx, "agents")
		if err != nil {
			return err
		}
		f := newForm(r)
		d := &dlgReauthData{Shell: sh, Form: f, Action: r.URL.Path, UnitPassword: who.UnitPassword}
		for name, vals := range r.PostForm {
			// The page's own password, captcha and CSRF token (render adds a fresh one).
			if name == dlgFieldReauth || name == captcha.FormField || name == csrfField {
				continue
			}
			for _, val := range vals {
				d.Carried = append(d.Carried, dlgCarried{Name: name, Value: val})
			}
		}
		sort.SliceStable(d.Carried, func(i, j int) bool { return d.Carried[i].Name < d.Carried[j].Name })
		step, err := s.acsPasswordStep(r, f, &d.acsReauthState, dlgFieldReauth, dlgMsgReauthEmpty, dlgMsgReauthWrong,
			s.acsReauthKeysFor(r, who), s.acsCheckFor(r, who))
		switch {
		case err != nil:
			return err
		case step == acsStepWrong:
			f.Top = dlgMsgReauthTop
			fallthrough
		case step != acsStepProved:
			return s.dlgRenderReauth(w, r, step.Status(), d)
		}
		proof := auth.ProofPassword
		if who.UnitPassword {
			proof = auth.ProofUnitPassword
		}
		sess, err := s.Sessions.Prove(ctx, v.Token, proof)
		if errors.Is(err, auth.ErrNoSession) {
			s.setCookie(w, "hall_session", "", -1)
			return s.toLogin(w, r, string(auth.KindUnit))
		}
		if err != nil {
			return err
		}
		v.Session = &sess
		dlgStripReauth(r)
		return next(w, r)
	}
}

// dlgStripReauth removes the re-authentication's fields from the request, so the
// delegation handler sees the form as the person filled it.
func dlgStripReauth(r *http.Request) {
	for _, name := range []string{dlgFieldReauth, captcha.FormField} {
		r.PostForm.Del(name)
		r.Form.Del(name)
	}
}

func (s *Server) dlgRenderReauth(w http.ResponseWriter, r *http.Request, status int, d *dlgReauthData) error {
	return s.render(w, r, status, "dlg-reauth", "验证身份", "", d)
}
