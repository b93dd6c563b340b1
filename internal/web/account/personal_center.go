package account

import (
	"hall/internal/web"
	"net/http"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/validity"
)

// Notices the personal center shows after a redirect (?notice=…). Only these keys
// are known, so a crafted link cannot put text on the page.
const noticeRegistered = "registered"

var notices = map[string]string{
	noticeRegistered: "注册成功！您的账号认证等级为实名用户，现在可以办理个人业务；如需为单位办理业务，请进行单位注册或请单位管理员为您授权。",
	// 修改密码 and 修改手机号 in the personal center (acs_account.go).
	settingsNoticePassword: settingsNotices[settingsNoticePassword],
	settingsNoticeMobile:   settingsNotices[settingsNoticeMobile],
}

// meData is what the personal center (个人中心) shows.
type meData struct {
	Notice     string
	Person     person.Person
	MaskedName string
	IDType     string
	Units      []unitRow
	// Current is the unit the session acts for, if any.
	Current *unit.Unit
	// AgtPointer counts the invitations to confirm in the companion app.
	AgtPointer invitationsMePointer
}

// unitRow is one unit the person may act for (可办理业务的单位).
type unitRow struct {
	ID       int64
	Name     string
	USCC     string
	Role     string
	Status   string
	Validity string
	Usable   bool
}

// meShow is GET /me (RequireSignedIn).
func (s *handler) meShow(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	p := *v.Person
	acting, err := s.Units.ActingUnits(r.Context(), p.ID)
	if err != nil {
		return err
	}
	now := s.Now()
	d := meData{
		Notice:     notices[r.URL.Query().Get("notice")],
		Person:     p,
		MaskedName: ident.MaskName(p.Name),
		IDType:     p.IDType.Label(),
		Current:    v.Unit,
	}
	if d.AgtPointer, err = s.invitationsPointerFor(r.Context(), p.ID); err != nil {
		return err
	}
	for _, a := range acting {
		d.Units = append(d.Units, unitRow{
			ID:       a.Unit.ID,
			Name:     a.Unit.Name,
			USCC:     a.Unit.USCC,
			Role:     a.Membership.Role.Label(),
			Status:   membershipStatus(a.Membership, now),
			Validity: membershipValidity(a.Membership),
			Usable:   a.Membership.Usable(now),
		})
	}
	return s.Render(w, r, http.StatusOK, "personal-center", "个人中心", "", d)
}

// membershipStatus names where a role stands, in the words of U6.
func membershipStatus(m unit.Membership, now time.Time) string {
	switch {
	case m.Status == unit.StatusRevoked:
		return "已撤销"
	case m.Status == unit.StatusPending:
		return "待确认"
	case m.ValidFrom != nil && now.Before(*m.ValidFrom):
		return "未生效"
	case m.ValidUntil != nil && !now.Before(*m.ValidUntil):
		return "已过期"
	case m.Usable(now):
		return "有效"
	}
	return "不可用"
}

// membershipValidity shows a role's validity period by the hall's one rule for dates
// (validity.Period).
func membershipValidity(m unit.Membership) string { return validity.Period(m.ValidFrom, m.ValidUntil) }

// logout is POST /logout: it ends the session, records "logout" and goes home.
// Logging out twice, or without a session, is not an error.
func (s *handler) logout(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	if !v.SignedIn() && v.Institution == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	e := audit.Entry{PersonID: v.Session.Subject.PersonID, Action: "logout", Result: audit.Success,
		ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context())}
	if v.Session != nil && v.Session.Subject.UnitID != 0 {
		e.UnitID, e.Role = v.Session.Subject.UnitID, string(v.Session.Subject.Role)
		e.Target = "unit:" + strconv.FormatInt(e.UnitID, 10)
		if v.Session.Subject.Institution() {
			e.Target = "institution:" + strconv.FormatInt(v.Session.Subject.InstitutionID, 10)
		}
	}
	if err := s.EndSession(w, r); err != nil {
		return err
	}
	// The session has ended whatever happens next: a failed audit write must not
	// keep anyone signed in, so it is logged rather than shown.
	if _, err := s.Audit.Record(r.Context(), e); err != nil {
		s.Log.ErrorContext(r.Context(), "audit logout", "err", err, "request_id", web.RequestID(r.Context()))
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
