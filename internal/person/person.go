package person

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
)

// Level is a person's assurance level (认证等级). Registration gives
// LevelRealName; stronger levels (face verification, counter check) come later.
type Level string

// LevelRealName is 实名用户: identity data entered and a mobile proved by SMS.
const LevelRealName Level = "real_name"

var levelLabels = map[Level]string{
	LevelRealName: "实名用户",
}

// Label returns the Chinese name of the level, or the code itself for a level
// this build does not know (a newer server may have written it).
func (l Level) Label() string {
	if s, ok := levelLabels[l]; ok {
		return s
	}
	return string(l)
}

// Person is a personal real-name account. IDNumber and Mobile are stored
// normalised (see ident); show them only through MaskedID and MaskedMobile.
type Person struct {
	ID                 int64
	IDType             ident.IDType
	IDNumber           string
	Name               string
	Mobile             string
	Level              Level
	MustChangePassword bool
	PasswordChangedAt  time.Time // zero when no password was ever set
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// MaskedID is the ID number as pages and logs show it (SPEC §2).
func (p Person) MaskedID() string { return ident.MaskID(p.IDNumber) }

// MaskedMobile is the mobile as pages and logs show it (SPEC §2).
func (p Person) MaskedMobile() string { return ident.MaskMobile(p.Mobile) }

// LevelLabel is the assurance level shown in the personal center.
func (p Person) LevelLabel() string { return p.Level.Label() }

// personColumns is the column list that scanPerson reads, followed by the
// password hash (which is never part of Person).
const personColumns = `id, id_type, id_number, name, mobile, level, must_change_password,
	password_changed_at, created_at, updated_at, password_hash`

type rowScanner interface{ Scan(dest ...any) error }

// scanPerson reads one row of personColumns and opens its sealed identity with keys.
// Errors: the scan's; ErrNoKeys; sealed's (wrapped) for a value sealed under another
// data key or changed in the database.
func scanPerson(keys *sealed.Keys, r rowScanner) (Person, string, error) {
	var (
		p                      Person
		changed                sql.NullTime
		hash                   string
		idNumber, name, mobile []byte
	)
	err := r.Scan(&p.ID, &p.IDType, &idNumber, &name, &mobile, &p.Level,
		&p.MustChangePassword, &changed, &p.CreatedAt, &p.UpdatedAt, &hash)
	if err != nil {
		return Person{}, "", err
	}
	if p.IDNumber, err = Open(keys, ColumnIDNumber, p.ID, idNumber); err != nil {
		return Person{}, "", err
	}
	if p.Name, err = Open(keys, ColumnName, p.ID, name); err != nil {
		return Person{}, "", err
	}
	if p.Mobile, err = Open(keys, ColumnMobile, p.ID, mobile); err != nil {
		return Person{}, "", err
	}
	if changed.Valid {
		p.PasswordChangedAt = changed.Time.UTC()
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, hash, nil
}

// one runs a single-row person query.
func (s *Service) one(ctx context.Context, where string, args ...any) (Person, error) {
	p, _, err := scanPerson(s.db.Keys(), s.db.QueryRow(ctx, "SELECT "+personColumns+" FROM persons WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, ErrNotFound
	}
	return p, err
}

// Get returns the person with the given id. Errors: ErrNotFound, or a database
// failure.
func (s *Service) Get(ctx context.Context, id int64) (Person, error) {
	return s.one(ctx, "id = ?", id)
}

// ByIdentity returns the person registered with the ID type and number. The
// number is normalised as ident.ValidateID does (so "…x" finds "…X"); an
// invalid type or number finds nothing. Errors: ErrNotFound, or a database
// failure.
func (s *Service) ByIdentity(ctx context.Context, idType ident.IDType, idNumber string) (Person, error) {
	n, err := ident.ValidateID(idType, idNumber, s.now())
	if err != nil {
		return Person{}, ErrNotFound
	}
	match, args := IDNumberMatch(s.db.Keys(), "", n)
	return s.one(ctx, match+" AND id_type = ?", append(args, string(idType))...)
}

// ByMobile returns the person whose mobile this is (normalised as
// ident.NormalizeMobile does). Errors: ErrNotFound (also for a value that is
// not a mobile number), or a database failure.
func (s *Service) ByMobile(ctx context.Context, mobile string) (Person, error) {
	m, err := ident.NormalizeMobile(mobile)
	if err != nil {
		return Person{}, ErrNotFound
	}
	match, args := MobileMatch(s.db.Keys(), "", m)
	return s.one(ctx, match, args...)
}
