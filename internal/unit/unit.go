// Package unit holds units (单位) and the people who act for them: the legal
// representative, the one administrator and up to ten agents (SPEC §1, U6, §9).
//
// The §9 invariants are enforced by the database (see migration 0007_units): this
// package maps the resulting constraint errors to its sentinel errors, so callers never
// need to know which index refused a write.
//
// Error contract: lookups return ErrNotFound when nothing matches. Create returns
// ErrUSCCTaken when the unit already has an account. AddMembership returns ErrRoleTaken
// (the unit already has a legal rep or admin), ErrPersonHasRole (the person already
// holds a role in the unit) or ErrAgentLimit (ten agents already). Other errors are
// failures of the database.
package unit

import (
	"errors"
	"time"
)

var (
	ErrNotFound      = errors.New("unit: not found")
	ErrUSCCTaken     = errors.New("unit: the unit already has an account")
	ErrRoleTaken     = errors.New("unit: the unit already has a person in this role")
	ErrPersonHasRole = errors.New("unit: the person already holds a role in this unit")
	ErrAgentLimit    = errors.New("unit: the unit already has 10 agents")
)

// Role is what a person is to a unit.
type Role string

const (
	RoleLegalRep Role = "legal_rep"
	RoleAdmin    Role = "admin"
	RoleAgent    Role = "agent"
)

// Label is the role's name in the UI.
func (r Role) Label() string {
	switch r {
	case RoleLegalRep:
		return "法定代表人"
	case RoleAdmin:
		return "管理员"
	case RoleAgent:
		return "经办人"
	}
	return "未知角色"
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r == RoleLegalRep || r == RoleAdmin || r == RoleAgent }

// Status of a membership.
type Status string

const (
	StatusPending Status = "pending" // invited, not yet confirmed in the companion app
	StatusActive  Status = "active"
	StatusRevoked Status = "revoked"
)

// Unit is an employer with an account in the hall.
type Unit struct {
	ID           int64
	USCC         string
	UnitNumber   string
	Name         string
	UnitType     string
	Region       string
	Address      string
	ContactName  string
	ContactPhone string
	Status       string
	CreatedAt    time.Time
}

// Membership is one person's role in one unit.
type Membership struct {
	ID           int64
	UnitID       int64
	PersonID     int64
	Role         Role
	Status       Status
	ValidFrom    *time.Time
	ValidUntil   *time.Time
	PasswordHash string
	CreatedAt    time.Time
	ConfirmedAt  *time.Time
}

// Usable reports whether the membership may be used at now: confirmed, not revoked and
// inside its validity period (SPEC §9).
func (m Membership) Usable(now time.Time) bool {
	if m.Status != StatusActive {
		return false
	}
	if m.ValidFrom != nil && now.Before(*m.ValidFrom) {
		return false
	}
	if m.ValidUntil != nil && !now.Before(*m.ValidUntil) {
		return false
	}
	return true
}

// Acting is a unit a person may act for, with the person's membership in it.
type Acting struct {
	Unit       Unit
	Membership Membership
}
