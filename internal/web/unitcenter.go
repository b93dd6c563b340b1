package web

import (
	"context"
	"net/http"
	"time"

	"hall/internal/delegation"
	"hall/internal/ident"
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

// ucSection is one entry of the center's left menu.
type ucSection struct {
	Key, Label, Path string
	// Managers: only the roles that manage the unit's delegation use it
	// (delegation.Manages); the menu leaves it out for an agent.
	Managers bool
}

// ucSections is the left menu in the order SPEC §6 gives.
var ucSections = []ucSection{
	{"home", "单位主页", "/unit/", false},
	{"info", "单位信息", "/unit/info", false},
	{"rights", "单位权益单", "/unit/rights", false},
	{"cases", "单位办件", "/unit/cases", false},
	{"deliveries", "单位快递", "/unit/deliveries", false},
	{"agents", "经办人管理", "/unit/agents", true},
	{"institutions", "机构管理", "/unit/institutions", false},
	{"workbench", "我的工作台", "/unit/workbench", false},
	{"account", "账号设置", "/unit/account", false},
}

// ucSectionByKey finds a menu entry; ok is false for anything not in the menu.
func ucSectionByKey(key string) (ucSection, bool) {
	for _, sec := range ucSections {
		if sec.Key == key {
			return sec, true
		}
	}
	return ucSection{}, false
}

// ucSectionsFor is the menu as role sees it: only what that role may use.
func ucSectionsFor(role unit.Role) []ucSection {
	out := make([]ucSection, 0, len(ucSections))
	for _, sec := range ucSections {
		if !sec.Managers || delegation.Manages(role) {
			out = append(out, sec)
		}
	}
	return out
}

// ucShell is what the "uc-shell" template draws around a page: the menu with the
// current entry, and the header band. Names and ID numbers are masked here, so the
// template cannot show them in full by mistake (SPEC §2).
type ucShell struct {
	Current    string // key of the current menu entry
	Sections   []ucSection
	UnitName   string
	RoleLabel  string
	PersonName string // masked
	PersonID   string // masked
	// CanSwitch is true when the person holds a role in another unit too, so the
	// band offers 切换单位.
	CanSwitch bool
}

// ucShellFor builds the shell for a request in a unit session (the inUnit guard has
// checked that there is one).
func (s *Server) ucShellFor(ctx context.Context, current string) (ucShell, error) {
	v := visitorFrom(ctx)
	sh := ucShell{
		Current:    current,
		Sections:   ucSectionsFor(v.Membership.Role),
		UnitName:   v.Unit.Name,
		RoleLabel:  v.RoleLabel(),
		PersonName: ident.MaskName(v.Person.Name),
		PersonID:   v.Person.MaskedID(),
	}
	acting, err := s.Units.ActingUnits(ctx, v.Person.ID)
	if err != nil {
		return ucShell{}, err
	}
	sh.CanSwitch = len(acting) > 1
	return sh, nil
}

// ucGuard wraps the center's pages. A person signed in without a unit is sent to
// the unit chooser rather than to the login page (they are signed in already); an
// anonymous visitor goes to the unit login; a unit session passes (inUnit).
func (s *Server) ucGuard(h handlerFunc) handlerFunc {
	inUnit := s.inUnit(h)
	return func(w http.ResponseWriter, r *http.Request) error {
		if v := visitorFrom(r.Context()); v.SignedIn() && v.Unit == nil {
			http.Redirect(w, r, "/unit/choose", http.StatusSeeOther)
			return nil
		}
		return inUnit(w, r)
	}
}

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
