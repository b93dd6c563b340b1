package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"hall/internal/person"
)

// Admission control of password logins (person.Hasher.Admit, QUALITY.md overload
// bar). The password hash is the scarce resource: a login the hasher cannot serve
// within its latency budget is refused before it does anything else — no account
// look-up, no throttle reservation, no hash, no audit entry — with 429, a
// Retry-After header and 系统繁忙 on the form, so that refusing costs neither the
// database nor seconds. A login admitted goes through the login gate as before; its
// wait for a hashing slot stays bounded by hash-max-wait (503 past it).
//
// Refusals are not audited one by one: under overload that would be a database write
// per refused request, the very work admission saves. They are counted instead, by
// form, in the metric hall_login_refused_busy_total on the operations listener,
// beside hall_login_admitted and hall_login_admission_bound.

// Login forms, as the refusal metric labels them.
const (
	AdmissionPerson = "person"      // 个人登录 by password (/login/person)
	AdmissionUnit   = "unit"        // 单位登录 (/login/unit)
	AdmissionApp    = "app"         // the companion app's sign-in (/app/login)
	AdmissionStaff  = "back_office" // the back office's 工作人员登录 (/admin/login)
	AdmissionLegacy = "legacy"      // 历史单位用户升级's old password (/upgrade)
)

// AdmitLogin admits a password login before any other work on it, for any form that
// checks a password of an account not signed in. When the hasher is saturated it
// sets Retry-After, puts MsgBusy at the top of f and returns refused: the caller
// shows the form again with 429 and does nothing else. Otherwise the caller defers
// release (always safe to call) and goes on. err is ctx's end (the client left).
func (s *Server) AdmitLogin(w http.ResponseWriter, r *http.Request, f *Form, form string) (release func(), refused bool, err error) {
	release, err = s.Hasher.Admit(r.Context())
	switch {
	case err == nil:
		return release, false, nil
	case errors.Is(err, person.ErrBusy):
		s.metrics.loginBusy.WithLabelValues(form).Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.Hasher.RetryAfter().Seconds()))))
		f.Top = MsgBusy
		return func() {}, true, nil
	}
	return func() {}, false, err
}
