package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/unit"
)

// Counter is the back office acting for a unit at the counter (SPEC B1, B2): the
// staff member, the role they act in and the reason they typed, and the counter
// request being carried out. The audit record names them; the person who acts for
// the unit is its legal rep, whose 授权委托书 the counter checked.
type Counter struct {
	StaffID   int64
	Role      string
	Reason    string
	Request   int64
	ClientIP  string
	RequestID string
}

// ErrNoLegalRep: the unit has no legal rep (the registry named a new one who has not
// taken over yet), so nobody can authorize an administrator.
var ErrNoLegalRep = &Error{"no_legal_rep", "该单位暂无法定代表人，请法定代表人先办理单位注册后再设置管理员"}

// AdminAtCounterTx nominates the unit's administrator at the counter inside the
// caller's transaction (the counter request's approval): as SetAdmin when replace is
// 0, as ReplaceAdmin when replace is the current admin's membership ID. The
// invitation goes out in the name of the unit's legal rep, and the nominee confirms
// in the app as for any nomination. Audit: "delegation.counter_set_admin" or
// "delegation.counter_replace_admin", with the staff member, role, reason and
// request. Call Deliver after the transaction commits to send the invitation SMS
// (the Runner sends it otherwise).
//
// Errors: ErrNomineeMismatch; ErrUnitNotFound, ErrUnitClosed; ErrNoLegalRep;
// ErrBadValidity; ErrAdminExists, ErrAdminChanged; ErrAlreadyMember; otherwise
// database or audit failures (the caller's transaction must then fail).
func (s *Service) AdminAtCounterTx(ctx context.Context, tx *store.Tx, c Counter, unitID, replace int64, n Nominee, validUntil time.Time) (Invitation, error) {
	p, err := s.resolve(ctx, n)
	if err != nil {
		return Invitation{}, err
	}
	t := &txn{Tx: tx, ctx: ctx, now: store.Time(s.now())}
	u, err := t.lockUnit(unitID)
	if err != nil {
		return Invitation{}, err
	}
	rep, err := scanMembership(t.QueryRow(ctx, `SELECT `+membershipColumns+` FROM memberships
		WHERE unit_id = ? AND role = 'legal_rep' AND status = 'active'`, unitID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !rep.Usable(t.now)) {
		return Invitation{}, ErrNoLegalRep
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("delegation: legal rep: %w", err)
	}
	inv, action, detail, err := s.nominateAdmin(t, u, rep, replace, p, validUntil)
	if err != nil {
		return Invitation{}, err
	}
	detail["reason"], detail["request"], detail["on_behalf_of"] = c.Reason, strconv.FormatInt(c.Request, 10), string(unit.RoleLegalRep)
	e := audit.Entry{UnitID: unitID, StaffID: c.StaffID, Role: c.Role, Action: "delegation.counter_" + action[len("delegation."):],
		Target: target(inv.MembershipID), Result: audit.Success, ClientIP: c.ClientIP, RequestID: c.RequestID, Detail: detail}
	if _, err := s.audit.Append(ctx, tx, e); err != nil {
		return Invitation{}, fmt.Errorf("delegation: audit: %w", err)
	}
	inv.notices = t.notices
	return inv, nil
}

// Deliver sends the text messages of an invitation made inside a caller's
// transaction, once that transaction has committed, and reports whether the gateway
// took them all (the Runner retries those it did not).
func (s *Service) Deliver(ctx context.Context, inv Invitation) bool {
	return s.deliver(ctx, inv.notices)
}
