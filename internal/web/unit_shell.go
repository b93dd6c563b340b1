package web

import (
	"context"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/unit"
	"net/http"
)

// unitSection is one entry of the center's left menu.
type unitSection struct {
	Key, Label, Path string
	// Managers: only the roles that manage the unit's delegation use it
	// (delegation.Manages); the menu leaves it out for an agent.
	Managers bool
}

// unitSections is the left menu in the order SPEC §6 gives.
var unitSections = []unitSection{
	{"home", "单位主页", "/unit/", false},
	{"info", "单位信息", "/unit/info", false},
	{"rights", "单位权益单", "/unit/rights", false},
	{"cases", "单位办件", "/unit/cases", false},
	{"deliveries", "单位快递", "/unit/deliveries", false},
	{"agents", "经办人管理", "/unit/agents", true},
	{"institutions", "机构管理", "/unit/institutions", true},
	{"workbench", "我的工作台", "/unit/workbench", false},
	{"account", "账号设置", "/unit/account", false},
}

// unitSectionsFor is the menu as role sees it: only what that role may use.
func unitSectionsFor(role unit.Role) []unitSection {
	out := make([]unitSection, 0, len(unitSections))
	for _, sec := range unitSections {
		if !sec.Managers || delegation.Manages(role) {
			out = append(out, sec)
		}
	}
	return out
}

// UnitShell is what the "unit-shell" template draws around a page: the menu with the
// current entry, and the header band. Names and ID numbers are masked here, so the
// template cannot show them in full by mistake (SPEC §2).
type UnitShell struct {
	Current    string // key of the current menu entry
	Sections   []unitSection
	UnitName   string
	RoleLabel  string
	PersonName string // masked
	PersonID   string // masked
	// CanSwitch is true when the person holds a role in another unit too, so the
	// band offers 切换单位.
	CanSwitch bool
}

// UnitShellFor builds the shell for a request in a unit session (the RequireUnit guard has
// checked that there is one).
func (s *Server) UnitShellFor(ctx context.Context, current string) (UnitShell, error) {
	v := VisitorFrom(ctx)
	sh := UnitShell{
		Current:    current,
		Sections:   unitSectionsFor(v.Membership.Role),
		UnitName:   v.Unit.Name,
		RoleLabel:  v.RoleLabel(),
		PersonName: ident.MaskName(v.Person.Name),
		PersonID:   v.Person.MaskedID(),
	}
	acting, err := s.Units.ActingUnits(ctx, v.Person.ID)
	if err != nil {
		return UnitShell{}, err
	}
	sh.CanSwitch = len(acting) > 1
	return sh, nil
}

// UnitCenterGuard wraps the center's pages. A person signed in without a unit is sent to
// the unit chooser rather than to the login page (they are signed in already); an
// anonymous visitor goes to the unit login; a unit session passes (RequireUnit).
func (s *Server) UnitCenterGuard(h HandlerFunc) HandlerFunc {
	inUnit := s.RequireUnit(h)
	return func(w http.ResponseWriter, r *http.Request) error {
		if v := VisitorFrom(r.Context()); v.SignedIn() && v.Unit == nil {
			http.Redirect(w, r, "/unit/choose", http.StatusSeeOther)
			return nil
		}
		return inUnit(w, r)
	}
}
