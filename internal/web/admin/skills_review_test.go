package admin

import (
	"testing"

	"hall/internal/skills"
	"hall/internal/staff"
)

// TestMayReview: the plan page offers 审核 to a reviewer who did not create the
// plan; not to its creator, even one who is a reviewer too (the domain would
// refuse the decision), nor to a clerk.
func TestMayReview(t *testing.T) {
	plan := skills.Plan{CreatedBy: 7}
	for _, c := range []struct {
		name  string
		actor staff.Actor
		want  bool
	}{
		{"another reviewer", staff.Actor{StaffID: 8, Roles: staff.RolesOf(staff.RoleReviewer)}, true},
		{"the creator, clerk and reviewer", staff.Actor{StaffID: 7, Roles: staff.RolesOf(staff.RoleClerk, staff.RoleReviewer)}, false},
		{"a clerk", staff.Actor{StaffID: 9, Roles: staff.RolesOf(staff.RoleClerk)}, false},
		{"an auditor", staff.Actor{StaffID: 10, Roles: staff.RolesOf(staff.RoleAuditor)}, false},
	} {
		if got := mayReview(c.actor, plan); got != c.want {
			t.Errorf("%s: mayReview = %v, want %v", c.name, got, c.want)
		}
	}
}
