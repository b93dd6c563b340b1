package delegation

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hall/internal/person"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/unit"
)

// Invitation is what a command that names an admin or agent returns: the pending
// membership and the invitation the person confirms in the companion app.
type Invitation struct {
	ID           string // opaque, 32 hex digits
	MembershipID int64
	PersonID     int64
	ExpiresAt    time.Time
	// Notified reports whether the SMS was handed to the gateway at once. When false
	// the Runner keeps trying; the invitation is valid either way.
	Notified bool
	// notices are the queued text messages of an invitation made in a caller's
	// transaction (AdminAtCounterTx), for Deliver.
	notices []int64
}

// PendingInvitation is one row of the app's 我是经办人 screen.
type PendingInvitation struct {
	ID         string
	UnitID     int64
	UnitName   string    // 企业名称
	Role       unit.Role // admin or agent
	Inviter    string    // 邀请人: role and masked name, e.g. "法定代表人 *明"
	InvitedAt  time.Time // 授权时间
	ExpiresAt  time.Time
	ValidFrom  time.Time
	ValidUntil time.Time
	Items      []string // granted item codes (agents)
}

// newInvitationID returns 128 random bits as 32 hex digits.
func newInvitationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// ValidInvitationID reports whether s has the form of an invitation ID, so that a
// handler can refuse garbage before touching the database.
func ValidInvitationID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// invite records the invitation of a pending membership and queues its SMS.
func (s *Service) invite(t *txn, u unitRow, m unit.Membership, inviter unit.Membership) (Invitation, error) {
	inv := Invitation{ID: newInvitationID(), MembershipID: m.ID, PersonID: m.PersonID,
		ExpiresAt: t.now.Add(s.cfg.InvitationTTL)}
	if _, err := t.Exec(t.ctx, `INSERT INTO invitations (id, membership_id, invited_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, inv.ID, m.ID, inviter.PersonID, t.now, inv.ExpiresAt); err != nil {
		return Invitation{}, fmt.Errorf("delegation: insert invitation: %w", err)
	}
	name, err := t.personName(inviter.PersonID)
	if err != nil {
		return Invitation{}, err
	}
	text := inviteText(s.cfg.Sign, inviter.Role.Label()+ident.MaskName(name), u.Name, m.Role, inv.ExpiresAt)
	if err := t.queueNotice(m.PersonID, purposeInvite, text); err != nil {
		return Invitation{}, err
	}
	return inv, nil
}

func (t *txn) personName(id int64) (string, error) {
	var sealedName []byte
	if err := t.QueryRow(t.ctx, `SELECT name FROM persons WHERE id = ?`, id).Scan(&sealedName); err != nil {
		return "", fmt.Errorf("delegation: person %d: %w", id, err)
	}
	name, err := person.OpenName(t.Keys(), id, sealedName)
	if err != nil {
		return "", fmt.Errorf("delegation: person %d: %w", id, err)
	}
	return name, nil
}

// PendingInvitations lists the person's open invitations, oldest first: not
// answered, not expired, and for a membership still pending. Errors: database
// failures only.
func (s *Service) PendingInvitations(ctx context.Context, personID int64) ([]PendingInvitation, error) {
	now := store.Time(s.now())
	rows, err := s.db.Query(ctx, `SELECT i.id, u.id, u.name, m.role, i.created_at, i.expires_at, m.valid_from, m.valid_until,
			ip.id, ip.name, COALESCE(im.role, '')
		FROM memberships m
		JOIN invitations i ON i.membership_id = m.id
		JOIN units u ON u.id = m.unit_id
		JOIN persons ip ON ip.id = i.invited_by
		LEFT JOIN memberships im ON im.unit_id = m.unit_id AND im.person_id = i.invited_by AND im.status <> 'revoked'
		WHERE m.person_id = ? AND m.status = 'pending'
		  AND i.confirmed_at IS NULL AND i.declined_at IS NULL AND i.expires_at > ?
		ORDER BY i.created_at, i.id`, personID, now)
	if err != nil {
		return nil, fmt.Errorf("delegation: pending invitations: %w", err)
	}
	defer rows.Close()
	var out []PendingInvitation
	for rows.Next() {
		var p PendingInvitation
		var role, inviterRole string
		var inviterID int64
		var sealedInviter []byte
		var from, until sql.NullTime
		if err := rows.Scan(&p.ID, &p.UnitID, &p.UnitName, &role, &p.InvitedAt, &p.ExpiresAt, &from, &until,
			&inviterID, &sealedInviter, &inviterRole); err != nil {
			return nil, fmt.Errorf("delegation: pending invitations: %w", err)
		}
		inviterName, err := person.OpenName(s.db.Keys(), inviterID, sealedInviter)
		if err != nil {
			return nil, fmt.Errorf("delegation: pending invitations: %w", err)
		}
		p.Role = unit.Role(role)
		p.InvitedAt, p.ExpiresAt = p.InvitedAt.UTC(), p.ExpiresAt.UTC()
		if from.Valid {
			p.ValidFrom = from.Time.UTC()
		}
		if until.Valid {
			p.ValidUntil = until.Time.UTC()
		}
		p.Inviter = ident.MaskName(inviterName)
		if r := unit.Role(inviterRole); r.Valid() {
			p.Inviter = r.Label() + " " + p.Inviter
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
	for i := range out {
		if out[i].Role == unit.RoleAgent {
			if out[i].Items, err = s.itemsOfInvitation(ctx, out[i].ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *Service) itemsOfInvitation(ctx context.Context, id string) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT g.item_code FROM invitations i JOIN grants g ON g.membership_id = i.membership_id
		WHERE i.id = ? ORDER BY g.item_code`, id)
	if err != nil {
		return nil, fmt.Errorf("delegation: invitation items: %w", err)
	}
	return collectStrings(rows)
}

func collectStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// openInvitation is an invitation with its membership, read for an answer.
type openInvitation struct {
	ID         string
	ExpiresAt  time.Time
	Answered   bool
	Membership unit.Membership
}

// loadInvitation reads invitation id for the invited person inside t (membership row
// locked on PostgreSQL; the unit was locked before). Errors: ErrInvitationNotFound
// (unknown, someone else's, answered, or the membership is no longer pending),
// ErrInvitationExpired, database failures.
func (t *txn) loadInvitation(id string, personID int64) (openInvitation, error) {
	var inv openInvitation
	var confirmed, declined sql.NullTime
	m, err := scanMembership(t.QueryRow(t.ctx, `SELECT `+prefixed("m.", membershipColumns)+`, i.expires_at, i.confirmed_at, i.declined_at
		FROM invitations i JOIN memberships m ON m.id = i.membership_id WHERE i.id = ?`+t.Tx.ForUpdate(), id),
		&inv.ExpiresAt, &confirmed, &declined)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, ErrInvitationNotFound
	}
	if err != nil {
		return inv, fmt.Errorf("delegation: load invitation: %w", err)
	}
	inv.ID, inv.Membership, inv.Answered = id, m, confirmed.Valid || declined.Valid
	switch {
	case m.PersonID != personID || inv.Answered:
		return inv, ErrInvitationNotFound
	case !t.now.Before(inv.ExpiresAt):
		return inv, ErrInvitationExpired
	case m.Status != unit.StatusPending:
		return inv, ErrInvitationNotFound
	}
	return inv, nil
}

// invitationUnit finds the unit of an invitation without locking, so that a
// command can lock the unit before it reads the invitation for real.
func (s *Service) invitationUnit(ctx context.Context, id string) (int64, error) {
	if !ValidInvitationID(id) {
		return 0, ErrInvitationNotFound
	}
	var unitID int64
	err := s.db.QueryRow(ctx, `SELECT m.unit_id FROM invitations i JOIN memberships m ON m.id = i.membership_id
		WHERE i.id = ?`, id).Scan(&unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrInvitationNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("delegation: invitation: %w", err)
	}
	return unitID, nil
}

// Decline refuses invitation invitationID for the person logged in to the app
// (actor): the invitation is answered and the pending membership revoked, with
// the audit record "delegation.decline".
//
// Errors: ErrInvitationNotFound (unknown, another person's, already answered, or
// revoked meanwhile); ErrInvitationExpired; ErrUnitNotFound, ErrUnitClosed;
// otherwise database or audit failures.
func (s *Service) Decline(ctx context.Context, actor Actor, invitationID string) error {
	unitID, err := s.invitationUnit(ctx, invitationID)
	if err != nil {
		return err
	}
	_, err = s.run(ctx, func(t *txn) error {
		if _, err := t.lockUnit(unitID); err != nil {
			return err
		}
		inv, err := t.loadInvitation(invitationID, actor.PersonID)
		if err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `UPDATE invitations SET declined_at = ? WHERE id = ?`, t.now, inv.ID); err != nil {
			return fmt.Errorf("delegation: decline: %w", err)
		}
		if err := s.revoke(t, inv.Membership); err != nil {
			return err
		}
		t.record(actor, string(inv.Membership.Role), unitID, "delegation.decline", target(inv.Membership.ID),
			map[string]string{"role": string(inv.Membership.Role)})
		return nil
	})
	return err
}
