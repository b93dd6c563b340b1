package staff

import (
	"strings"
)

// Role is a back-office role. A staff account holds one or more of them, within the
// separation of duties that Roles.Valid (and the database) enforce.
type Role string

const (
	// RoleClerk (窗口经办) records what people ask for at the counter: unit
	// registrations, administrator changes, password resets, appeal releases, with
	// the scans of their documents. Nothing a clerk records takes effect until a
	// reviewer approves it.
	RoleClerk Role = "clerk"
	// RoleReviewer (审核) approves or rejects what a clerk recorded; never their own.
	RoleReviewer Role = "reviewer"
	// RoleSecurity (安全管理员) manages staff accounts and their roles, and does no
	// business at all.
	RoleSecurity Role = "security"
	// RoleAuditor (审计员) reads the audit log, never about themselves, and changes
	// nothing.
	RoleAuditor Role = "auditor"
)

// AllRoles lists the roles in the order pages show them.
var AllRoles = []Role{RoleClerk, RoleReviewer, RoleSecurity, RoleAuditor}

var roleLabels = map[Role]string{
	RoleClerk:    "窗口经办",
	RoleReviewer: "审核",
	RoleSecurity: "安全管理员",
	RoleAuditor:  "审计员",
}

// Label is the role's Chinese name, or "" for an unknown role.
func (r Role) Label() string { return roleLabels[r] }

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.Label() != "" }

// ParseRole accepts the code ("clerk") or the Chinese name ("窗口经办").
func ParseRole(s string) (Role, bool) {
	s = strings.TrimSpace(s)
	for _, r := range AllRoles {
		if strings.EqualFold(s, string(r)) || s == r.Label() {
			return r, true
		}
	}
	return "", false
}

// Roles is a set of roles.
type Roles uint8

func bit(r Role) Roles {
	for i, x := range AllRoles {
		if x == r {
			return 1 << i
		}
	}
	return 0
}

// RolesOf returns the set of the given roles (unknown ones are left out).
func RolesOf(rs ...Role) Roles {
	var s Roles
	for _, r := range rs {
		s |= bit(r)
	}
	return s
}

// Has reports whether r is in the set.
func (s Roles) Has(r Role) bool { b := bit(r); return b != 0 && s&b != 0 }

// List returns the roles in the set, in AllRoles order.
func (s Roles) List() []Role {
	var out []Role
	for _, r := range AllRoles {
		if s.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// Label is the Chinese names of the roles, joined with "、" ("无" for none).
func (s Roles) Label() string {
	var names []string
	for _, r := range s.List() {
		names = append(names, r.Label())
	}
	if len(names) == 0 {
		return "无"
	}
	return strings.Join(names, "、")
}

// String is the codes joined with ",", as the audit log records a set of roles.
func (s Roles) String() string {
	var codes []string
	for _, r := range s.List() {
		codes = append(codes, string(r))
	}
	return strings.Join(codes, ",")
}

// business reports whether the set holds a business role (clerk or reviewer).
func (s Roles) business() bool { return s.Has(RoleClerk) || s.Has(RoleReviewer) }

// Valid checks the separation of duties (三员分立): at least one role; the security
// administrator and the auditor hold no other role, and nobody is both. The clerk
// and the reviewer may be one account: "nobody approves their own work" is checked
// on each request instead. The same rule is a CHECK on the staff table. It returns
// ErrNoRole or ErrRoleConflict.
func (s Roles) Valid() error {
	n := 0
	for _, exclusive := range []bool{s.Has(RoleSecurity), s.Has(RoleAuditor), s.business()} {
		if exclusive {
			n++
		}
	}
	switch {
	case n == 0:
		return ErrNoRole
	case n > 1:
		return ErrRoleConflict
	}
	return nil
}
