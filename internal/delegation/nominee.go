package delegation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/verify"
)

// Nominee is the person a legal rep or admin names as admin or agent, as typed in
// the form. All four fields must match one registered real-name account (seed:
// "请确认输入的经办人信息是否已实名注册且与注册信息一致").
type Nominee struct {
	Name     string
	IDType   ident.IDType
	IDNumber string
	Mobile   string
}

// resolve finds the registered person the nominee names. The ID number is
// normalised as registration does; the name is compared as verify.Person.Same
// compares names (white space and the middle dots of transliterated names folded,
// Latin letters without case); the mobile after normalisation. Errors:
// ErrNomineeMismatch for malformed input or any mismatch (one answer, so the form
// tells no more than the seed's message); database failures.
func (s *Service) resolve(ctx context.Context, n Nominee) (person.Person, error) {
	name := strings.TrimSpace(n.Name)
	mobile, err := ident.NormalizeMobile(n.Mobile)
	if name == "" || err != nil || !n.IDType.Valid() {
		return person.Person{}, ErrNomineeMismatch
	}
	p, err := s.persons.ByIdentity(ctx, n.IDType, n.IDNumber)
	if errors.Is(err, person.ErrNotFound) {
		return person.Person{}, ErrNomineeMismatch
	}
	if err != nil {
		return person.Person{}, fmt.Errorf("delegation: find nominee: %w", err)
	}
	typed := verify.Person{IDType: n.IDType, IDNumber: p.IDNumber, Name: name}
	registered := verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}
	if !typed.Same(registered) || p.Mobile != mobile {
		return person.Person{}, ErrNomineeMismatch
	}
	return p, nil
}

// ResolveNominee is the rule a named person is found by, for other packages that
// name a registered person the same way (an institution's operator,
// internal/institution); see resolve for the comparison and the error contract.
func (s *Service) ResolveNominee(ctx context.Context, n Nominee) (person.Person, error) {
	return s.resolve(ctx, n)
}

// period checks a validity period at now: from defaults to now, until must be after
// both. Errors: ErrBadValidity.
func period(now, from, until time.Time) (time.Time, time.Time, error) {
	if from.IsZero() {
		from = now
	}
	from, until = store.Time(from), store.Time(until)
	if until.IsZero() || !until.After(from) || !until.After(now) {
		return time.Time{}, time.Time{}, ErrBadValidity
	}
	return from, until, nil
}

// withinGrantor applies "nobody grants more than they hold": a grant made by an
// admin may not end after the admin's own validity. The legal rep holds the unit
// without end (no valid_until). Errors: ErrBeyondGrantor.
func withinGrantor(grantor unit.Membership, until time.Time) error {
	if grantor.ValidUntil != nil && until.After(*grantor.ValidUntil) {
		return ErrBeyondGrantor
	}
	return nil
}
