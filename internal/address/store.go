package address

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/unit"
)

// Errors of the Store. Refused input is a *FormError.
var (
	// ErrNotFound: no such address of that unit (another unit's address is not
	// found either).
	ErrNotFound = errors.New("address: not found")
	// ErrLimit: the unit has MaxPerUnit addresses already.
	ErrLimit = errors.New("address: the unit has the most addresses it may keep")
)

// Address is one of a unit's delivery addresses.
type Address struct {
	ID        int64
	UnitID    int64
	Recipient string
	Phone     string // unit.NormalizePhone's form; mask it for display (MaskedPhone)
	Region    string // county code
	Detail    string
	Default   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RegionName is the province, city and county ("江苏省南京市玄武区").
func (a Address) RegionName() string {
	if name, ok := RegionName(a.Region); ok {
		return name
	}
	return "行政区划代码 " + a.Region
}

// Full is the address as a label carries it: region then detail.
func (a Address) Full() string { return a.RegionName() + a.Detail }

// MaskedPhone is the telephone for pages and logs.
func (a Address) MaskedPhone() string { return unit.MaskPhone(a.Phone) }

// Actor is who changes a unit's addresses, for the audit record.
type Actor struct {
	UnitID    int64
	PersonID  int64
	Role      unit.Role
	ClientIP  string
	RequestID string
}

// Store reads and changes the units' addresses.
type Store struct {
	db  *store.DB
	log *audit.Log
	now func() time.Time
}

// New returns the Store; now may be nil (time.Now).
func New(db *store.DB, log *audit.Log, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, log: log, now: now}
}

const columns = `a.id, a.unit_id, a.recipient, a.phone, a.region_code, a.detail,
	COALESCE(d.address_id = a.id, FALSE), a.created_at, a.updated_at`

const from = ` FROM unit_addresses a LEFT JOIN unit_address_defaults d ON d.unit_id = a.unit_id`

type scanner interface{ Scan(...any) error }

func scan(row scanner) (Address, error) {
	var a Address
	err := row.Scan(&a.ID, &a.UnitID, &a.Recipient, &a.Phone, &a.Region, &a.Detail, &a.Default, &a.CreatedAt, &a.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// List is the unit's addresses, the default first, then in the order they were
// added.
func (s *Store) List(ctx context.Context, unitID int64) ([]Address, error) {
	return list(ctx, s.db, unitID)
}

func list(ctx context.Context, q querier, unitID int64) ([]Address, error) {
	rows, err := q.Query(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ?
		ORDER BY CASE WHEN d.address_id = a.id THEN 0 ELSE 1 END, a.id`, unitID)
	if err != nil {
		return nil, fmt.Errorf("address: list: %w", err)
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("address: list: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Default is the unit's default address, or ErrNotFound when it has none.
func (s *Store) Default(ctx context.Context, unitID int64) (Address, error) {
	return scan(s.db.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ? AND d.address_id = a.id`, unitID))
}

// Get is one address of the unit, or ErrNotFound.
func (s *Store) Get(ctx context.Context, unitID, id int64) (Address, error) {
	return scan(s.db.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ? AND a.id = ?`, unitID, id))
}

// Add checks in and adds it to the actor's unit; the unit's first address becomes
// its default (the database does that). Errors: *FormError, ErrLimit.
func (s *Store) Add(ctx context.Context, who Actor, in Input) (Address, error) {
	f, err := Check(in)
	if err != nil {
		return Address{}, err
	}
	var a Address
	err = s.change(ctx, who, func(tx *store.Tx, now time.Time) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO unit_addresses (unit_id, recipient, phone, region_code, detail, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, who.UnitID, f.Recipient, f.Phone, f.Region, f.Detail, now, now).Scan(&id)
		if err != nil {
			return err
		}
		if a, err = scan(tx.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.id = ?`, id)); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "unit.address.add", id, map[string]string{
			"region": f.Region, "recipient": f.Recipient, "phone": unit.MaskPhone(f.Phone), "default": strconv.FormatBool(a.Default)})
	})
	return a, err
}

// Change replaces the address id of the actor's unit with in. A change that changes
// nothing writes nothing. Errors: *FormError, ErrNotFound.
func (s *Store) Change(ctx context.Context, who Actor, id int64, in Input) (Address, error) {
	f, err := Check(in)
	if err != nil {
		return Address{}, err
	}
	var a Address
	err = s.change(ctx, who, func(tx *store.Tx, now time.Time) error {
		old, err := scan(tx.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ? AND a.id = ?`, who.UnitID, id))
		if err != nil {
			return err
		}
		detail := map[string]string{}
		note := func(field, was, is string) {
			if was != is {
				detail[field+".old"], detail[field+".new"] = was, is
			}
		}
		note("recipient", old.Recipient, f.Recipient)
		note("phone", unit.MaskPhone(old.Phone), unit.MaskPhone(f.Phone))
		note("region", old.Region, f.Region)
		note("detail", old.Detail, f.Detail)
		a = old
		if len(detail) == 0 && old.Phone == f.Phone {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE unit_addresses SET recipient = ?, phone = ?, region_code = ?, detail = ?, updated_at = ?
			WHERE id = ? AND unit_id = ?`, f.Recipient, f.Phone, f.Region, f.Detail, now, id, who.UnitID); err != nil {
			return err
		}
		a.Recipient, a.Phone, a.Region, a.Detail, a.UpdatedAt = f.Recipient, f.Phone, f.Region, f.Detail, now
		return s.record(ctx, tx, who, "unit.address.change", id, detail)
	})
	return a, err
}

// SetDefault makes the address id the default of the actor's unit. Making the
// default the default again writes nothing. Errors: ErrNotFound.
func (s *Store) SetDefault(ctx context.Context, who Actor, id int64) error {
	return s.change(ctx, who, func(tx *store.Tx, _ time.Time) error {
		a, err := scan(tx.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ? AND a.id = ?`, who.UnitID, id))
		if err != nil || a.Default {
			return err
		}
		var was int64
		if err := tx.QueryRow(ctx, `SELECT address_id FROM unit_address_defaults WHERE unit_id = ?`, who.UnitID).Scan(&was); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE unit_address_defaults SET address_id = ? WHERE unit_id = ?`, id, who.UnitID); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "unit.address.default", id, map[string]string{"was": strconv.FormatInt(was, 10)})
	})
}

// Delete removes the address id of the actor's unit. When it was the default and
// others remain, the oldest of them becomes the default first, in the same
// transaction. Errors: ErrNotFound.
func (s *Store) Delete(ctx context.Context, who Actor, id int64) error {
	return s.change(ctx, who, func(tx *store.Tx, _ time.Time) error {
		a, err := scan(tx.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ? AND a.id = ?`, who.UnitID, id))
		if err != nil {
			return err
		}
		detail := map[string]string{"region": a.Region, "recipient": a.Recipient, "phone": a.MaskedPhone()}
		if a.Default {
			var next int64
			err := tx.QueryRow(ctx, `SELECT id FROM unit_addresses WHERE unit_id = ? AND id <> ? ORDER BY id LIMIT 1`,
				who.UnitID, id).Scan(&next)
			switch {
			case err == nil:
				if _, err := tx.Exec(ctx, `UPDATE unit_address_defaults SET address_id = ? WHERE unit_id = ?`, next, who.UnitID); err != nil {
					return err
				}
				detail["default"] = strconv.FormatInt(next, 10)
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM unit_addresses WHERE id = ? AND unit_id = ?`, id, who.UnitID); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "unit.address.delete", id, detail)
	})
}

// change runs fn in a transaction that first locks the unit's row (PostgreSQL; on
// SQLite the write transaction holds the one writer), so that a unit's changes
// queue and each reads what the one before it committed. The database's refusals
// become the package's errors.
func (s *Store) change(ctx context.Context, who Actor, fn func(tx *store.Tx, now time.Time) error) error {
	now := store.Time(s.now())
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		lock := `SELECT id FROM units WHERE id = ?`
		if tx.Engine() == store.Postgres {
			lock += " FOR UPDATE"
		}
		var id int64
		if err := tx.QueryRow(ctx, lock, who.UnitID).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		return fn(tx, now)
	})
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return err
	case strings.Contains(err.Error(), "address_limit"):
		return ErrLimit
	}
	return fmt.Errorf("address: %w", err)
}

// record appends the change's audit entry in its transaction.
func (s *Store) record(ctx context.Context, tx *store.Tx, who Actor, action string, id int64, detail map[string]string) error {
	_, err := s.log.Append(ctx, tx, audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID, Role: string(who.Role),
		Action: action, Target: "address:" + strconv.FormatInt(id, 10), Result: audit.Success,
		ClientIP: who.ClientIP, RequestID: who.RequestID, Detail: detail})
	return err
}

// GetIn is one address of the unit read inside tx (a case filed in the same
// transaction copies it), or ErrNotFound.
func GetIn(ctx context.Context, tx *store.Tx, unitID, id int64) (Address, error) {
	return scan(tx.QueryRow(ctx, `SELECT `+columns+from+` WHERE a.unit_id = ? AND a.id = ?`, unitID, id))
}
