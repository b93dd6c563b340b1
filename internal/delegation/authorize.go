package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/store"
	"hall/internal/unit"
)

// Reason says why Authorize refused.
type Reason string

const (
	ReasonNotConfirmed Reason = "not_confirmed" // invited, not yet confirmed in the app
	ReasonNotStarted   Reason = "not_started"   // confirmed, validity not begun
	ReasonExpired      Reason = "expired"       // validity over
	ReasonOutOfScope   Reason = "out_of_scope"  // the item is not granted to this agent
	ReasonRevoked      Reason = "revoked"       // removed, replaced, declined, or the role changed
	ReasonOtherUnit    Reason = "other_unit"    // no role in this unit
)

// Message is the Chinese reason shown for a refused request or a disabled item.
func (r Reason) Message() string {
	switch r {
	case ReasonNotConfirmed:
		return "授权尚未确认，请在掌上APP“我的-企业服务-我是经办人”中确认后使用"
	case ReasonNotStarted:
		return "授权尚未生效"
	case ReasonExpired:
		return "授权已过期，请联系单位法定代表人或管理员延期"
	case ReasonOutOfScope:
		return "该事项不在您的授权范围内"
	case ReasonRevoked:
		return "您在该单位的授权已被撤销或变更，请重新登录"
	case ReasonOtherUnit:
		return "您无权办理该单位的业务"
	}
	return ErrNotAuthorized.Msg
}

// Denial is the error of Authorize: errors.Is(err, ErrNotAuthorized) matches it, and
// Reason and Msg say why (Msg is Reason.Message()).
type Denial struct {
	Reason Reason
	Msg    string
	Item   string // the item asked for ("" when the refusal is about the role itself)
}

func (d *Denial) Error() string { return "delegation: not authorized: " + string(d.Reason) }

// Is makes errors.Is(d, ErrNotAuthorized) true.
func (d *Denial) Is(target error) bool { return target == ErrNotAuthorized }

func deny(r Reason, item string) *Denial { return &Denial{Reason: r, Msg: r.Message(), Item: item} }

// Authorize is the one place that decides whether person may act for the unit in
// role on the business item itemCode now. The legal rep may do anything; the admin
// anything within its validity; an agent only its granted items within its validity
// (SPEC U6, §9). An empty itemCode asks only whether the role is usable now (for
// pages that belong to no item). role is the role the session was created for; a
// different current role is refused as ReasonRevoked, so a session cannot outlive a
// change of role.
//
// Authorize reads and does not audit: the caller records the use of a grant with
// the business action, or the denial.
//
// Errors: a *Denial (matching ErrNotAuthorized) with the reason; otherwise database
// failures (the caller must refuse then too: fail closed).
func (s *Service) Authorize(ctx context.Context, unitID, personID int64, role unit.Role, itemCode string) error {
	return s.authorize(ctx, s.db, unitID, personID, role, itemCode)
}

// AuthorizeTx is Authorize inside tx, for a write that uses the grant (filing a
// case, saving its draft): it first locks the unit's row, as every delegation
// command does, so a revocation or a changed grant that committed before is seen,
// and none can commit until tx ends — the grant cannot go between the check and
// the write. Errors: as Authorize, and ErrUnitNotFound, ErrUnitClosed.
func (s *Service) AuthorizeTx(ctx context.Context, tx *store.Tx, unitID, personID int64, role unit.Role, itemCode string) error {
	if _, err := (&txn{Tx: tx, ctx: ctx}).lockUnit(unitID); err != nil {
		return err
	}
	return s.authorize(ctx, tx, unitID, personID, role, itemCode)
}

// rowQuerier is what Authorize reads through: the database, or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) authorize(ctx context.Context, q rowQuerier, unitID, personID int64, role unit.Role, itemCode string) error {
	m, err := scanMembership(q.QueryRow(ctx, `SELECT `+membershipColumns+` FROM memberships
		WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`, unitID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND person_id = ?`,
			unitID, personID).Scan(&n); err != nil {
			return fmt.Errorf("delegation: authorize: %w", err)
		}
		if n > 0 {
			return deny(ReasonRevoked, itemCode)
		}
		return deny(ReasonOtherUnit, itemCode)
	}
	if err != nil {
		return fmt.Errorf("delegation: authorize: %w", err)
	}
	return s.authorizeMembership(ctx, q, m, unitID, role, itemCode)
}

// AuthorizeMembership is Authorize for a membership the caller loaded in this
// request (unit.Service.Membership): it spares one query, and for an agent with an
// item it reads only the grant. Do not pass a membership kept from an earlier
// request: it may have been revoked since. Errors: as Authorize.
func (s *Service) AuthorizeMembership(ctx context.Context, m unit.Membership, unitID int64, role unit.Role, itemCode string) error {
	return s.authorizeMembership(ctx, s.db, m, unitID, role, itemCode)
}

func (s *Service) authorizeMembership(ctx context.Context, q rowQuerier, m unit.Membership, unitID int64, role unit.Role, itemCode string) error {
	if d := check(m, unitID, role, s.now()); d != nil {
		d.Item = itemCode
		return d
	}
	if itemCode == "" || m.Role != unit.RoleAgent {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM grants WHERE membership_id = ? AND item_code = ?`,
		m.ID, itemCode).Scan(&n); err != nil {
		return fmt.Errorf("delegation: authorize: %w", err)
	}
	if n == 0 {
		return deny(ReasonOutOfScope, itemCode)
	}
	return nil
}

// check applies the rules that need no grant: unit, status, role and validity.
func check(m unit.Membership, unitID int64, role unit.Role, now time.Time) *Denial {
	switch {
	case m.ID == 0 || m.UnitID != unitID:
		return deny(ReasonOtherUnit, "")
	case m.Status == unit.StatusRevoked, role != "" && m.Role != role, !m.Role.Valid():
		return deny(ReasonRevoked, "")
	case m.Status != unit.StatusActive:
		return deny(ReasonNotConfirmed, "")
	case m.ValidFrom != nil && now.Before(*m.ValidFrom):
		return deny(ReasonNotStarted, "")
	case m.ValidUntil != nil && !now.Before(*m.ValidUntil):
		return deny(ReasonExpired, "")
	}
	return nil
}

// Scope maps every active catalog item a unit may apply for to whether membership m
// may handle it now, for rendering the catalog with the other items disabled
// (their reason: ReasonOutOfScope.Message(), or Usable's for the whole role). A
// membership that is not usable now gets every item false. Errors: database
// failures only.
func (s *Service) Scope(ctx context.Context, m unit.Membership) (map[string]bool, error) {
	usable := check(m, m.UnitID, "", s.now()) == nil
	q := `SELECT code, 1 FROM catalog_items WHERE active = 1 AND applicant IN ('unit', 'both')`
	var args []any
	if m.Role == unit.RoleAgent {
		q = `SELECT c.code, CASE WHEN g.item_code IS NULL THEN 0 ELSE 1 END FROM catalog_items c
			LEFT JOIN grants g ON g.item_code = c.code AND g.membership_id = ?
			WHERE c.active = 1 AND c.applicant IN ('unit', 'both')`
		args = append(args, m.ID)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("delegation: scope: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var code string
		var granted int
		if err := rows.Scan(&code, &granted); err != nil {
			return nil, fmt.Errorf("delegation: scope: %w", err)
		}
		out[code] = usable && granted == 1
	}
	return out, rows.Err()
}

// Usable says whether membership m may act for its unit at all now: nil, or the
// *Denial whose message a page shows above a fully disabled catalog.
func (s *Service) Usable(m unit.Membership) error {
	if d := check(m, m.UnitID, "", s.now()); d != nil {
		return d
	}
	return nil
}
