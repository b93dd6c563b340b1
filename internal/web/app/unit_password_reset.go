package app

import (
	"errors"
	"hall/internal/web"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"hall/internal/person"
	"hall/internal/recovery"
	"hall/internal/token"
	"hall/internal/unit"
)

// The companion app's 我的 → 企业服务 → 重置单位密码 (SPEC P2): the signed-in person
// picks a unit they act for, passes the face verification on the app's own screen
// (/app/v/{id}, which links back here) and sets the new password. The reset is the
// same as the online recovery's (internal/recovery).

// passwordResetAppPerPage is how many units the list shows per page.
const passwordResetAppPerPage = 10

// passwordResetAppData is what the "unit-password-reset" page shows. Mode is "list", "flow" or "done".
type passwordResetAppData struct {
	Person *appPerson
	Mode   string
	Form   *web.Form

	// list: the page of units, and the pager.
	Units      []unit.Acting
	Page, Last int
	Pager      web.Pager

	// flow: the reset, the link to the verification screen, the password rule.
	View    recovery.AppView
	Verify  string
	Hint    string
	Refused string // why the verification cannot be used

	// done: whether the person's own password changed (then every login ended).
	PersonPassword bool
}

// UnitOption is the label of a unit's radio button: the unit and the role.
func (d *passwordResetAppData) UnitOption(a unit.Acting) string {
	return a.Unit.Name + "（" + a.Membership.Role.Label() + "）"
}

// passwordResetAppPageURL is the list's page n.
func passwordResetAppPageURL(n int) string { return "/app/me/reset?page=" + strconv.Itoa(n) }

func (s *handler) passwordResetAppRender(w http.ResponseWriter, r *http.Request, status int, d *passwordResetAppData) error {
	d.Person = appPersonOf(web.VisitorFrom(r.Context()).Person)
	d.Hint = s.Policy.Hint()
	if d.Form == nil {
		d.Form = web.NewForm(r)
	}
	return s.Render(w, r, status, "unit-password-reset", "重置单位密码", "app-me", d)
}

// passwordResetAppList is GET /app/me/reset: the units whose password the person may reset.
func (s *handler) passwordResetAppList(w http.ResponseWriter, r *http.Request) error {
	return s.passwordResetAppListPage(w, r, http.StatusOK, web.NewForm(r))
}

func (s *handler) passwordResetAppListPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	units, err := s.Recovery().AppUnits(r.Context(), web.VisitorFrom(r.Context()).Person.ID)
	if err != nil {
		return err
	}
	d := &passwordResetAppData{Mode: "list", Form: f, Page: 1, Last: max(1, (len(units)+passwordResetAppPerPage-1)/passwordResetAppPerPage)}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil {
		d.Page = min(max(n, 1), d.Last)
	}
	d.Pager = web.NewPager(d.Page, d.Last, passwordResetAppPageURL)
	from := (d.Page - 1) * passwordResetAppPerPage
	d.Units = units[from:min(from+passwordResetAppPerPage, len(units))]
	return s.passwordResetAppRender(w, r, status, d)
}

// passwordResetAppStart is POST /app/me/reset: the chosen unit; the face verification on the
// app's screen, which links back to the reset.
func (s *handler) passwordResetAppStart(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	id, err := strconv.ParseInt(f.Get("unit"), 10, 64)
	if err != nil || id <= 0 {
		f.Fail("unit", "请选择要重置密码的单位")
		return s.passwordResetAppListPage(w, r, http.StatusUnprocessableEntity, f)
	}
	v := web.VisitorFrom(r.Context())
	fl, sid, err := s.Recovery().AppStart(r.Context(), v.Binding, v.Person.ID, id)
	switch {
	case errors.Is(err, recovery.ErrNoAccount):
		f.Fail("unit", "您在该单位没有可重置的密码，请重新选择")
		return s.passwordResetAppListPage(w, r, http.StatusUnprocessableEntity, f)
	case web.FlowFormFailed[recovery.FormError](f, err):
		return s.passwordResetAppListPage(w, r, http.StatusServiceUnavailable, f)
	case err != nil:
		return err
	}
	http.Redirect(w, r, passwordResetAppVerifyURL(sid, fl.ID), http.StatusSeeOther)
	return nil
}

// passwordResetAppVerifyURL is the app's verification screen for session sid, with the way
// back to the reset flowID.
func passwordResetAppVerifyURL(sid, flowID string) string {
	return "/app/v/" + url.PathEscape(sid) + "?back=" + url.QueryEscape("/app/me/reset/"+flowID)
}

// passwordResetVerifyBack is the way back to a reset that the app's verification screen
// offers: /app/me/reset/{flow} given as ?back=, or "".
func passwordResetVerifyBack(r *http.Request) string {
	b := r.URL.Query().Get("back")
	// The one page to return to is a reset flow's, whose ID is an opaque token:
	// nothing else (no other path, no escapes) gets into the link.
	if id, ok := strings.CutPrefix(b, "/app/me/reset/"); !ok || !token.Valid(id) {
		return ""
	}
	return b
}

// passwordResetAppBack is the way back of the app's verification screen: 我是经办人's
// (invitationVerifyBack) or this reset's (passwordResetVerifyBack).
func passwordResetAppBack(r *http.Request) string {
	if b := invitationVerifyBack(r); b != "" {
		return b
	}
	return passwordResetVerifyBack(r)
}

// passwordResetAppShow is GET /app/me/reset/{flow}: the face verification's state, and the new
// password once it passed.
func (s *handler) passwordResetAppShow(w http.ResponseWriter, r *http.Request) error {
	return s.passwordResetAppFlowPage(w, r, http.StatusOK, web.NewForm(r), "")
}

func (s *handler) passwordResetAppFlowPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form, refused string) error {
	v := web.VisitorFrom(r.Context())
	view, err := s.Recovery().AppGet(r.Context(), r.PathValue("flow"), v.Binding, v.Person.ID)
	if err != nil {
		return s.passwordResetAppError(w, r, err)
	}
	d := &passwordResetAppData{Mode: "flow", Form: f, View: view, Verify: passwordResetAppVerifyURL(view.Session.ID, view.FlowID), Refused: refused}
	return s.passwordResetAppRender(w, r, status, d)
}

// passwordResetAppPost is POST /app/me/reset/{flow}: 新密码 and 确认密码.
func (s *handler) passwordResetAppPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	v := web.VisitorFrom(r.Context())
	res, err := s.Recovery().AppFinish(r.Context(), r.PathValue("flow"), v.Binding, v.Person.ID, recovery.NewPassword{
		Password:   f.Values.Get(recovery.FieldPassword),
		Confirm:    f.Values.Get(recovery.FieldConfirm),
		ClientAddr: web.ClientAddr(r),
		RequestID:  web.RequestID(r.Context()),
	})
	switch {
	case web.FlowFormFailed[recovery.FormError](f, err):
		return s.passwordResetAppFlowPage(w, r, http.StatusUnprocessableEntity, f, "")
	case errors.Is(err, recovery.ErrPending):
		return s.passwordResetAppFlowPage(w, r, http.StatusUnprocessableEntity, f, "请先完成人脸识别。")
	case errors.Is(err, recovery.ErrVerification):
		return s.passwordResetAppFlowPage(w, r, http.StatusUnprocessableEntity, f, "人脸识别结果已失效，请重新认证。")
	case err != nil:
		return s.passwordResetAppError(w, r, err)
	}
	s.NotifyPasswordReset(r, res)
	who := "unit"
	if !res.Target.UnitPassword() {
		who = "person"
	}
	http.Redirect(w, r, "/app/me/reset/done?who="+who, http.StatusSeeOther)
	return nil
}

// passwordResetAppRestart is POST /app/me/reset/{flow}/restart: a new verification.
func (s *handler) passwordResetAppRestart(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	flowID := r.PathValue("flow")
	sid, err := s.Recovery().AppRestart(r.Context(), flowID, v.Binding, v.Person.ID)
	f := web.NewForm(r)
	if web.FlowFormFailed[recovery.FormError](f, err) {
		return s.passwordResetAppFlowPage(w, r, http.StatusServiceUnavailable, f, "")
	}
	if err != nil {
		return s.passwordResetAppError(w, r, err)
	}
	http.Redirect(w, r, passwordResetAppVerifyURL(sid, flowID), http.StatusSeeOther)
	return nil
}

// passwordResetAppDone is GET /app/me/reset/done. It needs no session: resetting the legal
// rep's password has just ended it.
func (s *handler) passwordResetAppDone(w http.ResponseWriter, r *http.Request) error {
	return s.passwordResetAppRender(w, r, http.StatusOK, &passwordResetAppData{Mode: "done", PersonPassword: r.URL.Query().Get("who") == "person"})
}

// passwordResetAppError answers the flow's state errors in the app.
func (s *handler) passwordResetAppError(w http.ResponseWriter, r *http.Request, err error) error {
	switch {
	case errors.Is(err, recovery.ErrNotFound), errors.Is(err, recovery.ErrExpired), errors.Is(err, recovery.ErrStep):
		return web.StatusError(http.StatusNotFound, "重置单位密码已失效，请从“我的 → 企业服务 → 重置单位密码”重新开始。")
	case errors.Is(err, recovery.ErrCompleted):
		return web.StatusError(http.StatusConflict, "密码已重置完成，请使用新密码登录。")
	case errors.Is(err, recovery.ErrNoAccount):
		return web.StatusError(http.StatusConflict, "您在该单位的身份已发生变化，无法重置密码。")
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, "系统繁忙，请稍后再试")
	}
	return err
}
