package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/verify"
)

// Identity is a person as their ID document shows them.
type Identity struct {
	IDType   ident.IDType `json:"id_type"`
	IDNumber string       `json:"id_number"`
	Name     string       `json:"name"`
}

// check normalises the identity: a valid number for its type and a name.
func (id Identity) check(now time.Time) (Identity, error) {
	n, err := ident.ValidateID(id.IDType, id.IDNumber, now)
	name := strings.TrimSpace(id.Name)
	if err != nil || name == "" || utf8.RuneCountInString(name) > 64 {
		return Identity{}, ErrBadInput
	}
	return Identity{IDType: id.IDType, IDNumber: n, Name: name}, nil
}

// same reports whether the registered person p is the one the document shows.
func (id Identity) same(p person.Person) bool {
	return verify.Person{IDType: id.IDType, IDNumber: id.IDNumber, Name: id.Name}.
		Same(verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name})
}

// PasswordResetInput is the 窗口重置密码 form (B3/P3): whose password, as their ID shows.
type PasswordResetInput struct {
	Person Identity `json:"person"`
}

// AdminChangeInput is the 管理员变更 form (B2). Replace is the membership ID of the
// admin the page showed (0 when the unit has none), so that the change cannot undo
// another made meanwhile.
type AdminChangeInput struct {
	Unit       string             `json:"unit"` // USCC or unit number
	Replace    int64              `json:"replace,omitempty"`
	Nominee    delegation.Nominee `json:"nominee"`
	ValidUntil time.Time          `json:"valid_until"`
}

// UnitRegistrationInput is the 窗口注册 form (B1/R3): the unit as its business licence
// shows it, its legal rep and their mobile, and optionally an administrator.
type UnitRegistrationInput struct {
	USCC            string              `json:"uscc"`
	Name            string              `json:"name"`
	UnitType        registry.UnitType   `json:"unit_type"`
	Region          string              `json:"region,omitempty"`
	Address         string              `json:"address,omitempty"`
	LegalRep        Identity            `json:"legal_rep"`
	LegalRepMobile  string              `json:"legal_rep_mobile"`
	Admin           *delegation.Nominee `json:"admin,omitempty"`
	AdminValidUntil time.Time           `json:"admin_valid_until,omitzero"`
}

// subject is what a request is about, for its columns and the open-request indexes.
type subject struct {
	unitID, personID, appealID int64
	uscc                       string
}

// SubmitPasswordReset records a password reset for the person the ID shows, with the
// scan of the ID. Audit: "counter.submit".
//
// Errors: ErrBadInput; ErrPersonNotFound; ErrNameMismatch; ErrScanMissing and the
// scans refusals; ErrOpen; ErrNoKeys; a *staff.Denial; staff reason errors; otherwise database,
// audit or file-system failures.
func (s *Service) SubmitPasswordReset(ctx context.Context, actor staff.Actor, in PasswordResetInput, reason string, uploads []scans.Upload) (Request, error) {
	if err := s.maySubmit(ctx, actor); err != nil {
		return Request{}, err
	}
	id, err := in.Person.check(s.d.Now())
	if err != nil {
		return Request{}, err
	}
	p, err := s.d.Persons.ByIdentity(ctx, id.IDType, id.IDNumber)
	if errors.Is(err, person.ErrNotFound) {
		return Request{}, ErrPersonNotFound
	}
	if err != nil {
		return Request{}, err
	}
	if !id.same(p) {
		return Request{}, ErrNameMismatch
	}
	in.Person = id
	return s.submit(ctx, actor, KindPasswordReset, subject{personID: p.ID}, in, reason, uploads)
}

// SubmitAdminChange records an administrator change for a unit. Audit:
// "counter.submit".
//
// Errors: ErrBadInput; ErrUnitNotFound; ErrScanMissing and the scans refusals;
// ErrOpen; ErrNoKeys; a *staff.Denial; staff reason errors; database, audit or file-system
// failures. Whether the nominee is a registered person is checked at approval.
func (s *Service) SubmitAdminChange(ctx context.Context, actor staff.Actor, in AdminChangeInput, reason string, uploads []scans.Upload) (Request, error) {
	if err := s.maySubmit(ctx, actor); err != nil {
		return Request{}, err
	}
	u, err := s.d.Units.ByAccount(ctx, in.Unit)
	if errors.Is(err, unit.ErrNotFound) {
		return Request{}, ErrUnitNotFound
	}
	if err != nil {
		return Request{}, err
	}
	if strings.TrimSpace(in.Nominee.Name) == "" || !in.Nominee.IDType.Valid() || in.Nominee.IDNumber == "" ||
		in.Nominee.Mobile == "" || !in.ValidUntil.After(s.d.Now()) || in.Replace < 0 {
		return Request{}, ErrBadInput
	}
	in.Unit, in.ValidUntil = u.USCC, store.Time(in.ValidUntil)
	return s.submit(ctx, actor, KindAdminChange, subject{unitID: u.ID, uscc: u.USCC}, in, reason, uploads)
}

// SubmitUnitRegistration records a counter registration of a unit. A legal rep who
// has a personal account must be named as it has them (else ErrNameMismatch, as for
// a password reset); one who has none gets one at approval. The registry and
// whether the unit has an account are checked at approval, when it takes effect.
// Audit: "counter.submit".
//
// Errors: ErrBadInput; ErrNameMismatch; ErrScanMissing and the scans refusals (as
// *ScanError); ErrOpen; ErrNoKeys; a *staff.Denial; staff reason errors; database, audit or
// file-system failures.
func (s *Service) SubmitUnitRegistration(ctx context.Context, actor staff.Actor, in UnitRegistrationInput, reason string, uploads []scans.Upload) (Request, error) {
	if err := s.maySubmit(ctx, actor); err != nil {
		return Request{}, err
	}
	uscc, err := ident.ValidateUSCC(in.USCC)
	if err != nil {
		return Request{}, ErrBadInput
	}
	in.USCC, in.Name, in.Address = uscc, strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	if in.Region == "" {
		in.Region = ident.USCCRegion(uscc)
	}
	if in.LegalRep, err = in.LegalRep.check(s.d.Now()); err != nil {
		return Request{}, err
	}
	if in.LegalRepMobile, err = ident.NormalizeMobile(in.LegalRepMobile); err != nil {
		return Request{}, ErrBadInput
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 || !in.UnitType.Valid() || len(in.Region) != 6 {
		return Request{}, ErrBadInput
	}
	if in.Admin != nil && (strings.TrimSpace(in.Admin.Name) == "" || !in.Admin.IDType.Valid() ||
		in.Admin.IDNumber == "" || in.Admin.Mobile == "" || !in.AdminValidUntil.After(s.d.Now())) {
		return Request{}, ErrBadInput
	}
	in.AdminValidUntil = store.Time(in.AdminValidUntil)
	switch rep, err := s.d.Persons.ByIdentity(ctx, in.LegalRep.IDType, in.LegalRep.IDNumber); {
	case errors.Is(err, person.ErrNotFound):
	case err != nil:
		return Request{}, err
	case !in.LegalRep.same(rep):
		return Request{}, ErrNameMismatch
	}
	return s.submit(ctx, actor, KindUnitRegister, subject{uscc: uscc}, in, reason, uploads)
}

// maySubmit checks that actor may record counter requests (the account read again)
// and records a refusal as denied. Every Submit asks it first, before it checks or
// looks up anything: a role that may not submit learns nothing from the answer —
// not whether an ID number is registered, nor under which name — and gets the
// refusal rather than the form's own complaints. submit checks again inside its
// transaction, against a change of role meanwhile.
func (s *Service) maySubmit(ctx context.Context, actor staff.Actor) error {
	_, err := s.authorize(ctx, actor, staff.ActionCounterSubmit, staff.Subject{}, "counter:new")
	return err
}

// submit stores the scans, then records the request with them in one transaction;
// scans written for a request that was not recorded are removed.
func (s *Service) submit(ctx context.Context, actor staff.Actor, kind Kind, subj subject, data any, reason string, uploads []scans.Upload) (Request, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Request{}, err
	}
	have := map[scans.Kind]bool{}
	for _, u := range uploads {
		have[u.Kind] = true
	}
	for _, k := range requiredScans[kind] {
		if !have[k] {
			return Request{}, &ScanError{Kind: k, Err: ErrScanMissing}
		}
	}
	var stored []scans.Stored
	defer func() {
		for _, st := range stored {
			s.d.Scans.Remove(st.ID)
		}
	}()
	for _, u := range uploads {
		u.Owner = scans.OwnerCounter // recorded in counter_scans below
		st, err := s.d.Scans.Put(u)
		if err != nil {
			return Request{}, &ScanError{Kind: u.Kind, Err: err}
		}
		stored = append(stored, st)
	}
	body, err := json.Marshal(data)
	if err != nil {
		return Request{}, fmt.Errorf("counter: encode request: %w", err)
	}
	var q Request
	err = staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionCounterSubmit, "counter:new", func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		role, err := authorize(staff.Subject{})
		if err != nil {
			return err
		}
		now := s.dbNow()
		q = Request{Kind: kind, Status: StatusSubmitted, UnitID: subj.unitID, PersonID: subj.personID, AppealID: subj.appealID,
			USCC: subj.uscc, Data: body, SubmittedBy: fresh.StaffID, SubmittedAt: now, SubmitReason: reason, Outcome: map[string]string{}}
		keys := tx.Keys()
		if keys == nil {
			return ErrNoKeys
		}
		// The form and the empty outcome are sealed bound to the row's id, so right
		// after the insert, in the same transaction.
		err = tx.QueryRow(ctx, `INSERT INTO counter_requests (kind, unit_id, person_id, appeal_id, uscc, data, submitted_by,
			submitted_at, submit_reason, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, string(kind), nullID(subj.unitID),
			nullID(subj.personID), nullID(subj.appealID), subj.uscc, []byte{}, fresh.StaffID, now, reason, []byte{}).Scan(&q.ID)
		if store.IsUniqueViolation(err) {
			return ErrOpen
		}
		if err != nil {
			return fmt.Errorf("counter: submit: %w", err)
		}
		sealedData, err := sealJSON(keys, ColumnData, q.ID, body)
		if err != nil {
			return err
		}
		sealedOutcome, err := sealJSON(keys, ColumnOutcome, q.ID, []byte("{}"))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE counter_requests SET data = ?, outcome = ? WHERE id = ?`,
			sealedData, sealedOutcome, q.ID); err != nil {
			return fmt.Errorf("counter: seal the new request: %w", err)
		}
		for _, st := range stored {
			if err := s.d.Scans.Insert(ctx, tx, q.ID, fresh.StaffID, st); err != nil {
				return err
			}
		}
		e := fresh.Entry(role, "counter.submit", target(q.ID), reason, map[string]string{"kind": string(kind),
			"scans": fmt.Sprint(len(stored))})
		e.UnitID, e.PersonID = subj.unitID, subj.personID
		_, err = s.d.Audit.Append(ctx, tx, e)
		return err
	})
	if err != nil {
		return Request{}, err
	}
	stored = nil // recorded: keep the files
	return q, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
