package web

import (
	"net/http"
	"strings"

	"hall/internal/unit"
)

// The forced password change (SPEC R3, B1, B3/P3): a password someone else issued —
// the counter's initial password for a legal rep it registered, a password reset at
// the counter — went out by SMS, so the person must set their own before they use
// the account. person.MustChangePassword says so until they do (person.ChangePassword
// clears it). One gate, in front of every route rather than in each guard, so that
// no page of the unit user center or the personal center (the center's guard, the
// business guard, 经办人管理, 账号设置 …) can be reached around it. It lists what stays
// open rather than what is closed, so that a page added later is closed without
// anyone remembering the gate: while the flag is set, every request of the hall and
// of the companion app (whose session is the same, so that a confirmation in the app
// cannot be given with the issued password) is sent to the change page, which is the
// one page that answers, but for leaving (退出), the assets and probes, the display
// switches and the session keep-alive the change page itself uses.

// Where a forced change is made: in the unit center for the legal rep (who signs in
// to the unit with the personal password), in the personal center otherwise (an
// administrator or agent in a unit session changes there the personal password the
// counter issued, not the unit password).
const (
	PathUnitPasswordChange     = PathUnitAccount + "/password"
	PathPersonalPasswordChange = PathPersonalCenter + "/password"
)

// MsgPasswordChangeForced heads the change page while the change is forced.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const MsgPasswordChangeForced = "您正在使用人社经办窗口发放的初始密码。为保护账户安全，请先修改密码，修改后才能继续使用单位用户中心和个人中心。"

// withPasswordChange sends a signed-in person who must change their password to the
// change page from every route but the few openDuringPasswordChange lists.
func (s *Server) withPasswordChange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := VisitorFrom(r.Context())
		if v.SignedIn() && v.Person.MustChangePassword && !openDuringPasswordChange(r.URL.Path) {
			if to := PasswordChangePath(v); r.URL.Path != to {
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// openDuringPasswordChange reports whether path answers a person who must change
// their password, besides their own change page: only what does not act on the
// account.
func openDuringPasswordChange(path string) bool {
	switch path {
	case "/logout", "/app/logout", "/healthz", "/readyz", "/display/elder", "/display/standard", "/session/keepalive":
		return true
	}
	return strings.HasPrefix(path, "/static/")
}

// PasswordChangePath is the change page of the visitor's personal password: in the
// unit center for a legal rep's unit session, in the personal center otherwise.
func PasswordChangePath(v *Visitor) string {
	if v.Unit != nil && v.Membership != nil && v.Membership.Role == unit.RoleLegalRep {
		return PathUnitPasswordChange
	}
	return PathPersonalPasswordChange
}

// PasswordChangeForced reports whether the visitor must change the password the
// change page at path is about before anything else.
func PasswordChangeForced(v *Visitor, path string) bool {
	return v.SignedIn() && v.Person.MustChangePassword && PasswordChangePath(v) == path
}
