package web

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"hall/internal/auth"
	"hall/internal/captcha"
)

// Re-authentication before a change in the unit center that gives or takes away
// access (QUALITY.md: "Re-authentication before changing mobile, password, admin
// or grants"): RequireFreshProof wraps such a POST. A session whose person has
// proved who they are within FreshProofWindow (auth.Session.ProvedWithin: the
// login, the entry into the unit, or an earlier re-authentication) goes straight
// on; any other is shown the kit's "unit-reauthentication" page, which asks for
// the password of the acting role (AccountHolderOf) and carries everything the
// form held in hidden fields, so that nothing typed is lost. The password goes
// through the same throttle as a login of that account; when it is right the
// session records the new proof (auth.Sessions.Prove) and the original request
// goes on with the original form.

// FreshProofWindow is how recent a proof must be for a change to go on without a
// question.
const FreshProofWindow = 10 * time.Minute

// Fields and messages of the re-authentication page.
const (
	// FreshProofField is the name of the page's password field.
	FreshProofField        = "reauth_password"
	freshProofMsgEmpty     = "请输入密码"
	FreshProofWrongMessage = "密码错误，请重新输入"
	freshProofMsgTop       = "身份验证未通过，本次修改尚未提交。"
)

// FreshProofPage says where the re-authentication page sits: the unit center's
// menu entry, the breadcrumb back to the section, and what is being changed.
type FreshProofPage struct {
	Section      string // the unit shell's current entry, e.g. "institutions"
	SectionLabel string // its name in the breadcrumb, e.g. "机构管理"
	SectionPath  string // where 取消 leads, e.g. "/unit/institutions"
	Lead         string // the sentence that says which changes ask for it
}

// carriedField is one field of the original form, kept in the page.
type carriedField struct{ Name, Value string }

// freshProofData is the re-authentication page.
type freshProofData struct {
	ReauthenticationState
	FreshProofPage
	Shell        UnitShell
	Form         *Form
	Action       string
	UnitPassword bool
	Carried      []carriedField
}

// PasswordField is the password the acting role proves itself with.
func (d *freshProofData) PasswordField() Field {
	label, hint := "登录密码", "请输入您个人账户的登录密码（法定代表人以个人账户密码登录单位）"
	if d.UnitPassword {
		label, hint = "经办密码", HintUnitPassword
	}
	fd := d.Form.Field(FreshProofField, label, "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// RequireFreshProof asks for re-authentication before next when the session's
// proof is not recent (see above). It must run inside a guard that has checked
// the unit session (UnitCenterGuard and the page's own role check).
func (s *Server) RequireFreshProof(page FreshProofPage, next HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return StatusError(http.StatusBadRequest, MsgBadRequest)
		}
		ctx := r.Context()
		v := VisitorFrom(ctx)
		if v.Session.ProvedWithin(FreshProofWindow, s.Now()) {
			stripFreshProof(r)
			return next(w, r)
		}
		who := AccountHolderOf(v, true)
		sh, err := s.UnitShellFor(ctx, page.Section)
		if err != nil {
			return err
		}
		f := NewForm(r)
		d := &freshProofData{FreshProofPage: page, Shell: sh, Form: f, Action: r.URL.Path, UnitPassword: who.UnitPassword}
		for name, vals := range r.PostForm {
			// The page's own password, captcha and CSRF token (Render adds a fresh one).
			if name == FreshProofField || name == captcha.FormField || name == CSRFField {
				continue
			}
			for _, val := range vals {
				d.Carried = append(d.Carried, carriedField{Name: name, Value: val})
			}
		}
		sort.SliceStable(d.Carried, func(i, j int) bool { return d.Carried[i].Name < d.Carried[j].Name })
		check, verified := s.ReauthenticationVerifier(r, who)
		step, err := s.ReauthenticationStep(r, f, &d.ReauthenticationState, FreshProofField, freshProofMsgEmpty, FreshProofWrongMessage,
			s.ReauthenticationKeys(r, who), check)
		switch {
		case err != nil:
			return err
		case step == ReauthenticationWrong:
			f.Top = freshProofMsgTop
			fallthrough
		case step != ReauthenticationProved:
			return s.Render(w, r, step.Status(), "unit-reauthentication", "验证身份", "", d)
		}
		proof := auth.ProofPassword
		if who.UnitPassword {
			proof = auth.ProofUnitPassword
		}
		// Recorded only while the password just verified is still the stored one.
		sess, err := s.Sessions.Prove(ctx, v.Token, proof, *verified)
		if errors.Is(err, auth.ErrCredentialChanged) {
			// Changed or reset during the check: what was typed is not the
			// password now, answered as a wrong one (the change has ended this
			// session if the password was its own; the next page then asks to
			// sign in).
			f.Fail(FreshProofField, FreshProofWrongMessage)
			f.Top = freshProofMsgTop
			return s.Render(w, r, http.StatusUnprocessableEntity, "unit-reauthentication", "验证身份", "", d)
		}
		if errors.Is(err, auth.ErrNoSession) {
			s.SetCookie(w, "hall_session", "", -1)
			return s.ToLogin(w, r, string(auth.KindUnit))
		}
		if err != nil {
			return err
		}
		v.Session = &sess
		stripFreshProof(r)
		return next(w, r)
	}
}

// stripFreshProof removes the re-authentication's fields from the request, so the
// wrapped handler sees the form as the person filled it.
func stripFreshProof(r *http.Request) {
	for _, name := range []string{FreshProofField, captcha.FormField} {
		r.PostForm.Del(name)
		r.Form.Del(name)
	}
}
