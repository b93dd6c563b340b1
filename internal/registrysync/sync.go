package registrysync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/person"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/unit"
)

// Changes is the registry's change feed, in (updated_at, uscc) order (implemented by
// *registry.Table).
type Changes interface {
	ChangedAfter(ctx context.Context, updatedAt time.Time, uscc string, limit int) ([]registry.Entry, error)
}

var _ Changes = (*registry.Table)(nil)

// SessionEnder ends sessions inside a transaction (implemented by *auth.Sessions).
type SessionEnder interface {
	EndAllTx(ctx context.Context, tx *store.Tx, personID int64, unitID *int64) (int, error)
	EndUnitTx(ctx context.Context, tx *store.Tx, unitID int64) (int, error)
}

// Deps are what a Syncer builds on. All but Now are required.
type Deps struct {
	DB       *store.DB
	Audit    *audit.Log
	Changes  Changes
	Sessions SessionEnder
	Units    *unit.Service
	Now      func() time.Time
}

// Syncer applies registry changes to unit accounts. It keeps no state of its own.
type Syncer struct{ d Deps }

// New returns a Syncer.
func New(d Deps) (*Syncer, error) {
	if d.DB == nil || d.Audit == nil || d.Changes == nil || d.Sessions == nil || d.Units == nil {
		return nil, errors.New("registrysync: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Syncer{d: d}, nil
}

// Origin says who started a sync, for the audit records: a file import, the schedule,
// or a staff member (StaffID, Role and the Reason typed).
type Origin struct {
	Via       string // "import", "schedule", "staff"
	StaffID   int64
	Role      string
	Reason    string
	ClientIP  string
	RequestID string
}

// LegalRep says what happened to a unit's legal rep.
type LegalRep string

const (
	LegalRepSame      LegalRep = ""          // unchanged
	LegalRepReplaced  LegalRep = "replaced"  // the new legal rep has an account and holds the role now
	LegalRepVacant    LegalRep = "vacant"    // the old one lost the role; the new one has no account yet
	LegalRepInstalled LegalRep = "installed" // a unit without legal rep got the one the registry names
)

// Change is what applying one registry entry did.
type Change struct {
	USCC           string
	UnitID         int64 // 0: the unit has no account (nothing to do)
	LegalRep       LegalRep
	OldPersonID    int64
	NewPersonID    int64
	Renamed        bool
	Closed         bool
	SessionsEnded  int
	PendingRevoked int
}

// Changed reports whether anything was written.
func (c Change) Changed() bool { return c.LegalRep != LegalRepSame || c.Renamed || c.Closed }

// Apply applies entry e in a transaction of its own. See ApplyTx.
func (s *Syncer) Apply(ctx context.Context, e registry.Entry, o Origin) (Change, error) {
	var c Change
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.ApplyTx(ctx, tx, e, o)
		return err
	})
	return c, err
}

// ApplyTx applies entry e inside tx (see the package comment), locking the unit's
// row first; the audit records are appended last. An entry of a unit without an
// account, or one that says what the hall already has, changes nothing. Errors:
// database or audit failures.
func (s *Syncer) ApplyTx(ctx context.Context, tx *store.Tx, e registry.Entry, o Origin) (Change, error) {
	c := Change{USCC: e.USCC}
	var name, status string
	q := `SELECT id, name, status FROM units WHERE uscc = ?`
	if tx.Engine() == store.Postgres {
		q += " FOR UPDATE"
	}
	err := tx.QueryRow(ctx, q, e.USCC).Scan(&c.UnitID, &name, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return Change{USCC: e.USCC}, nil
	}
	if err != nil {
		return c, fmt.Errorf("registrysync: lock unit: %w", err)
	}
	if status != "active" {
		return c, nil // closed: nothing more to follow
	}
	now := store.Time(s.d.Now())
	var entries []audit.Entry
	if e.Status == registry.StatusCancelled {
		if _, err := tx.Exec(ctx, `UPDATE units SET status = 'closed', updated_at = ? WHERE id = ?`, now, c.UnitID); err != nil {
			return c, fmt.Errorf("registrysync: close unit: %w", err)
		}
		n, err := s.d.Sessions.EndUnitTx(ctx, tx, c.UnitID)
		if err != nil {
			return c, err
		}
		c.Closed, c.SessionsEnded = true, n
		entries = append(entries, o.entry(c.UnitID, "registry.unit_close", map[string]string{
			"status": string(e.Status), "sessions_ended": strconv.Itoa(n)}))
		return c, s.append(ctx, tx, entries)
	}
	if e.Name != "" && e.Name != name {
		if _, err := tx.Exec(ctx, `UPDATE units SET name = ?, updated_at = ? WHERE id = ?`, e.Name, now, c.UnitID); err != nil {
			return c, fmt.Errorf("registrysync: rename unit: %w", err)
		}
		c.Renamed = true
		entries = append(entries, o.entry(c.UnitID, "registry.unit_rename", map[string]string{"from": name, "to": e.Name}))
	}
	lr, detail, err := s.legalRep(ctx, tx, &c, e, now)
	if err != nil {
		return c, err
	}
	if lr != LegalRepSame {
		c.LegalRep = lr
		entries = append(entries, o.entry(c.UnitID, "registry.legal_rep_change", detail))
	}
	return c, s.append(ctx, tx, entries)
}

func (s *Syncer) append(ctx context.Context, tx *store.Tx, entries []audit.Entry) error {
	for _, e := range entries {
		if _, err := s.d.Audit.Append(ctx, tx, e); err != nil {
			return fmt.Errorf("registrysync: audit: %w", err)
		}
	}
	return nil
}

func (o Origin) entry(unitID int64, action string, detail map[string]string) audit.Entry {
	detail["via"] = o.Via
	if o.Reason != "" {
		detail["reason"] = o.Reason
	}
	return audit.Entry{UnitID: unitID, StaffID: o.StaffID, Role: o.Role, Action: action,
		Target: "unit:" + strconv.FormatInt(unitID, 10), Result: audit.Success, ClientIP: o.ClientIP,
		RequestID: o.RequestID, Detail: detail}
}

// holder is a membership with its person's identity.
type holder struct {
	membershipID, personID int64
	idType                 ident.IDType
	idNumber               string
}

// legalRep brings the unit's legal rep in line with the registry (unit row locked).
func (s *Syncer) legalRep(ctx context.Context, tx *store.Tx, c *Change, e registry.Entry, now time.Time) (LegalRep, map[string]string, error) {
	var cur holder
	var sealedIDNumber []byte
	err := tx.QueryRow(ctx, `SELECT m.id, m.person_id, p.id_type, p.id_number FROM memberships m
		JOIN persons p ON p.id = m.person_id
		WHERE m.unit_id = ? AND m.role = 'legal_rep' AND m.status <> 'revoked'`, c.UnitID).
		Scan(&cur.membershipID, &cur.personID, &cur.idType, &sealedIDNumber)
	has := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("registrysync: legal rep: %w", err)
	}
	if has {
		if cur.idNumber, err = person.Open(tx.Keys(), person.ColumnIDNumber, cur.personID, sealedIDNumber); err != nil {
			return "", nil, fmt.Errorf("registrysync: legal rep: %w", err)
		}
	}
	if has && cur.idType == e.LegalRepIDType && cur.idNumber == e.LegalRepIDNumber {
		return LegalRepSame, nil, nil
	}
	detail := map[string]string{"new_id_type": string(e.LegalRepIDType), "new_id_number": ident.MaskID(e.LegalRepIDNumber),
		"new_name": ident.MaskName(e.LegalRepName)}
	result := LegalRepInstalled
	if has {
		result = LegalRepVacant
		c.OldPersonID = cur.personID
		detail["old_person_id"] = strconv.FormatInt(cur.personID, 10)
		detail["old_id_number"] = ident.MaskID(cur.idNumber)
		n, err := s.revoke(ctx, tx, cur.membershipID, cur.personID, c.UnitID, now)
		if err != nil {
			return "", nil, err
		}
		c.SessionsEnded += n
		// Invitations the old legal rep issued and nobody accepted yet.
		res, err := tx.Exec(ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ?
			WHERE unit_id = ? AND status = 'pending' AND invited_by = ?`, now, c.UnitID, cur.personID)
		if err != nil {
			return "", nil, fmt.Errorf("registrysync: revoke pending invitations: %w", err)
		}
		pending, _ := res.RowsAffected()
		c.PendingRevoked = int(pending)
		detail["pending_revoked"] = strconv.FormatInt(pending, 10)
	}
	var newID int64
	match, args := person.IDNumberMatch(tx.Keys(), "", e.LegalRepIDNumber)
	err = tx.QueryRow(ctx, `SELECT id FROM persons WHERE `+match+` AND id_type = ?`,
		append(args, string(e.LegalRepIDType))...).Scan(&newID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if !has {
			return LegalRepSame, nil, nil // still vacant: nothing changed
		}
		detail["new_account"] = "none"
		detail["sessions_ended"] = strconv.Itoa(c.SessionsEnded)
		return LegalRepVacant, detail, nil
	case err != nil:
		return "", nil, fmt.Errorf("registrysync: new legal rep: %w", err)
	}
	if has {
		result = LegalRepReplaced
	}
	// A role the new legal rep held in the unit (admin, agent) gives way to this one.
	var other holder
	err = tx.QueryRow(ctx, `SELECT id FROM memberships WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`,
		c.UnitID, newID).Scan(&other.membershipID)
	switch {
	case err == nil:
		n, err := s.revoke(ctx, tx, other.membershipID, newID, c.UnitID, now)
		if err != nil {
			return "", nil, err
		}
		c.SessionsEnded += n
		detail["replaced_membership"] = strconv.FormatInt(other.membershipID, 10)
	case !errors.Is(err, sql.ErrNoRows):
		return "", nil, fmt.Errorf("registrysync: new legal rep's role: %w", err)
	}
	m, err := s.d.Units.AddMembership(ctx, tx, unit.Membership{UnitID: c.UnitID, PersonID: newID,
		Role: unit.RoleLegalRep, Status: unit.StatusActive})
	if err != nil {
		return "", nil, fmt.Errorf("registrysync: new legal rep: %w", err)
	}
	c.NewPersonID = newID
	detail["new_person_id"] = strconv.FormatInt(newID, 10)
	detail["membership"] = strconv.FormatInt(m.ID, 10)
	detail["sessions_ended"] = strconv.Itoa(c.SessionsEnded)
	return result, detail, nil
}

// revoke ends a membership and the person's sessions in the unit.
func (s *Syncer) revoke(ctx context.Context, tx *store.Tx, membershipID, personID, unitID int64, now time.Time) (int, error) {
	if _, err := tx.Exec(ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE id = ? AND status <> 'revoked'`,
		now, membershipID); err != nil {
		return 0, fmt.Errorf("registrysync: revoke membership: %w", err)
	}
	return s.d.Sessions.EndAllTx(ctx, tx, personID, &unitID)
}
