package staff

import (
	"context"
	"fmt"

	"hall/internal/ident"
	"hall/internal/store"
)

// Demo is the staff that demo data (package demo) names as having accepted and
// approved its cases: a clerk and a reviewer, two people as the cases' rule wants.
type Demo struct {
	Clerk, Reviewer int64
}

// CreateDemo opens, inside tx, the demo's clerk and reviewer (logins demo.clerk and
// demo.reviewer), disabled at once: their password is random and told to nobody,
// so nobody signs in as them; they exist so that the demo's finished cases have
// the staff their history names. Audit: "staff.demo" for each.
//
// Errors: ErrLoginTaken when they exist; person.ErrBusy; database or audit failures.
func (s *Service) CreateDemo(ctx context.Context, tx *store.Tx) (Demo, error) {
	// One hash for both: nobody knows the password, and a hash costs time at start-up.
	hash, err := s.d.Hasher.Hash(ctx, ident.RandomPassword(s.d.Policy, "demo"))
	if err != nil {
		return Demo{}, err
	}
	var d Demo
	for _, a := range []struct {
		in NewStaff
		id *int64
	}{
		{NewStaff{Login: "demo.clerk", Name: "演示受理员", Roles: RolesOf(RoleClerk)}, &d.Clerk},
		{NewStaff{Login: "demo.reviewer", Name: "演示审核员", Roles: RolesOf(RoleReviewer)}, &d.Reviewer},
	} {
		c, err := s.insert(ctx, tx, a.in, hash, 0)
		if err != nil {
			return Demo{}, err
		}
		now := s.dbNow()
		if _, err := tx.Exec(ctx, `UPDATE staff SET disabled_at = ?, updated_at = ? WHERE id = ?`, now, now, c.Staff.ID); err != nil {
			return Demo{}, fmt.Errorf("staff: demo: %w", err)
		}
		role := a.in.Roles.List()[0]
		if _, err := s.d.Audit.Append(ctx, tx, actorOf(c.Staff).Entry(role, "staff.demo", Target(c.Staff.ID), "演示数据",
			map[string]string{"login": a.in.Login, "roles": a.in.Roles.String(), "disabled": "true"})); err != nil {
			return Demo{}, err
		}
		*a.id = c.Staff.ID
	}
	return d, nil
}
