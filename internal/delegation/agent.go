package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"hall/internal/unit"
)

// AddAgent adds an agent (经办人) to the unit: a pending agent membership for the
// period [validFrom, validUntil) (a zero validFrom means now), the grants of items
// (catalog item codes such as "SB-001"), an invitation and its SMS. The agent may
// act once it confirmed in the companion app. Audit: "delegation.add_agent".
//
// The actor is the legal rep or an admin inside its validity; an admin cannot grant
// past its own valid_until. At most 10 agents per unit, pending ones included: the
// database trigger of migration 0007 refuses the 11th, also under concurrent calls.
//
// Errors: ErrNomineeMismatch; ErrNoItems, ErrUnknownItem (not in the catalog,
// inactive, or not for units); ErrUnitNotFound, ErrUnitClosed; ErrNotManager;
// ErrBadValidity; ErrBeyondGrantor; ErrAlreadyMember; ErrAgentLimit; otherwise
// database or audit failures.
func (s *Service) AddAgent(ctx context.Context, actor Actor, unitID int64, n Nominee, items []string, validFrom, validUntil time.Time) (Invitation, error) {
	codes, err := NormalizeItems(items)
	if err != nil {
		return Invitation{}, err
	}
	p, err := s.resolve(ctx, n)
	if err != nil {
		return Invitation{}, err
	}
	var inv Invitation
	notified, err := s.run(ctx, func(t *txn) error {
		u, err := t.lockUnit(unitID)
		if err != nil {
			return err
		}
		mgr, err := t.requireManager(unitID, actor)
		if err != nil {
			return err
		}
		from, until, err := period(t.now, validFrom, validUntil)
		if err != nil {
			return err
		}
		if err := withinGrantor(mgr, until); err != nil {
			return err
		}
		if err := t.checkItems(codes); err != nil {
			return err
		}
		if _, err := s.expireInvitations(t, unitID, expireBatch); err != nil {
			return err
		}
		if _, err := t.current(unitID, p.ID); err == nil {
			return ErrAlreadyMember
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delegation: nominee: %w", err)
		}
		m, err := t.insertPending(unitID, p.ID, unit.RoleAgent, from, until, actor.PersonID)
		if err != nil {
			return err
		}
		if err := t.grant(m.ID, codes, actor.PersonID); err != nil {
			return err
		}
		if inv, err = s.invite(t, u, m, mgr); err != nil {
			return err
		}
		detail := nomineeDetail(p, unit.RoleAgent, from, until)
		detail["items"] = strings.Join(codes, ",")
		t.record(actor, string(mgr.Role), unitID, "delegation.add_agent", target(m.ID), detail)
		return nil
	})
	inv.Notified = notified
	return inv, err
}

// ChangeAgent replaces agent agentID's business scope with items and its validity
// with [validFrom, validUntil) (a zero validFrom keeps the current start). It works
// on pending and confirmed agents; a confirmed one stays confirmed. When the change
// takes anything away (an item, or time at either end) the agent's sessions for the
// unit end at once, as for a revocation. A new end date is reminded again. Audit:
// "delegation.change_agent".
//
// Errors: ErrNoItems, ErrUnknownItem; ErrUnitNotFound, ErrUnitClosed; ErrNotManager;
// ErrAgentNotFound when agentID is not a current agent of the unit; ErrBadValidity;
// ErrBeyondGrantor; otherwise database or audit failures.
func (s *Service) ChangeAgent(ctx context.Context, actor Actor, unitID, agentID int64, items []string, validFrom, validUntil time.Time) error {
	codes, err := NormalizeItems(items)
	if err != nil {
		return err
	}
	_, err = s.run(ctx, func(t *txn) error {
		if _, err := t.lockUnit(unitID); err != nil {
			return err
		}
		mgr, err := t.requireManager(unitID, actor)
		if err != nil {
			return err
		}
		m, err := t.agent(unitID, agentID)
		if err != nil {
			return err
		}
		if validFrom.IsZero() && m.ValidFrom != nil {
			validFrom = *m.ValidFrom
		}
		from, until, err := period(t.now, validFrom, validUntil)
		if err != nil {
			return err
		}
		if err := withinGrantor(mgr, until); err != nil {
			return err
		}
		if err := t.checkItems(codes); err != nil {
			return err
		}
		old, err := t.grants(m.ID)
		if err != nil {
			return err
		}
		removed, added := diff(old, codes)
		if err := t.ungrant(m.ID, removed); err != nil {
			return err
		}
		if err := t.grant(m.ID, added, actor.PersonID); err != nil {
			return err
		}
		q := `UPDATE memberships SET valid_from = ?, valid_until = ? WHERE id = ?`
		if m.ValidUntil == nil || !m.ValidUntil.Equal(until) {
			q = `UPDATE memberships SET valid_from = ?, valid_until = ?, reminded_at = NULL WHERE id = ?`
		}
		if _, err := t.Exec(ctx, q, from, until, m.ID); err != nil {
			return fmt.Errorf("delegation: change agent: %w", err)
		}
		narrowed := len(removed) > 0 || (m.ValidUntil != nil && until.Before(*m.ValidUntil)) ||
			(m.ValidFrom != nil && from.After(*m.ValidFrom))
		if narrowed {
			if _, err := s.sessions.EndAllTx(ctx, t.Tx, m.PersonID, &unitID); err != nil {
				return fmt.Errorf("delegation: end sessions: %w", err)
			}
		}
		t.record(actor, string(mgr.Role), unitID, "delegation.change_agent", target(m.ID), map[string]string{
			"role": string(unit.RoleAgent), "person_id": fmt.Sprint(m.PersonID),
			"items_before": strings.Join(old, ","), "items": strings.Join(codes, ","),
			"valid_from_before": fmtTime(m.ValidFrom), "valid_until_before": fmtTime(m.ValidUntil),
			"valid_from": fmtTime(&from), "valid_until": fmtTime(&until),
		})
		return nil
	})
	return err
}

// RemoveAgent revokes agent agentID (pending or confirmed); the agent's sessions for
// the unit end in the same transaction. Audit: "delegation.remove_agent".
//
// Errors: ErrUnitNotFound, ErrUnitClosed; ErrNotManager; ErrAgentNotFound; otherwise
// database or audit failures.
func (s *Service) RemoveAgent(ctx context.Context, actor Actor, unitID, agentID int64) error {
	_, err := s.run(ctx, func(t *txn) error {
		if _, err := t.lockUnit(unitID); err != nil {
			return err
		}
		mgr, err := t.requireManager(unitID, actor)
		if err != nil {
			return err
		}
		m, err := t.agent(unitID, agentID)
		if err != nil {
			return err
		}
		if err := s.revoke(t, m); err != nil {
			return err
		}
		t.record(actor, string(mgr.Role), unitID, "delegation.remove_agent", target(m.ID),
			map[string]string{"role": string(unit.RoleAgent), "person_id": fmt.Sprint(m.PersonID)})
		return nil
	})
	return err
}

// agent returns the unit's non-revoked agent membership id, locked on PostgreSQL.
// Errors: ErrAgentNotFound, database failures.
func (t *txn) agent(unitID, id int64) (unit.Membership, error) {
	m, err := t.byID(unitID, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (m.Role != unit.RoleAgent || m.Status == unit.StatusRevoked)) {
		return unit.Membership{}, ErrAgentNotFound
	}
	if err != nil {
		return unit.Membership{}, fmt.Errorf("delegation: agent: %w", err)
	}
	return m, nil
}

// MaxItems bounds the items of one grant (the catalog is far smaller).
const MaxItems = 200

// NormalizeItems reads item codes as a form submits them: surrounding space
// trimmed, upper-cased, empty entries dropped, duplicates removed, sorted. A code is
// 1–16 characters of A-Z, 0-9 and '-'. Errors: ErrNoItems when none remain;
// ErrUnknownItem for a malformed code or more than MaxItems codes.
func NormalizeItems(items []string) ([]string, error) {
	var out []string
	for _, it := range items {
		c := strings.ToUpper(strings.TrimSpace(it))
		if c == "" {
			continue
		}
		if len(c) > 16 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return nil, ErrUnknownItem
		}
		out = append(out, c)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	switch {
	case len(out) == 0:
		return nil, ErrNoItems
	case len(out) > MaxItems:
		return nil, ErrUnknownItem
	}
	return out, nil
}

// checkItems makes sure every code is an active catalog item a unit may apply for.
func (t *txn) checkItems(codes []string) error {
	q := `SELECT COUNT(*) FROM catalog_items WHERE active = 1 AND applicant IN ('unit', 'both') AND code IN (?` +
		strings.Repeat(", ?", len(codes)-1) + `)`
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	var n int
	if err := t.QueryRow(t.ctx, q, args...).Scan(&n); err != nil {
		return fmt.Errorf("delegation: check items: %w", err)
	}
	if n != len(codes) {
		return ErrUnknownItem
	}
	return nil
}

func (t *txn) grants(membershipID int64) ([]string, error) {
	rows, err := t.Query(t.ctx, `SELECT item_code FROM grants WHERE membership_id = ? ORDER BY item_code`, membershipID)
	if err != nil {
		return nil, fmt.Errorf("delegation: grants: %w", err)
	}
	return collectStrings(rows)
}

func (t *txn) grant(membershipID int64, codes []string, by int64) error {
	for _, c := range codes {
		if _, err := t.Exec(t.ctx, `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
			membershipID, c, by, t.now); err != nil {
			return fmt.Errorf("delegation: grant: %w", err)
		}
	}
	return nil
}

func (t *txn) ungrant(membershipID int64, codes []string) error {
	for _, c := range codes {
		if _, err := t.Exec(t.ctx, `DELETE FROM grants WHERE membership_id = ? AND item_code = ?`, membershipID, c); err != nil {
			return fmt.Errorf("delegation: ungrant: %w", err)
		}
	}
	return nil
}

// diff compares two sorted code lists.
func diff(old, new []string) (removed, added []string) {
	for _, c := range old {
		if _, ok := slices.BinarySearch(new, c); !ok {
			removed = append(removed, c)
		}
	}
	for _, c := range new {
		if _, ok := slices.BinarySearch(old, c); !ok {
			added = append(added, c)
		}
	}
	return removed, added
}
