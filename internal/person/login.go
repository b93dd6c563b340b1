package person

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
)

// Bounds on login input. A longer login cannot name an account; a longer
// password cannot be one the policy accepted (at most 128 runes), and hashing
// megabytes per request would be free work for an attacker.
const (
	maxLoginLen         = 64
	maxLoginPasswordLen = 4 * 128
	// maxCandidates bounds the accounts one login value can name: its mobile
	// owner plus the same number under different ID types (a passport number
	// may equal another person's Taiwan pass number).
	maxCandidates = 4
)

// Authenticate checks a personal password login (SPEC L6). login is an ID
// number of any type (a resident ID in any case, full-width or not) or a mobile
// number; both are tried, so a passport number that looks like a mobile works.
//
// An unknown account, an account without a password and a wrong password all
// give ErrBadCredentials after the same work (one argon2id verify: hasher.Dummy
// for the unknown account), so neither the answer nor its timing reveals which
// accounts exist. When the stored hash uses older parameters it is replaced
// after a successful login (best effort: on failure the old hash stays valid
// and the next login tries again).
//
// Authenticate does not audit and does not throttle: the login layer records
// every attempt (success and failure) with the client address and applies the
// per-account and per-address limits, because only it knows the request.
//
// Errors: ErrBadCredentials; ErrBusy from the hasher (answer 503); ctx's error;
// an error wrapping ErrMalformedHash for a corrupt stored hash; otherwise a
// database failure.
func (s *Service) Authenticate(ctx context.Context, login, password string) (Person, error) {
	m, err := s.ResolveLogin(ctx, login)
	if err != nil {
		return Person{}, err
	}
	return s.AuthenticateMatch(ctx, m, password)
}

// LoginMatch is a login value resolved to the accounts it may name (ResolveLogin),
// before any password is checked. The login layer counts attempts per account
// (Persons) rather than per spelling of the login, then checks the password
// against exactly these accounts (AuthenticateMatch), so the accounts counted are
// the accounts checked. The zero LoginMatch names no account.
type LoginMatch struct{ cands []candidate }

// Persons returns the accounts the login names, in ID order: none for an unknown
// login, usually one, at most a few (a passport number may equal another person's
// mobile or pass number).
func (m LoginMatch) Persons() []Person {
	out := make([]Person, len(m.cands))
	for i, c := range m.cands {
		out[i] = c.p
	}
	return out
}

// ResolveLogin looks a login value (ID number of any type, or mobile) up: one
// indexed read, the same for known and unknown logins, and no password work.
// Errors: database failures only.
func (s *Service) ResolveLogin(ctx context.Context, login string) (LoginMatch, error) {
	cands, err := s.loginCandidates(ctx, login)
	return LoginMatch{cands: cands}, err
}

// AuthenticateMatch checks password against the accounts of m, exactly as
// Authenticate does (same work and errors for an unknown login, an account without
// a password and a wrong password).
func (s *Service) AuthenticateMatch(ctx context.Context, m LoginMatch, password string) (Person, error) {
	p, _, err := s.VerifyMatch(ctx, m, password)
	return p, err
}

// VerifyMatch is AuthenticateMatch that also returns the password hash stored for
// the account when it was verified (the new one after a rehash): the login starts
// the session only while it is still the stored one (internal/auth Verified).
func (s *Service) VerifyMatch(ctx context.Context, m LoginMatch, password string) (Person, string, error) {
	cands := m.cands
	if len(cands) == 0 || password == "" || len(password) > maxLoginPasswordLen {
		if err := s.hasher.Dummy(ctx); err != nil {
			return Person{}, "", err
		}
		return Person{}, "", ErrBadCredentials
	}
	for _, c := range cands {
		if c.hash == "" {
			if err := s.hasher.Dummy(ctx); err != nil {
				return Person{}, "", err
			}
			continue
		}
		ok, rehash, err := s.hasher.Verify(ctx, c.hash, password)
		if err != nil {
			return Person{}, "", fmt.Errorf("person %d: %w", c.p.ID, err)
		}
		if ok {
			stored := c.hash
			if rehash {
				stored = s.rehash(ctx, c.p.ID, c.hash, password)
			}
			return c.p, stored, nil
		}
	}
	return Person{}, "", ErrBadCredentials
}

type candidate struct {
	p    Person
	hash string
}

// loginCandidates finds the accounts a login value may name: every normalised
// ID number it is valid as, the value as typed (records imported before
// normalisation), and the mobile number it may be.
func (s *Service) loginCandidates(ctx context.Context, login string) ([]candidate, error) {
	raw := strings.TrimSpace(login)
	if raw == "" || len(raw) > maxLoginLen {
		return nil, nil
	}
	numbers := []string{raw}
	now := s.now()
	for _, o := range ident.IDTypes() {
		if n, err := ident.ValidateID(o.Value, raw, now); err == nil && !contains(numbers, n) {
			numbers = append(numbers, n)
		}
	}
	keys := s.db.Keys()
	var indexes [][]byte
	for _, n := range numbers {
		indexes = append(indexes, keys.Indexes(sealed.KindIDNumber, n)...)
	}
	q, args := store.IndexMatch("id_number_index", indexes)
	q = "SELECT " + personColumns + " FROM persons WHERE " + q
	if m, err := ident.NormalizeMobile(raw); err == nil {
		match, more := MobileMatch(keys, "", m)
		q += " OR " + match
		args = append(args, more...)
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, maxCandidates)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("person: login look-up: %w", err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		p, hash, err := scanPerson(keys, rows)
		if err != nil {
			return nil, fmt.Errorf("person: login look-up: %w", err)
		}
		out = append(out, candidate{p, hash})
	}
	return out, rows.Err()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// rehash replaces an outdated hash after a successful verify and returns the hash
// stored now: the new one, or old when nothing was replaced. The WHERE on the
// old hash keeps a password changed meanwhile from being overwritten. Errors
// are dropped on purpose: the login succeeded and the old hash still works.
//
// When the WHERE finds another hash, either the password was changed meanwhile
// or a concurrent login of the same person (a double submit, the app and the
// browser) rehashed it first. The session's credential check compares the hash
// returned here with the stored one, so the second case would refuse a right
// password: the stored hash is read and, if the password matches it, returned.
// That costs one more hash, only in this race.
func (s *Service) rehash(ctx context.Context, id int64, old, password string) string {
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return old
	}
	res, err := s.db.Exec(ctx, "UPDATE persons SET password_hash = ? WHERE id = ? AND password_hash = ?", h, id, old)
	if err != nil {
		return old
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return h
	}
	var stored string
	if err := s.db.QueryRow(ctx, "SELECT password_hash FROM persons WHERE id = ?", id).Scan(&stored); err != nil ||
		stored == old {
		return old
	}
	if ok, _, err := s.hasher.Verify(ctx, stored, password); err != nil || !ok {
		return old
	}
	return stored
}

// AuthenticateBySMS checks a login with mobile and SMS dynamic code (手机动态码,
// SPEC L6); binding is the browser session the code was sent to.
//
// The code is checked before the account is looked up. Were it the other way
// round, anyone could submit any code and tell "no such mobile" from "wrong
// code"; checking first means the answer for an unknown mobile is visible only
// to whoever received a valid code on that phone, who learns nothing they did
// not know. (Whether the send step reveals registration is the login page's
// business: it should send the same way for every well-formed mobile.)
//
// Errors: ErrBadCredentials for a malformed mobile or code, a refused code
// (then wrapping the checker's error, so the login layer can find a
// FieldMessage or a rate-limit error with errors.As) and an unknown mobile;
// ctx's error; otherwise a database failure.
func (s *Service) AuthenticateBySMS(ctx context.Context, mobile, code, binding string) (Person, error) {
	m, err := ident.NormalizeMobile(mobile)
	if err != nil {
		return Person{}, ErrBadCredentials
	}
	c, ok := normalizeCode(code)
	if !ok {
		return Person{}, ErrBadCredentials
	}
	if err := s.codes.Check(ctx, PurposeLogin, binding, m, c); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return Person{}, ctxErr
		}
		return Person{}, fmt.Errorf("%w: %w", ErrBadCredentials, err)
	}
	match, args := MobileMatch(s.db.Keys(), "", m)
	p, err := s.one(ctx, match, args...)
	if errors.Is(err, ErrNotFound) {
		return Person{}, ErrBadCredentials
	}
	return p, err
}

// ByLogin returns the accounts a login value (ID number of any type, or mobile) may
// name, at most a few, without checking any password. The unit login uses it to find
// the acting person before deciding which password applies (the account's for a legal
// rep, the unit password for an admin or agent). Errors: database failures only.
func (s *Service) ByLogin(ctx context.Context, login string) ([]Person, error) {
	m, err := s.ResolveLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	return m.Persons(), nil
}

// CheckPassword verifies the account password of person id. Errors:
// ErrBadCredentials for a wrong password, no password or an unknown id; ErrBusy;
// ctx's error; otherwise a database failure.
func (s *Service) CheckPassword(ctx context.Context, id int64, password string) error {
	_, err := s.VerifyPassword(ctx, id, password)
	return err
}

// VerifyPassword is CheckPassword that also returns the password hash stored when
// it was verified (the new one after a rehash), as VerifyMatch does.
func (s *Service) VerifyPassword(ctx context.Context, id int64, password string) (string, error) {
	var hash string
	err := s.db.QueryRow(ctx, `SELECT password_hash FROM persons WHERE id = ?`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (hash == "" || password == "" || len(password) > maxLoginPasswordLen)) {
		if err := s.hasher.Dummy(ctx); err != nil {
			return "", err
		}
		return "", ErrBadCredentials
	}
	if err != nil {
		return "", err
	}
	ok, rehash, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return "", fmt.Errorf("person %d: %w", id, err)
	}
	if !ok {
		return "", ErrBadCredentials
	}
	if rehash {
		hash = s.rehash(ctx, id, hash, password)
	}
	return hash, nil
}
