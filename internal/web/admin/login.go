package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"hall/internal/ident"
	"hall/internal/staff"
	"hall/internal/throttle"
	"hall/internal/web"
)

// loginShow is GET /admin/login: login name, password and the TOTP code.
func (h *handler) loginShow(w http.ResponseWriter, r *http.Request) error {
	h.ensureLoginBinding(w, r)
	return h.renderLogin(w, r, http.StatusOK, web.NewForm(nil))
}

func (h *handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	return h.Render(w, r, status, "admin-login", "工作人员登录", "", f)
}

// loginPost is POST /admin/login: staff.Login, then a new session (rotating any old
// one). Every wrong input gets the same sentence, unknown login names included.
func (h *handler) loginPost(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	release, busy, err := h.AdmitLogin(w, r, f, web.AdmissionStaff)
	defer release()
	if busy {
		return h.renderLogin(w, r, http.StatusTooManyRequests, f)
	}
	if err != nil {
		return err
	}
	// The session starts inside Login, before it audits the attempt: a password
	// reset or changed (or the account disabled) while the login checked it leaves
	// no session and is answered and audited as a failed login.
	start := func(ctx context.Context, st staff.Staff) error {
		tok, _, err := h.Staff.StartSession(ctx, st, h.token(r), web.ClientAddr(r), r.UserAgent())
		if err == nil {
			h.setSessionCookie(w, r, tok, 0)
		}
		return err
	}
	st, err := h.Staff.Login(r.Context(), staff.LoginInput{Login: f.Get("login"), Password: f.Values.Get("password"),
		Code: f.Get("code"), ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context()), Start: start})
	if err != nil {
		if f.Top = loginRefusal(err); f.Top == "" {
			return err
		}
		h.auditRefusal(r, err)
		return h.renderLogin(w, r, http.StatusOK, f)
	}
	next := "/admin/"
	if st.MustChangePassword {
		next = "/admin/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginRefusal is the sentence for a refused login, "" for a failure that is not a
// refusal (rendered as a system error).
func loginRefusal(err error) string {
	var locked *throttle.LockedError
	switch {
	case errors.Is(err, staff.ErrBadCredentials):
		return staff.Message(err)
	case errors.As(err, &locked):
		return "登录失败次数过多，已暂停登录，请于 " + locked.Until.In(web.Shanghai).Format("15:04") +
			" 后再试；如忘记密码或动态口令，请联系安全管理员重置。"
	case errors.Is(err, throttle.ErrCaptchaRequired):
		return "本机登录失败次数过多，请15分钟后再试。"
	}
	return ""
}

// auditRefusal records a login refused before any password was checked: the
// account's attempts paused, or the address's (web.AuditRefusal: at most once a
// minute per reason and address). A wrong password or code is audited by
// staff.Login itself ("staff.login").
func (h *handler) auditRefusal(r *http.Request, err error) {
	var locked *throttle.LockedError
	switch {
	case errors.As(err, &locked):
		h.AuditRefusal(r, "staff.login.refused", "paused", map[string]string{"reason": "paused", "form": r.URL.Path,
			"until": locked.Until.UTC().Format(time.RFC3339)})
	case errors.Is(err, throttle.ErrCaptchaRequired):
		h.AuditRefusal(r, "staff.login.refused", "address_paused", map[string]string{"reason": "address_paused", "form": r.URL.Path})
	}
}

// logout is POST /admin/logout: ends the session and clears the cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.Staff.EndSession(r.Context(), h.token(r)); err != nil {
		return err
	}
	h.setSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
	return nil
}

// passwordPage is what the password page shows.
type passwordPage struct {
	Form  *web.Form
	Must  bool // the initial password must be changed before anything else
	Actor staff.Actor
}

// passwordShow is GET /admin/password: 修改密码, forced after the first login.
func (h *handler) passwordShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.Render(w, r, http.StatusOK, "admin-password", "修改密码", "",
		passwordPage{Form: web.NewForm(nil), Must: sr.actor.MustChangePassword, Actor: sr.actor})
}

// passwordPost is POST /admin/password: staff.ChangePassword, keeping this session.
func (h *handler) passwordPost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	f := web.NewForm(r)
	err := h.Staff.ChangePassword(r.Context(), sr.actor, staff.PasswordChange{Current: f.Values.Get("password"),
		New: f.Values.Get("new_password"), Confirm: f.Values.Get("confirm")}, sr.sessionID)
	var passwordErr *ident.PasswordError
	var locked *throttle.LockedError
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return nil
	case errors.Is(err, staff.ErrBadCredentials):
		f.Fail("password", "当前密码错误")
	case errors.Is(err, staff.ErrPasswordMismatch):
		f.Fail("confirm", staff.Message(err))
	case errors.Is(err, staff.ErrPasswordSame):
		f.Fail("new_password", staff.Message(err))
	case errors.As(err, &passwordErr):
		f.Fail("new_password", passwordErr.Msg)
	case errors.As(err, &locked), errors.Is(err, throttle.ErrCaptchaRequired):
		f.Top = loginRefusal(err)
	default:
		return refused(err)
	}
	return h.Render(w, r, http.StatusOK, "admin-password", "修改密码", "",
		passwordPage{Form: f, Must: sr.actor.MustChangePassword, Actor: sr.actor})
}
