package unitcenter

import (
	"hall/internal/web"
	"net/http"
	"time"

	"hall/internal/unit"
)

// The unit user center (单位用户中心, SPEC §6): a header band naming the unit and who
// acts for it, a left menu, and the page of the chosen section. Every page of the
// center renders its body inside the shell:
//
//	{{define "content"}}{{template "unit-shell" .}}{{end}}
//	{{define "unit-main"}}<h1>…</h1>…{{end}}
//
// and passes template data with a field Shell UnitShell (from s.UnitShellFor). Each
// section registers its own route ("GET /unit/info"); a path under /unit/ that
// none registers is the kit's 404.

// unitValidityWarnDays: the home page warns when the authorization ends within this
// many days, so that an admin or agent asks for a renewal before being locked out.
const unitValidityWarnDays = 7

// unitValidity describes a membership's validity period for display.
type unitValidity struct {
	Open     bool       // no end: 长期有效
	From     *time.Time // set when the period has not started yet
	Until    time.Time  // the end, when not Open
	DaysLeft int        // whole days until Until, rounded up (0 when past)
	Warn     bool       // ends within unitValidityWarnDays
	Expired  bool       // Until has passed
}

// unitValidityOf computes how a membership's validity is shown at now.
func unitValidityOf(m unit.Membership, now time.Time) unitValidity {
	var v unitValidity
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
	v.Warn = left <= unitValidityWarnDays*24*time.Hour
	return v
}

// unitHomeData is the template data of U1.
type unitHomeData struct {
	Shell    web.UnitShell
	USCC     string
	Number   string
	UnitType string
	Validity unitValidity
	// IdleExpiresAt and AbsoluteExpiresAt are the session's, for the hint under the
	// Page.
	IdleExpiresAt, AbsoluteExpiresAt time.Time
	Overview                         homeOverview
}

// unitHome is U1 单位主页: the unit's overview for the person acting for it.
func (s *handler) unitHome(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	sh, err := s.UnitShellFor(r.Context(), "home")
	if err != nil {
		return err
	}
	now := s.Now()
	o, err := s.homeOverviewOf(r.Context(), now)
	if err != nil {
		return err
	}
	d := unitHomeData{
		Shell:             sh,
		Overview:          o,
		USCC:              v.Unit.USCC,
		Number:            v.Unit.UnitNumber,
		UnitType:          v.Unit.UnitType,
		Validity:          unitValidityOf(*v.Membership, now),
		IdleExpiresAt:     v.Session.IdleExpiresAt,
		AbsoluteExpiresAt: v.Session.AbsoluteExpiresAt,
	}
	return s.Render(w, r, http.StatusOK, "unit-home", "单位主页", "", d)
}
