package app

import (
	"context"
	"errors"
	"hall/internal/web"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hall/internal/delegation"
	"hall/internal/person"
	"hall/internal/token"
	"hall/internal/unit"
	"hall/internal/validity"
	"hall/internal/verify"
)

// The companion app's 我的 → 企业服务 → 我是经办人 (SPEC A3, U6): the signed-in person
// sees the invitations to act for a unit as administrator or agent, passes face
// verification in the app and sets the unit password (设置经办密码 / 确认经办密码), or
// declines. The rules are delegation.Confirm and delegation.Decline.
//
// The flow keeps no state of its own: the verification session's ID travels in the
// URL (?v=…) and the form, and the session is bound to this app login and this
// invitation (invitationBinding), so the ID is worth nothing in another browser, another
// login or for another invitation. Confirm consumes the verification inside its own
// transaction (delegation.ConsumeIn), so it is spent only when the confirmation
// commits: a refused password leaves it usable for the next try.

// Notices the list shows after a redirect (?notice=…); only these keys are known.
var invitationAppNotices = map[string]string{
	"confirmed": "已确认授权，经办密码设置成功。请在电脑上打开网上办事服务大厅，选择“单位登录”，用本人证件号码或移动电话和经办密码登录。",
	"declined":  "已拒绝该邀请。",
}

// invitationMsgVerifyFirst is shown when the confirmation lacks a usable verification.
const invitationMsgVerifyFirst = "请先完成本人的人脸识别验证"

// invitationInvitation is one invitation as the app shows it.
type invitationInvitation struct {
	ID        string
	UnitName  string
	Inviter   string // role and masked name
	Role      string // 管理员 / 经办人
	InvitedAt time.Time
	ExpiresAt time.Time
	Validity  string
	Items     []string // granted item names (agents)
}

// invitationAppData is the template data of the app's 我是经办人 screens. Mode is "list"
// (all pending invitations), "show" (one invitation: verification and password) or
// "decline" (the confirm step of 拒绝).
type invitationAppData struct {
	Mode        string
	Notice      string
	Invitations []invitationInvitation
	Inv         invitationInvitation
	// Verify is where the verification of the show page stands: "" (not started, or
	// no longer usable), "pending", "passed", "failed" or "expired".
	Verify     string
	VerifyID   string
	VerifyLink string // the app's verification screen, with the way back here
	VerifyNote string // why it failed
	Form       *web.Form
	Hint       string // the password rule
}

// PasswordField is 设置经办密码, a new password (never echoed back).
func (d *invitationAppData) PasswordField() web.Field {
	fd := d.Form.Field(person.FieldPassword, "设置经办密码", "password", d.Hint)
	fd.Autocomplete = "new-password"
	return fd
}

// ConfirmField is 确认经办密码.
func (d *invitationAppData) ConfirmField() web.Field {
	return d.Form.Field(person.FieldConfirm, "确认经办密码", "password")
}

func (s *handler) invitationAppRender(w http.ResponseWriter, r *http.Request, status int, title string, d *invitationAppData) error {
	if d.Form == nil {
		d.Form = web.NewForm(nil)
	}
	d.Hint = s.Policy.Hint()
	return s.Render(w, r, status, "agent-invitations", title, "app-me", d)
}

// invitationBinding binds a verification to this app login (the session token, a secret
// of this browser that changes at every login) and to one invitation.
func invitationBinding(v *web.Visitor, invitationID string) string {
	return "agent-confirm:" + v.Token + ":" + invitationID
}

// invitationValidity shows an invitation's period (a zero time: no such bound) by the
// hall's one rule for dates (validity.Period).
func invitationValidity(from, until time.Time) string {
	optional := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return validity.Period(optional(from), optional(until))
}

// invitationInvitations reads the signed-in person's pending invitations for the screens,
// with the granted items by name.
func (s *handler) invitationInvitations(ctx context.Context, personID int64) ([]invitationInvitation, error) {
	pending, err := s.Delegation.PendingInvitations(ctx, personID)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	names, err := s.Catalog.UnitItemNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]invitationInvitation, 0, len(pending))
	for _, p := range pending {
		inv := invitationInvitation{ID: p.ID, UnitName: p.UnitName, Inviter: p.Inviter, Role: p.Role.Label(),
			InvitedAt: p.InvitedAt, ExpiresAt: p.ExpiresAt, Validity: invitationValidity(p.ValidFrom, p.ValidUntil)}
		if p.Role == unit.RoleAdmin {
			inv.Items = []string{"本单位全部业务"}
		}
		for _, code := range p.Items {
			name := names[code]
			if name == "" {
				name = code
			}
			inv.Items = append(inv.Items, name)
		}
		out = append(out, inv)
	}
	return out, nil
}

// invitationFind is the person's pending invitation id; ok is false when there is none
// (unknown, someone else's, answered, expired or revoked: the page cannot tell).
func (s *handler) invitationFind(ctx context.Context, personID int64, id string) (invitationInvitation, bool, error) {
	if !delegation.ValidInvitationID(id) {
		return invitationInvitation{}, false, nil
	}
	all, err := s.invitationInvitations(ctx, personID)
	if err != nil {
		return invitationInvitation{}, false, err
	}
	for _, inv := range all {
		if inv.ID == id {
			return inv, true, nil
		}
	}
	return invitationInvitation{}, false, nil
}

// invitationGone answers for an invitation that is not (or no longer) open: the list,
// with the reason on top.
func (s *handler) invitationGone(w http.ResponseWriter, r *http.Request, msg string) error {
	v := web.VisitorFrom(r.Context())
	all, err := s.invitationInvitations(r.Context(), v.Person.ID)
	if err != nil {
		return err
	}
	d := &invitationAppData{Mode: "list", Invitations: all, Form: web.NewForm(nil)}
	d.Form.Top = msg
	return s.invitationAppRender(w, r, http.StatusNotFound, "我是经办人", d)
}

// invitationOpen finds the path's invitation among the signed-in person's open ones. A nil
// invitation means there is none to act on, and err is the answer: the list with
// ErrInvitationNotFound's message (already written), or a failure.
func (s *handler) invitationOpen(w http.ResponseWriter, r *http.Request) (*invitationInvitation, error) {
	inv, ok, err := s.invitationFind(r.Context(), web.VisitorFrom(r.Context()).Person.ID, r.PathValue("inv"))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.invitationGone(w, r, delegation.ErrInvitationNotFound.Msg)
	}
	return &inv, nil
}

// invitationAppList is GET /app/me/agent: the pending invitations.
func (s *handler) invitationAppList(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	all, err := s.invitationInvitations(r.Context(), v.Person.ID)
	if err != nil {
		return err
	}
	d := &invitationAppData{Mode: "list", Invitations: all, Notice: invitationAppNotices[r.URL.Query().Get("notice")]}
	return s.invitationAppRender(w, r, http.StatusOK, "我是经办人", d)
}

// invitationVerifyState fills d's verification fields from session sid (bound to this
// login and invitation). A Session that is unknown here, or already used, counts as
// None: the page offers to start one.
func (s *handler) invitationVerifyState(ctx context.Context, v *web.Visitor, d *invitationAppData, sid string) error {
	d.Verify, d.VerifyID, d.VerifyLink, d.VerifyNote = "", "", "", ""
	if sid == "" || len(sid) > 64 {
		return nil
	}
	sess, err := s.Verify.Status(ctx, sid, invitationBinding(v, d.Inv.ID))
	switch {
	case errors.Is(err, verify.ErrNotFound):
		return nil
	case err != nil:
		return err
	case sess.Purpose != verify.PurposeAgentConfirm:
		return nil
	}
	switch sess.Status {
	case verify.Passed:
		if !sess.ConsumedAt.IsZero() {
			return nil
		}
		d.Verify = "passed"
	case verify.Pending:
		d.Verify = "pending"
	case verify.Failed:
		d.Verify, d.VerifyNote = "failed", sess.ResultNote
	default:
		d.Verify = "expired"
	}
	d.VerifyID, d.VerifyLink = sess.ID, invitationVerifyLink(d.Inv.ID, sess.ID)
	return nil
}

// invitationShowURL is the invitation's page, with the verification session when there is one.
func invitationShowURL(invitationID, sid string) string {
	u := "/app/me/agent/" + invitationID
	if sid != "" {
		u += "?v=" + url.QueryEscape(sid)
	}
	return u
}

// invitationVerifyLink is the app's verification screen for sid, with the way back to the
// invitation's page.
func invitationVerifyLink(invitationID, sid string) string {
	return "/app/v/" + url.PathEscape(sid) + "?back=" + url.QueryEscape(invitationShowURL(invitationID, sid))
}

// invitationAppShow is GET /app/me/agent/{inv}: the invitation, its verification and, once
// passed, the password form.
func (s *handler) invitationAppShow(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	inv, err := s.invitationOpen(w, r)
	if inv == nil {
		return err
	}
	d := &invitationAppData{Mode: "show", Inv: *inv}
	if err := s.invitationVerifyState(r.Context(), v, d, r.URL.Query().Get("v")); err != nil {
		return err
	}
	return s.invitationAppRender(w, r, http.StatusOK, "确认授权", d)
}

// invitationAppVerify is POST /app/me/agent/{inv}/verify: it starts a face verification of
// the signed-in person for confirming this invitation and opens the app's
// verification screen, which leads back to the invitation.
func (s *handler) invitationAppVerify(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	inv, err := s.invitationOpen(w, r)
	if inv == nil {
		return err
	}
	sess, err := s.Verify.Start(r.Context(), verify.Request{Purpose: verify.PurposeAgentConfirm,
		Binding: invitationBinding(v, inv.ID), Expected: appActor(v)})
	if errors.Is(err, verify.ErrProvider) {
		return web.StatusError(http.StatusServiceUnavailable, "认证服务暂时不可用，请稍后再试")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, invitationVerifyLink(inv.ID, sess.ID), http.StatusSeeOther)
	return nil
}

// invitationAppConfirm is POST /app/me/agent/{inv}: 确认授权 with the new unit password. The
// verification is consumed inside delegation.Confirm's transaction.
func (s *handler) invitationAppConfirm(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	inv, err := s.invitationOpen(w, r)
	if inv == nil {
		return err
	}
	f := web.NewForm(r)
	d := &invitationAppData{Mode: "show", Inv: *inv, Form: f}
	sid := f.Get("verification")
	err = s.Delegation.Confirm(r.Context(), s.invitationActor(r), delegation.Confirmation{
		InvitationID: inv.ID, Password: f.Values.Get(person.FieldPassword), Confirm: f.Values.Get(person.FieldConfirm),
		Proof: delegation.ConsumeIn(s.Verify, sid, invitationBinding(v, inv.ID))})
	var fe *person.FormError
	switch {
	case err == nil:
		http.Redirect(w, r, "/app/me/agent?notice=confirmed", http.StatusSeeOther)
		return nil
	case errors.As(err, &fe):
		for name, msg := range fe.Fields {
			f.Fail(name, msg)
		}
	case errors.Is(err, delegation.ErrVerificationRequired):
		f.Top = invitationMsgVerifyFirst
		// The verification is not usable (any more): the page offers a new one.
		sid = ""
	case errors.Is(err, delegation.ErrInvitationNotFound), errors.Is(err, delegation.ErrInvitationExpired),
		errors.Is(err, delegation.ErrUnitNotFound), errors.Is(err, delegation.ErrUnitClosed):
		return s.invitationGone(w, r, delegation.Message(err))
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, "系统繁忙，请稍后再试")
	default:
		return err
	}
	if err := s.invitationVerifyState(r.Context(), v, d, sid); err != nil {
		return err
	}
	return s.invitationAppRender(w, r, http.StatusUnprocessableEntity, "确认授权", d)
}

// invitationAppDeclineShow is GET /app/me/agent/{inv}/decline: the confirm step of 拒绝.
func (s *handler) invitationAppDeclineShow(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.invitationOpen(w, r)
	if inv == nil {
		return err
	}
	return s.invitationAppRender(w, r, http.StatusOK, "拒绝邀请", &invitationAppData{Mode: "decline", Inv: *inv})
}

// invitationAppDecline is POST /app/me/agent/{inv}/decline: the invitation is refused and
// its pending grant revoked.
func (s *handler) invitationAppDecline(w http.ResponseWriter, r *http.Request) error {
	err := s.Delegation.Decline(r.Context(), s.invitationActor(r), r.PathValue("inv"))
	switch {
	case err == nil:
		http.Redirect(w, r, "/app/me/agent?notice=declined", http.StatusSeeOther)
		return nil
	case errors.Is(err, delegation.ErrInvitationNotFound), errors.Is(err, delegation.ErrInvitationExpired),
		errors.Is(err, delegation.ErrUnitNotFound), errors.Is(err, delegation.ErrUnitClosed):
		return s.invitationGone(w, r, delegation.Message(err))
	}
	return err
}

// invitationActor is the signed-in person as the actor of a delegation command.
func (s *handler) invitationActor(r *http.Request) delegation.Actor {
	return delegation.Actor{PersonID: web.VisitorFrom(r.Context()).Person.ID, ClientIP: web.ClientAddr(r),
		RequestID: web.RequestID(r.Context())}
}

// invitationVerifyBack is the way back from the app's verification screen to an
// invitation's page (?back=…): only a page of 我是经办人 is accepted, so the
// parameter cannot send anyone elsewhere.
func invitationVerifyBack(r *http.Request) string {
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/app/me/agent/") || web.AppReturnPath(back) != back {
		return ""
	}
	// Only an invitation's page, with at most the verification session (?v=…):
	// anything else (dot segments, escapes, other parameters) is refused.
	path, query, _ := strings.Cut(strings.TrimPrefix(back, "/app/me/agent/"), "?")
	if !delegation.ValidInvitationID(path) {
		return ""
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil || len(q) != 1 || len(q["v"]) != 1 || !token.Valid(q.Get("v")) || "v="+url.QueryEscape(q.Get("v")) != query {
			return ""
		}
	}
	return back
}

// invitationBackQuery is "?back=…" for a way back, or "".
func invitationBackQuery(back string) string {
	if back == "" {
		return ""
	}
	return "?back=" + url.QueryEscape(back)
}
