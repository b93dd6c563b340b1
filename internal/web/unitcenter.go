package web

import (
	"net/http"
	"time"

	"hall/internal/unit"
)

// The unit user center (单位用户中心, SPEC §6): a header band naming the unit and who
// acts for it, a left menu, and the page of the chosen section. Every page of the
// center renders its body inside the shell:
//
//	{{define "content"}}{{template "uc-shell" .}}{{end}}
//	{{define "uc-main"}}<h1>…</h1>…{{end}}
//
// and passes template data with a field Shell ucShell (from s.ucShellFor). A later
// page for one section registers its own, more specific route ("GET /unit/info"),
// which ServeMux prefers to the "GET /unit/{section}" placeholder below.

// ucValidityWarnDays: the home page warns when the authorization ends within this
// many days, so that an admin or agent asks for a renewal before being locked out.
const ucValidityWarnDays = 7

// ucValidity describes a membership's validity period for display.
type ucValidity struct {
	Open     bool       // no end: 长期有效
	From     *time.Time // set when the period has not started yet
	Until    time.Time  // the end, when not Open
	DaysLeft int        // whole days until Until, rounded up (0 when past)
	Warn     bool       // ends within ucValidityWarnDays
	Expired  bool       // Until has passed
}

// ucValidityOf computes how a membership's validity is shown at now.
func ucValidityOf(m unit.Membership, now time.Time) ucValidity {
	var v ucValidity
	if m.ValidFrom != nil && now.Before(*m.ValidFrom) {
		v.From = m.ValidFrom
	}
	if m.ValidUntil == nil {
		v.Open = true
		return v
	}
	v.Until = *m.ValidUntil
	left := v.Until.Sub(now)
	if left <= 0 {
		v.Expired = true
		return v
	}
	v.DaysLeft = int((left + 24*time.Hour - 1) / (24 * time.Hour))
	v.Warn = left <= ucValidityWarnDays*24*time.Hour
	return v
}

// ucHomeData is the template data of U1.
type ucHomeData struct {
	Shell    ucShell
	USCC     string
	Number   string
	UnitType string
	Validity ucValidity
	// IdleExpiresAt and AbsoluteExpiresAt are the session's, for the hint under the
	// page.
	IdleExpiresAt, AbsoluteExpiresAt time.Time
}

// ucHome is U1 单位主页: the unit's overview for the person acting for it.
func (s *Server) ucHome(w http.ResponseWriter, r *http.Request) error {
	v := visitorFrom(r.Context())
	sh, err := s.ucShellFor(r.Context(), "home")
	if err != nil {
		return err
	}
	d := ucHomeData{
		Shell:             sh,
		USCC:              v.Unit.USCC,
		Number:            v.Unit.UnitNumber,
		UnitType:          v.Unit.UnitType,
		Validity:          ucValidityOf(*v.Membership, s.Now()),
		IdleExpiresAt:     v.Session.IdleExpiresAt,
		AbsoluteExpiresAt: v.Session.AbsoluteExpiresAt,
	}
	return s.render(w, r, http.StatusOK, "uc-home", "单位主页", "", d)
}

// ucSoonData is the template data of a section that is not built yet.
type ucSoonData struct {
	Shell ucShell
}

// ucSectionShow answers the menu entries that later work builds, inside the shell,
// and 404 for anything that is not a menu entry.
func (s *Server) ucSectionShow(w http.ResponseWriter, r *http.Request) error {
	sec, ok := ucSectionByKey(r.PathValue("section"))
	if !ok || sec.Key == "home" {
		return s.notFound(w, r)
	}
	return s.ucGuard(func(w http.ResponseWriter, r *http.Request) error {
		sh, err := s.ucShellFor(r.Context(), sec.Key)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "uc-soon", sec.Label, "", ucSoonData{Shell: sh})
	})(w, r)
}
