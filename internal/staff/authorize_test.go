package staff

import (
	"errors"
	"testing"
)

// expect is one action's row of the role matrix: the roles allowed it about someone
// else, and what happens when the subject is the actor.
type expect struct {
	allowed []Role
	self    *Denial // the denial when the subject is the actor; nil: as for others
}

// matrix is written out by hand, independently of rules, so that a change of the rule
// table shows up here; an action without a row fails TestAuthorizeMatrix.
var matrix = map[Action]expect{
	ActionStaffList:    {[]Role{RoleSecurity}, nil},
	ActionStaffCreate:  {[]Role{RoleSecurity}, nil},
	ActionStaffRoles:   {[]Role{RoleSecurity}, DenySelf},
	ActionStaffDisable: {[]Role{RoleSecurity}, DenySelf},
	ActionStaffEnable:  {[]Role{RoleSecurity}, DenySelf},
	ActionStaffReset:   {[]Role{RoleSecurity}, DenySelf},

	ActionUnitView:       {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionCounterList:    {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionCounterSubmit:  {[]Role{RoleClerk}, nil},
	ActionCounterApprove: {[]Role{RoleReviewer}, DenyOwnWork},
	ActionCounterReject:  {[]Role{RoleReviewer}, DenyOwnWork},
	ActionCounterResend:  {[]Role{RoleClerk}, nil},
	ActionScanRead:       {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionAppealList:     {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionAppealReject:   {[]Role{RoleClerk}, nil},
	ActionRegistryList:   {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionRegistrySync:   {[]Role{RoleClerk}, nil},
	ActionCaseList:       {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionCaseAccept:     {[]Role{RoleClerk}, nil},
	ActionCaseDecide:     {[]Role{RoleReviewer}, DenyOwnWork},
	ActionNoticeList:     {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionNoticeDraft:    {[]Role{RoleClerk}, nil},
	ActionNoticePublish:  {[]Role{RoleReviewer}, DenyOwnWork},
	ActionNoticeWithdraw: {[]Role{RoleReviewer}, nil},
	ActionSkillList:      {[]Role{RoleClerk, RoleReviewer}, nil},
	ActionSkillCreate:    {[]Role{RoleClerk}, nil},
	ActionSkillReview:    {[]Role{RoleReviewer}, DenyOwnWork},

	ActionAuditRead:   {[]Role{RoleAuditor}, DenyAuditSelf},
	ActionAuditExport: {[]Role{RoleAuditor}, DenyAuditSelf},
	ActionAuditVerify: {[]Role{RoleAuditor}, nil},
}

// TestAuthorizeMatrix: every role × every action, about another staff member and
// about oneself.
func TestAuthorizeMatrix(t *testing.T) {
	const me, other = 7, 8
	for _, action := range Actions() {
		if action == ActionOwnAccount {
			continue // TestAuthorizeOwnAccount
		}
		want, ok := matrix[action]
		if !ok {
			t.Errorf("action %s has no row in the test matrix", action)
			continue
		}
		for _, role := range AllRoles {
			allowed := false
			for _, r := range want.allowed {
				allowed = allowed || r == role
			}
			actor := Actor{StaffID: me, Roles: RolesOf(role)}
			subjectRoles := RolesOf(RoleClerk) // a valid set for staff.create / staff.roles
			for _, who := range []struct {
				name    string
				subject int64
			}{{"others", other}, {"nobody", 0}, {"self", me}} {
				got, err := Authorize(actor, action, Subject{StaffID: who.subject, Roles: subjectRoles})
				var wantErr *Denial
				switch {
				case !allowed:
					wantErr = DenyRole
				case who.name == "self" && want.self != nil:
					wantErr = want.self
				}
				if wantErr == nil {
					if err != nil || got != role {
						t.Errorf("%s as %s about %s: got (%q, %v), want allowed as %s", action, role, who.name, got, err, role)
					}
					continue
				}
				if !errors.Is(err, wantErr) && err != wantErr {
					t.Errorf("%s as %s about %s: got (%q, %v), want %s", action, role, who.name, got, err, wantErr.Code)
				}
				if !errors.Is(err, ErrForbidden) {
					t.Errorf("%s as %s about %s: %v does not match ErrForbidden", action, role, who.name, err)
				}
			}
		}
	}
	for action := range matrix {
		if _, ok := rules[action]; !ok {
			t.Errorf("matrix row %s names no action", action)
		}
	}
}

// TestAuthorizeOwnAccount: everyone changes their own password, nobody another's.
func TestAuthorizeOwnAccount(t *testing.T) {
	for _, role := range AllRoles {
		a := Actor{StaffID: 3, Roles: RolesOf(role)}
		if _, err := Authorize(a, ActionOwnAccount, Subject{StaffID: 3}); err != nil {
			t.Errorf("%s changing own password: %v", role, err)
		}
		if _, err := Authorize(a, ActionOwnAccount, Subject{StaffID: 4}); err != DenyOthers {
			t.Errorf("%s changing another's password: got %v, want DenyOthers", role, err)
		}
	}
}

// TestAuthorizeRules: the rules that are not in the matrix.
func TestAuthorizeRules(t *testing.T) {
	security := Actor{StaffID: 1, Roles: RolesOf(RoleSecurity)}
	both := Actor{StaffID: 2, Roles: RolesOf(RoleClerk, RoleReviewer)}
	cases := []struct {
		name    string
		actor   Actor
		action  Action
		subject Subject
		want    error // nil: allowed
		role    Role
	}{
		{"security admin gives themselves a business role", security, ActionStaffRoles,
			Subject{StaffID: 1, Roles: RolesOf(RoleSecurity, RoleClerk)}, DenySelf, ""},
		{"security admin gives themselves the auditor role", security, ActionStaffRoles,
			Subject{StaffID: 1, Roles: RolesOf(RoleAuditor)}, DenySelf, ""},
		{"security admin gives another conflicting roles", security, ActionStaffRoles,
			Subject{StaffID: 5, Roles: RolesOf(RoleAuditor, RoleReviewer)}, DenyRoleConflict, ""},
		{"security admin creates an account with no role", security, ActionStaffCreate,
			Subject{Roles: 0}, DenyRoleConflict, ""},
		{"security admin creates a clerk-reviewer", security, ActionStaffCreate,
			Subject{Roles: RolesOf(RoleClerk, RoleReviewer)}, nil, RoleSecurity},
		{"clerk-reviewer approves another's work", both, ActionCounterApprove, Subject{StaffID: 9}, nil, RoleReviewer},
		{"clerk-reviewer approves own work", both, ActionCounterApprove, Subject{StaffID: 2}, DenyOwnWork, ""},
		{"clerk-reviewer submits", both, ActionCounterSubmit, Subject{}, nil, RoleClerk},
		{"disabled account", Actor{StaffID: 3, Roles: RolesOf(RoleAuditor), Disabled: true}, ActionAuditVerify, Subject{}, DenyDisabled, ""},
		{"initial password not changed", Actor{StaffID: 3, Roles: RolesOf(RoleAuditor), MustChangePassword: true},
			ActionAuditRead, Subject{}, DenyMustChange, ""},
		{"initial password being changed", Actor{StaffID: 3, Roles: RolesOf(RoleAuditor), MustChangePassword: true},
			ActionOwnAccount, Subject{StaffID: 3}, nil, RoleAuditor},
		{"no roles at all", Actor{StaffID: 4}, ActionCounterList, Subject{}, DenyRole, ""},
		{"unknown action", security, Action("staff.delete"), Subject{}, DenyUnknownAction, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role, err := Authorize(c.actor, c.action, c.subject)
			if err != c.want && !(c.want == nil && err == nil) {
				t.Fatalf("got (%q, %v), want %v", role, err, c.want)
			}
			if role != c.role {
				t.Fatalf("role %q, want %q", role, c.role)
			}
		})
	}
}

// TestRolesValid: the separation of duties on a set of roles.
func TestRolesValid(t *testing.T) {
	cases := []struct {
		roles []Role
		want  error
	}{
		{nil, ErrNoRole},
		{[]Role{RoleClerk}, nil},
		{[]Role{RoleReviewer}, nil},
		{[]Role{RoleClerk, RoleReviewer}, nil},
		{[]Role{RoleSecurity}, nil},
		{[]Role{RoleAuditor}, nil},
		{[]Role{RoleSecurity, RoleAuditor}, ErrRoleConflict},
		{[]Role{RoleSecurity, RoleClerk}, ErrRoleConflict},
		{[]Role{RoleSecurity, RoleReviewer}, ErrRoleConflict},
		{[]Role{RoleAuditor, RoleClerk}, ErrRoleConflict},
		{[]Role{RoleAuditor, RoleReviewer}, ErrRoleConflict},
		{[]Role{RoleClerk, RoleReviewer, RoleAuditor, RoleSecurity}, ErrRoleConflict},
	}
	for _, c := range cases {
		if got := RolesOf(c.roles...).Valid(); got != c.want {
			t.Errorf("%v: got %v, want %v", c.roles, got, c.want)
		}
	}
}

// TestParseRole: codes and Chinese names.
func TestParseRole(t *testing.T) {
	for _, r := range AllRoles {
		for _, s := range []string{string(r), r.Label(), " " + string(r) + " "} {
			if got, ok := ParseRole(s); !ok || got != r {
				t.Errorf("ParseRole(%q) = %q, %v", s, got, ok)
			}
		}
	}
	if _, ok := ParseRole("admin"); ok {
		t.Error("ParseRole accepted an unknown role")
	}
}
