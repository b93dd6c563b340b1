package web

import (
	"context"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/unit"
	"net/http"
)

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
