package demo

import (
	"context"
	"fmt"
	"hall/internal/person"

	"hall/internal/store"
	"hall/internal/unit"
)

// demoAgentItems is the business scope (业务授权, SPEC U6) of the demo agent: a few
// social-insurance registrations, so that /unit/items shows granted items beside
// disabled ones and the reason why.
var demoAgentItems = []string{"SB-001", "SB-003", "SB-005"}

// loadGrants gives the demo agent (周敏 in the second unit) its business scope. It
// runs after "accounts", which created the agent's membership; the grantor is the
// unit's legal rep, as if the legal rep had added the agent in 经办人管理.
func loadGrants(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	c, err := newCast(g)
	if err != nil {
		return err
	}
	var membershipID, grantor int64
	match, indexes := person.IDNumberMatch(tx.Keys(), "p", c.helper.IDNumber)
	args := append([]any{string(unit.RoleLegalRep), string(unit.StatusActive), c.unitB.USCC}, indexes...)
	err = tx.QueryRow(ctx, `SELECT m.id, lr.person_id FROM memberships m
		JOIN units u ON u.id = m.unit_id JOIN persons p ON p.id = m.person_id
		JOIN memberships lr ON lr.unit_id = u.id AND lr.role = ? AND lr.status = ?
		WHERE u.uscc = ? AND `+match+` AND m.role = ? AND m.status = ?`,
		append(args, string(unit.RoleAgent), string(unit.StatusActive))...).Scan(&membershipID, &grantor)
	if err != nil {
		return fmt.Errorf("demo agent membership: %w", err)
	}
	now := store.Time(d.Now())
	for _, code := range demoAgentItems {
		if _, err := tx.Exec(ctx, `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
			membershipID, code, grantor, now); err != nil {
			return fmt.Errorf("demo grant %s: %w", code, err)
		}
	}
	return nil
}
