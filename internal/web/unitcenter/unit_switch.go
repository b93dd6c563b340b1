package unitcenter

import (
	"context"
	"errors"
	"hall/internal/web"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/unit"
)

// Acting for a unit (SPEC L1, L7): a person who holds a role in several units acts
// for one at a time. The chooser lists them; switching rotates the session to the
// chosen (Unit, person, role), so every later request is attributed to it, and is
// recorded in the audit log as "Unit.switch" (and leaving as "Unit.leave").

// Messages of a refused switch. The first is also the answer for a unit ID the
// Person has nothing to do with, so a forged form learns nothing about that unit.
const (
	unitMsgNoRole     = "您无权以该单位身份办理业务"
	unitMsgNotUsable  = "您在该单位的授权尚未确认或不在有效期内，暂不能以该单位身份办理业务。"
	unitMsgBadRequest = "请求有误，请返回单位列表后重试。"
)

// unitChoice is one row of the unit chooser.
type unitChoice struct {
	UnitID     int64
	UnitName   string
	USCC       string
	RoleLabel  string
	Validity   unitValidity
	Usable     bool
	Current    bool
	State      string // ok, pending, expired, notyet, other: for the badge's class
	StateLabel string // 正常 / 待确认 / 已过期 / 未生效 / 不可用
	Reason     string // why it cannot be entered, for the rows that cannot
}

// unitChoiceOf says how the chooser shows a membership at now. Usable rows can be
// entered; the others say why not, so the person knows whom to ask.
func unitChoiceOf(a unit.Acting, now time.Time, currentUnitID int64) unitChoice {
	m := a.Membership
	c := unitChoice{
		UnitID:    a.Unit.ID,
		UnitName:  a.Unit.Name,
		USCC:      a.Unit.USCC,
		RoleLabel: m.Role.Label(),
		Validity:  unitValidityOf(m, now),
		Usable:    m.Usable(now),
		Current:   a.Unit.ID == currentUnitID,
	}
	switch {
	case c.Usable:
		c.State, c.StateLabel = "ok", "正常"
	case m.Status == unit.StatusPending:
		c.State, c.StateLabel = "pending", "待确认"
		c.Reason = "请在掌上APP“我的 → 企业服务 → 我是经办人”中确认邀请并设置经办密码后使用。"
	case c.Validity.Expired:
		c.State, c.StateLabel = "expired", "已过期"
		c.Reason = "授权已过期，请联系单位法定代表人或管理员续期。"
	case c.Validity.From != nil:
		c.State, c.StateLabel = "notyet", "未生效"
		c.Reason = "授权自 " + c.Validity.From.In(web.Shanghai).Format("2006-01-02 15:04") + " 起生效。"
	default:
		c.State, c.StateLabel = "other", "不可用"
		c.Reason = "该授权当前不可用，请联系单位法定代表人或管理员。"
	}
	return c
}

// unitChooseData is the template data of the unit chooser.
type unitChooseData struct {
	Choices []unitChoice
	// InUnit is true when the visitor acts for a unit now (the page then offers the
	// way back to the center and to the personal session).
	InUnit bool
}

// unitChoose lists the units the person may act for (L7).
func (s *handler) unitChoose(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	acting, err := s.Units.ActingUnits(r.Context(), v.Person.ID)
	if err != nil {
		return err
	}
	var current int64
	if v.Unit != nil {
		current = v.Unit.ID
	}
	now := s.Now()
	d := unitChooseData{InUnit: v.Unit != nil}
	for _, a := range acting {
		d.Choices = append(d.Choices, unitChoiceOf(a, now, current))
	}
	return s.Render(w, r, http.StatusOK, "unit-choose", "选择单位", "", d)
}

// unitSwitch moves the session to the unit in the form's unit_id, after checking that
// the person holds a usable role there: the ID comes from the browser and may be any
// Unit's (QUALITY.md: no unit reachable by an ID in a form).
func (s *handler) unitSwitch(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, unitMsgBadRequest)
	}
	v := web.VisitorFrom(r.Context())
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("unit_id")), 10, 64)
	if err != nil || id <= 0 {
		return web.StatusError(http.StatusBadRequest, unitMsgBadRequest)
	}
	if v.Unit != nil && v.Unit.ID == id {
		http.Redirect(w, r, "/unit/", http.StatusSeeOther)
		return nil
	}
	m, err := s.Units.Membership(r.Context(), id, v.Person.ID)
	switch {
	case errors.Is(err, unit.ErrNotFound):
		s.unitRecordDenied(r, id, "no_role")
		return web.StatusError(http.StatusForbidden, unitMsgNoRole)
	case err != nil:
		return err
	case !m.Usable(s.Now()):
		s.unitRecordDenied(r, id, "not_usable")
		return web.StatusError(http.StatusForbidden, unitMsgNotUsable)
	}
	// The role's password first (unit_enter.go): the session alone does not prove it.
	ep, done, err := s.enterProve(w, r, id, m)
	if done {
		return err
	}
	subj := auth.Subject{PersonID: v.Person.ID, UnitID: id, Role: auth.Role(m.Role)}
	e := s.unitEntry(r, "unit.switch", audit.Success)
	e.UnitID, e.Role, e.Target = id, string(m.Role), "unit:"+strconv.FormatInt(id, 10)
	e.Detail["method"] = ep.method
	err = s.unitMove(w, r, subj, ep.proof, ep.verified, e, "/unit/")
	if errors.Is(err, auth.ErrCredentialChanged) {
		return s.enterChanged(w, r, id, m, ep.method)
	}
	return err
}

// unitLeave ends acting for the unit: the session goes back to the person alone.
func (s *handler) unitLeave(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	if v.Unit == nil {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return nil
	}
	e := s.unitEntry(r, "unit.leave", audit.Success)
	e.UnitID, e.Role, e.Target = v.Unit.ID, string(v.Membership.Role), "unit:"+strconv.FormatInt(v.Unit.ID, 10)
	return s.unitMove(w, r, auth.Subject{PersonID: v.Person.ID}, auth.ProofNone, auth.Verified{}, e, "/me")
}

// unitMove rotates the session to subj, with the proof the move has just made
// (ProofNone: the session's own is kept) while the password it verified (zero:
// none) is still the stored one (auth.ErrCredentialChanged otherwise, returned
// with nothing changed), records e and redirects to next. The audit
// record is written after the rotation (which has its own transaction); if it
// cannot be written the new session is ended again, so that nobody acts in a
// Session whose start is not in the log (fail closed).
func (s *handler) unitMove(w http.ResponseWriter, r *http.Request, subj auth.Subject, proof auth.Proof, verified auth.Verified,
	e audit.Entry, next string) error {
	token, err := s.SwitchUnitSession(w, r, subj, proof, verified)
	if errors.Is(err, auth.ErrNoSession) {
		// Ended meanwhile (timeout, logout in another tab, a concurrent switch).
		s.SetCookie(w, "hall_session", "", -1)
		return s.ToLogin(w, r, string(subj.Kind()))
	}
	if err != nil {
		return err
	}
	if _, err := s.Audit.Record(r.Context(), e); err != nil {
		_ = s.Sessions.End(context.WithoutCancel(r.Context()), token)
		s.SetCookie(w, "hall_session", "", -1)
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// unitEntry starts an audit entry for the signed-in person, with the current unit
// Session's unit and role (if any) as the acting context.
func (s *handler) unitEntry(r *http.Request, action string, res audit.Result) audit.Entry {
	v := web.VisitorFrom(r.Context())
	e := audit.Entry{PersonID: v.Person.ID, Action: action, Result: res,
		ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context()), Detail: map[string]string{}}
	if v.Unit != nil {
		e.UnitID, e.Role = v.Unit.ID, string(v.Membership.Role)
		e.Detail["from_unit"] = strconv.FormatInt(v.Unit.ID, 10)
	}
	return e
}

// unitRecordDenied records a refused switch. The refusal stands whether or not the
// record can be written, so a failure is only logged.
func (s *handler) unitRecordDenied(r *http.Request, unitID int64, reason string) {
	e := s.unitEntry(r, "unit.switch", audit.Denied)
	e.Target = "unit:" + strconv.FormatInt(unitID, 10)
	e.Detail["reason"] = reason
	if _, err := s.Audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		s.Log.ErrorContext(r.Context(), "audit a refused unit switch", "err", err, "request_id", web.RequestID(r.Context()))
	}
}
