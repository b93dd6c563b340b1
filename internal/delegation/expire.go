package delegation

import (
	"context"
	"fmt"
	"strings"

	"hall/internal/unit"
)

// expireBatch bounds the rows one sweep transaction touches.
const expireBatch = 100

// expireInvitations revokes pending memberships whose invitation ran out unanswered
// (of one unit, or of all units when unitID is 0), with one audit record
// "delegation.expire" each, by the system (no person). It frees the admin slot and
// agent slots such a membership holds (SPEC §9 counts pending ones), so that a new
// nomination does not depend on when the Runner last ran. Grants stay as history.
func (s *Service) expireInvitations(t *txn, unitID int64, limit int) (int, error) {
	q := `SELECT ` + prefixed("m.", membershipColumns) + ` FROM memberships m JOIN invitations i ON i.membership_id = m.id
		WHERE m.status = 'pending' AND i.confirmed_at IS NULL AND i.declined_at IS NULL AND i.expires_at <= ?`
	args := []any{t.now}
	if unitID != 0 {
		q += ` AND m.unit_id = ?`
		args = append(args, unitID)
	}
	q += ` ORDER BY m.id LIMIT ?`
	args = append(args, limit)
	rows, err := t.Query(t.ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("delegation: expired invitations: %w", err)
	}
	var due []unit.Membership
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
			return 0, fmt.Errorf("delegation: expired invitations: %w", err)
		}
		due = append(due, m)
	}
	_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range due {
		// Conditional, so that two sweeps (two processes) expire a membership once.
		res, err := t.Exec(t.ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'pending'`,
			t.now, m.ID)
		if err != nil {
			return n, fmt.Errorf("delegation: expire: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			continue
		}
		n++
		t.record(Actor{}, "", m.UnitID, "delegation.expire", target(m.ID), map[string]string{"role": string(m.Role)})
	}
	return n, nil
}

// ExpireInvitations revokes, across all units, the pending memberships whose
// invitations ran out unanswered (see the Runner), at most a batch per call, and
// returns how many. Safe to run from several processes at once: each membership is
// expired and audited once. Errors: database or audit failures.
func (s *Service) ExpireInvitations(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		_, err := s.run(ctx, func(t *txn) error {
			var err error
			n, err = s.expireInvitations(t, 0, expireBatch)
			return err
		})
		total += n
		if err != nil || n < expireBatch {
			return total, err
		}
	}
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}
