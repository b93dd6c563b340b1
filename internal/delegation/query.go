package delegation

import (
	"context"
	"database/sql"
	"fmt"
	"hall/internal/person"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/unit"
)

// State is where a member's grant stands, as the 经办人管理 page shows it.
type State string

const (
	StatePending           State = "pending"            // 待确认
	StateInvitationExpired State = "invitation_expired" // 邀请已过期
	StateNotStarted        State = "not_started"        // 未生效
	StateActive            State = "active"             // 有效
	StateExpired           State = "expired"            // 已过期
)

// Label is the Chinese name of the state.
func (s State) Label() string {
	switch s {
	case StatePending:
		return "待确认"
	case StateInvitationExpired:
		return "邀请已过期"
	case StateNotStarted:
		return "未生效"
	case StateActive:
		return "有效"
	case StateExpired:
		return "已过期"
	}
	return "未知"
}

// Member is one current (non-revoked) member of a unit for the 经办人管理 page.
// The ID number and mobile come masked; the name is shown in full to the unit's
// legal rep and admin, who typed it.
type Member struct {
	MembershipID int64
	PersonID     int64
	Name         string
	MaskedID     string
	MaskedMobile string
	Role         unit.Role
	State        State
	ValidFrom    *time.Time
	ValidUntil   *time.Time
	Items        []string // agents only, sorted
	InvitedAt    *time.Time
	ConfirmedAt  *time.Time
}

// Members lists the unit's legal rep, admin and agents (non-revoked), in that order
// and then by when they were added. Errors: database failures only.
func (s *Service) Members(ctx context.Context, unitID int64) ([]Member, error) {
	return s.members(ctx, unitID, true)
}

// Team is Members without the agents' items, in one query: what the unit home needs
// to name the invitations waiting for confirmation and the grants ending soon.
func (s *Service) Team(ctx context.Context, unitID int64) ([]Member, error) {
	return s.members(ctx, unitID, false)
}

func (s *Service) members(ctx context.Context, unitID int64, items bool) ([]Member, error) {
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT `+prefixed("m.", membershipColumns)+`, p.name, p.id_number, p.mobile,
			i.created_at, i.expires_at, i.confirmed_at
		FROM memberships m JOIN persons p ON p.id = m.person_id
		LEFT JOIN invitations i ON i.membership_id = m.id
		WHERE m.unit_id = ? AND m.status <> 'revoked'
		ORDER BY CASE m.role WHEN 'legal_rep' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.created_at, m.id`, unitID)
	if err != nil {
		return nil, fmt.Errorf("delegation: members: %w", err)
	}
	var out []Member
	for rows.Next() {
		var sealed person.SealedIdentity
		var invited, expires, answered sql.NullTime
		m, err := scanMembership(rows, &sealed.Name, &sealed.IDNumber, &sealed.Mobile, &invited, &expires, &answered)
		if err != nil {
			_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
			return nil, fmt.Errorf("delegation: members: %w", err)
		}
		opened, err := sealed.Open(s.db.Keys(), m.PersonID)
		if err != nil {
			_ = rows.Close() // the opening's error is the one returned
			return nil, fmt.Errorf("delegation: members: %w", err)
		}
		mem := Member{MembershipID: m.ID, PersonID: m.PersonID, Name: opened.Name, MaskedID: ident.MaskID(opened.IDNumber),
			MaskedMobile: ident.MaskMobile(opened.Mobile), Role: m.Role, ValidFrom: m.ValidFrom, ValidUntil: m.ValidUntil,
			InvitedAt: ptrTime(invited), ConfirmedAt: m.ConfirmedAt}
		mem.State = stateOf(m, ptrTime(expires), now)
		out = append(out, mem)
	}
	_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if items {
		if err := s.attachGrants(ctx, unitID, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// attachGrants fills in the agents' items, in one query for the whole unit rather
// than one per agent.
func (s *Service) attachGrants(ctx context.Context, unitID int64, members []Member) error {
	rows, err := s.db.Query(ctx, `SELECT g.membership_id, g.item_code FROM grants g
		JOIN memberships m ON m.id = g.membership_id
		WHERE m.unit_id = ? AND m.status <> 'revoked' AND m.role = ?
		ORDER BY g.membership_id, g.item_code`, unitID, string(unit.RoleAgent))
	if err != nil {
		return fmt.Errorf("delegation: grants: %w", err)
	}
	defer rows.Close()
	byMembership := map[int64][]string{}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return fmt.Errorf("delegation: grants: %w", err)
		}
		byMembership[id] = append(byMembership[id], code)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("delegation: grants: %w", err)
	}
	for i := range members {
		if members[i].Role == unit.RoleAgent {
			members[i].Items = byMembership[members[i].MembershipID]
		}
	}
	return nil
}

func stateOf(m unit.Membership, invitationExpires *time.Time, now time.Time) State {
	switch {
	case m.Status == unit.StatusPending && invitationExpires != nil && !now.Before(*invitationExpires):
		return StateInvitationExpired
	case m.Status == unit.StatusPending:
		return StatePending
	case m.ValidFrom != nil && now.Before(*m.ValidFrom):
		return StateNotStarted
	case m.ValidUntil != nil && !now.Before(*m.ValidUntil):
		return StateExpired
	}
	return StateActive
}

// Grants returns the item codes granted to a membership, sorted. Errors: database
// failures only.
func (s *Service) Grants(ctx context.Context, membershipID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT item_code FROM grants WHERE membership_id = ? ORDER BY item_code`, membershipID)
	if err != nil {
		return nil, fmt.Errorf("delegation: grants: %w", err)
	}
	return collectStrings(rows)
}

// History returns one page of the unit's delegation history, newest first, and the
// number of entries: the audit log's records "delegation.*" of the unit (there is no
// second history table, so the history is as tamper-evident as the log). Errors:
// database failures only.
func (s *Service) History(ctx context.Context, unitID int64, page, perPage int) ([]audit.Entry, int, error) {
	return s.audit.List(ctx, audit.Filter{UnitID: unitID, Action: "delegation.", Page: page, PerPage: perPage})
}

// ActionLabel names a history action in Chinese.
func ActionLabel(action string) string {
	switch action {
	case "delegation.set_admin":
		return "设置管理员"
	case "delegation.replace_admin":
		return "更换管理员"
	case "delegation.remove_admin":
		return "删除管理员"
	case "delegation.add_agent":
		return "添加经办人"
	case "delegation.change_agent":
		return "修改经办人授权"
	case "delegation.remove_agent":
		return "删除经办人"
	case "delegation.confirm":
		return "确认授权"
	case "delegation.decline":
		return "拒绝授权"
	case "delegation.expire":
		return "邀请过期"
	case "delegation.remind":
		return "到期提醒"
	}
	return action
}
