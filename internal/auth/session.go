package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	// ErrNoSession means the token does not name a live session.
	ErrNoSession = errors.New("auth: no session")
	// ErrInvalidSubject is wrapped by errors for a Subject that cannot sign in.
	ErrInvalidSubject = errors.New("auth: invalid session subject")
)

// Role is a person's role in a unit.
type Role string

const (
	RoleLegalRep Role = "legal_rep" // 法定代表人
	RoleAdmin    Role = "admin"     // 管理员
	RoleAgent    Role = "agent"     // 经办人
	// RoleInstitution is the operator of an institution account (机构, SPEC U7)
	// the unit opened: a session in this role acts for the institution
	// (Subject.InstitutionID) and is no member of the unit — it holds none of
	// the unit's roles and may use only the institution's own pages.
	RoleInstitution Role = "institution"
)

var roleLabels = map[Role]string{RoleLegalRep: "法定代表人", RoleAdmin: "管理员", RoleAgent: "经办人"}

// Label returns the Chinese name of the role shown in the header, or "".
func (r Role) Label() string {
	if r == RoleInstitution {
		return "机构经办人"
	}
	return roleLabels[r]
}

// Valid reports whether r is one of the unit's own roles (legal rep, admin,
// agent); RoleInstitution is not one.
func (r Role) Valid() bool { return roleLabels[r] != "" }

// Kind says whether a session acts as a person (personal center) or for a unit.
type Kind string

const (
	KindPerson Kind = "person"
	KindUnit   Kind = "unit"
)

// Subject is who a session acts as: a person alone (UnitID 0, Role ""), a
// person acting for a unit in a role, or the operator of one of the unit's
// institutions (Role RoleInstitution, InstitutionID set).
type Subject struct {
	PersonID      int64
	UnitID        int64
	Role          Role
	InstitutionID int64
}

// Institution reports whether the subject acts for an institution account.
func (s Subject) Institution() bool { return s.Role == RoleInstitution }

// Kind is KindUnit when the subject names a unit.
func (s Subject) Kind() Kind {
	if s.UnitID != 0 {
		return KindUnit
	}
	return KindPerson
}

func (s Subject) validate() error {
	switch {
	case s.PersonID <= 0:
		return fmt.Errorf("%w: no person", ErrInvalidSubject)
	case s.UnitID < 0:
		return fmt.Errorf("%w: bad unit id", ErrInvalidSubject)
	case s.UnitID == 0 && s.Role != "":
		return fmt.Errorf("%w: role without unit", ErrInvalidSubject)
	case s.Role == RoleInstitution && s.InstitutionID <= 0:
		return fmt.Errorf("%w: institution session without its institution", ErrInvalidSubject)
	case s.Role != RoleInstitution && s.InstitutionID != 0:
		return fmt.Errorf("%w: institution without the institution role", ErrInvalidSubject)
	case s.Role == RoleInstitution:
		return nil
	case s.UnitID != 0 && !s.Role.Valid():
		return fmt.Errorf("%w: unit session needs a role (legal_rep, admin or agent)", ErrInvalidSubject)
	}
	return nil
}

// Meta describes the client a session was created for, and how its person proved
// who they are for it (ProofNone: no new proof; a RotateSwitch then carries over the
// old session's). Verified is the password a login has just checked: the session is
// created only while it is still the stored one (ErrCredentialChanged otherwise).
type Meta struct {
	ClientAddr string
	UserAgent  string
	Proof      Proof
	Verified   Verified
}

// Stored lengths of Meta's fields, in bytes (cut at a rune boundary). A user
// agent is outside input of any size; the first part is enough to tell devices
// apart in a "signed-in devices" list.
const (
	maxClientAddr = 64
	maxUserAgent  = 256
)

func (m Meta) clean() Meta {
	return Meta{ClientAddr: cleanText(m.ClientAddr, maxClientAddr), UserAgent: cleanText(m.UserAgent, maxUserAgent), Proof: m.Proof,
		Verified: m.Verified}
}

// cleanText makes outside text storable on both engines: valid UTF-8, no NUL
// (PostgreSQL text cannot hold it), at most max bytes.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// Session is a live session as Lookup sees it. ID is the hex SHA-256 of the
// token: it names the session (for a "signed-in devices" list or a log line)
// but cannot be used to sign in.
type Session struct {
	ID         string
	Subject    Subject
	CreatedAt  time.Time
	LastSeenAt time.Time
	// IdleExpiresAt is when the session ends without further activity (never
	// after AbsoluteExpiresAt); AbsoluteExpiresAt when it ends regardless. Both
	// are for the UI's "会话将于…过期" hint.
	IdleExpiresAt     time.Time
	AbsoluteExpiresAt time.Time
	ClientAddr        string
	UserAgent         string
	// Proof is how the person last proved who they are in this session (carried
	// over by a switch of unit), ProvedAt when (zero with ProofNone).
	Proof    Proof
	ProvedAt time.Time
}

// SessionConfig holds the session lifetimes (QUALITY.md defaults when zero).
type SessionConfig struct {
	Idle     time.Duration // default 30 minutes
	Absolute time.Duration // default 12 hours
}

// Default lifetimes.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultAbsolute = 12 * time.Hour
)

// touchEvery is how stale last_seen_at may get before Lookup writes it.
const touchEvery = time.Minute

func (c SessionConfig) withDefaults() SessionConfig {
	if c.Idle == 0 {
		c.Idle = DefaultIdle
	}
	if c.Absolute == 0 {
		c.Absolute = DefaultAbsolute
	}
	return c
}

// Validate reports lifetimes that make no sense. An idle timeout must exceed
// the granularity of last_seen_at, or every session would expire between
// writes.
func (c SessionConfig) Validate() error {
	c = c.withDefaults()
	if c.Idle <= touchEvery {
		return fmt.Errorf("auth: idle timeout %s must be longer than %s", c.Idle, touchEvery)
	}
	if c.Absolute < c.Idle {
		return fmt.Errorf("auth: absolute timeout %s shorter than idle timeout %s", c.Absolute, c.Idle)
	}
	return nil
}
