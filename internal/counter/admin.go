package counter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"hall/internal/delegation"
	"hall/internal/ident"
)

// execAdminChange: the administrator is set or replaced in the name of the unit's
// legal rep (delegation.AdminAtCounterTx); the invitation SMS goes out after commit.
func (s *Service) execAdminChange(ctx context.Context, a *approval) error {
	var in AdminChangeInput
	if err := json.Unmarshal(a.q.Data, &in); err != nil {
		return fmt.Errorf("counter: request %d: %w", a.q.ID, err)
	}
	return s.nominate(ctx, a, a.q.UnitID, in.Replace, in.Nominee, in.ValidUntil)
}

// nominate runs an administrator nomination inside the approval.
func (s *Service) nominate(ctx context.Context, a *approval, unitID, replace int64, n delegation.Nominee, until time.Time) error {
	inv, err := s.d.Delegation.AdminAtCounterTx(ctx, a.tx, delegation.Counter{StaffID: a.actor.StaffID, Role: string(a.role),
		Reason: a.reason, Request: a.q.ID, ClientIP: a.actor.ClientIP, RequestID: a.actor.RequestID}, unitID, replace, n, until)
	if err != nil {
		return err
	}
	a.outcome["admin_membership"] = strconv.FormatInt(inv.MembershipID, 10)
	a.outcome["admin_id_number"] = ident.MaskID(n.IDNumber)
	a.outcome["invitation_expires"] = inv.ExpiresAt.UTC().Format(time.RFC3339)
	a.after = append(a.after, func(ctx context.Context) bool { return s.d.Delegation.Deliver(ctx, inv) })
	return nil
}
