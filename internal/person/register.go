package person

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
)

// RegisterInput is the personal registration form (SPEC R1) as submitted.
// Binding is the browser session or flow the SMS code was sent to; ClientAddr
// the client's address for the audit log.
type RegisterInput struct {
	IDType     string
	IDNumber   string
	Name       string
	Mobile     string
	Password   string
	Confirm    string
	SMSCode    string
	Agreed     bool
	Binding    string
	ClientAddr string
}

// registration is a RegisterInput that passed every field check.
type registration struct {
	idType   ident.IDType
	idNumber string
	name     string
	mobile   string
	code     string
}

// validate checks every field of the form and reports all problems at once.
func (s *Service) validate(in RegisterInput) (registration, error) {
	fe := &FormError{}
	var r registration
	r.idType, r.idNumber = checkIdentity(fe, in.IDType, in.IDNumber, s.now())
	r.name = checkName(fe, in.Name)
	r.mobile = checkMobile(fe, FieldMobile, in.Mobile)
	if in.Password == "" {
		fe.add(FieldPassword, msgPasswordMissing)
	} else {
		// The raw values too, so that a password containing a mistyped ID number
		// is refused as well (and reported together with the ID number).
		ctxWords := []string{r.idNumber, r.mobile, strings.TrimSpace(in.IDNumber), strings.TrimSpace(in.Mobile)}
		if err := s.policy.Check(in.Password, ctxWords...); err != nil {
			fe.add(FieldPassword, fieldMsg(err))
		}
	}
	switch {
	case in.Confirm == "":
		fe.add(FieldConfirm, msgConfirmMissing)
	case in.Confirm != in.Password:
		fe.add(FieldConfirm, msgConfirmMismatch)
	}
	code, ok := normalizeCode(in.SMSCode)
	if !ok {
		fe.add(FieldSMSCode, msgSMSCodeFormat)
	}
	r.code = code
	if !in.Agreed {
		fe.add(FieldAgreed, msgAgreement)
	}
	return r, fe.orNil()
}

// maxRegisterAttempts bounds the retries after a unique violation that the
// re-check could not attribute (the conflicting registration rolled back).
const maxRegisterAttempts = 3

// Register creates a real-name personal account (SPEC R1).
//
// Order of work, and why:
//  1. Every field is checked server-side; a *FormError lists all problems. The
//     SMS code is not touched, so the person can fix the form and reuse it.
//  2. The SMS code is verified but not spent (purpose "register", bound to
//     in.Binding) before anything reveals whether the ID or mobile is taken:
//     finding out costs a code sent to a phone one holds, so the form cannot be
//     used to enumerate registered ID numbers, and no hash is spent on a form
//     without a right code. A wrong code counts against the flow at once.
//  3. A pre-check on the read pool refuses a taken ID or mobile before a hash
//     is spent on it.
//  4. The password is hashed outside the transaction, so the SQLite writer is
//     never held during the ~25 ms of argon2id.
//  5. One transaction spends the code, re-checks, inserts and appends the audit
//     record "person.register": the code is used exactly when the account exists,
//     so a busy hasher, a failed insert or a crash anywhere before the commit
//     leaves it usable. A concurrent registration that slipped between check and
//     insert is caught by the unique constraints and reported the same way.
//
// Errors: *FormError for invalid fields or a refused SMS code; a *FormError
// matching ErrIDTaken and/or ErrMobileTaken when the ID number or mobile
// belongs to another account (SPEC §9); ErrBusy from the hasher; ctx's error;
// otherwise a database or audit failure.
func (s *Service) Register(ctx context.Context, in RegisterInput) (Person, error) {
	r, err := s.validate(in)
	if err != nil {
		return Person{}, err
	}
	if err := s.codes.Verify(ctx, PurposeRegister, in.Binding, r.mobile, r.code); err != nil {
		return Person{}, codeRefused(ctx, FieldSMSCode, err)
	}
	if t, err := takenBy(ctx, s.db, r); err != nil || t != 0 {
		return Person{}, takenOr(t, err)
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return Person{}, err
	}
	for attempt := 1; ; attempt++ {
		p, err := s.insert(ctx, r, in.Binding, hash, in.ClientAddr)
		var refused *codeRefusal
		if errors.As(err, &refused) {
			// Spent by a concurrent submission of the same form since step 2.
			return Person{}, codeRefused(ctx, refused.field, refused.err)
		}
		if err == nil || !store.IsUniqueViolation(err) {
			return p, err
		}
		// On PostgreSQL a unique violation means a conflicting row committed
		// after our check; read it to say which field is taken.
		t, rerr := takenBy(ctx, s.db, r)
		if rerr != nil || t != 0 {
			return Person{}, takenOr(t, rerr)
		}
		if attempt == maxRegisterAttempts {
			return Person{}, err
		}
	}
}

// codeRefusal carries the checker's refusal of the code of form field field out of
// the transaction that was to spend it (insert's, ChangeMobile's), which it rolls
// back.
type codeRefusal struct {
	field string
	err   error
}

func (e *codeRefusal) Error() string { return "person: sms code refused: " + e.err.Error() }

// codeRefused is the answer to a refused SMS code: ctx's error when the request
// was cancelled (the checker's failure is then no verdict), else the message beside
// the code's field.
func codeRefused(ctx context.Context, field string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	fe := &FormError{}
	fe.add(field, smsMessage(err))
	return fe
}

// insert spends the registration's SMS code and stores the person and its audit
// record, all in one transaction. A refused code is a *codeRefusal.
func (s *Service) insert(ctx context.Context, r registration, binding, hash, clientAddr string) (Person, error) {
	var p Person
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		// Any error is a refusal (CodeChecker), as in Register's step 2.
		if err := s.codes.CheckTx(ctx, tx, PurposeRegister, binding, r.mobile, r.code); err != nil {
			return &codeRefusal{FieldSMSCode, err}
		}
		var err error
		p, err = s.CreateTx(ctx, tx, NewAccount{IDType: r.idType, IDNumber: r.idNumber, Name: r.name,
			Mobile: r.mobile, PasswordHash: hash}, clientAddr)
		return err
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}

// NewAccount is an account whose fields were already checked and normalised (by
// Register, or by a flow that verified the person, such as unit registration).
type NewAccount struct {
	IDType       ident.IDType
	IDNumber     string
	Name         string
	Mobile       string
	PasswordHash string // argon2id PHC string from Hasher.Hash; "" for no password
	// MustChangePassword marks PasswordHash as an initial password issued by someone
	// else (the counter, B1/B3): the person must change it at the next login.
	MustChangePassword bool
	// StaffID is the back-office staff member who opened the account at the counter
	// (0 online); the audit record names them.
	StaffID int64
}

// CreateTx inserts a personal account and its audit record inside the caller's
// transaction, for flows that create an account as part of a larger change (R2 creates
// the legal rep's account with the unit). Errors: a *FormError matching ErrIDTaken or
// ErrMobileTaken when either is taken (on PostgreSQL a racing insert is reported as
// the unique violation itself: check store.IsUniqueViolation and retry or report);
// otherwise a database or audit failure.
func (s *Service) CreateTx(ctx context.Context, tx *store.Tx, a NewAccount, clientAddr string) (Person, error) {
	now := s.dbNow()
	p := Person{IDType: a.IDType, IDNumber: a.IDNumber, Name: a.Name, Mobile: a.Mobile,
		Level: LevelRealName, CreatedAt: now, UpdatedAt: now}
	if a.PasswordHash != "" {
		p.PasswordChangedAt = now
	}
	r := registration{idType: a.IDType, idNumber: a.IDNumber, mobile: a.Mobile}
	if t, err := takenBy(ctx, tx, r); err != nil || t != 0 {
		return Person{}, takenOr(t, err)
	}
	id, err := Insert(ctx, tx, Row{IDType: string(p.IDType), IDNumber: p.IDNumber, Name: p.Name, Mobile: p.Mobile,
		PasswordHash: a.PasswordHash, PasswordChangedAt: p.PasswordChangedAt, MustChangePassword: a.MustChangePassword,
		Level: p.Level, CreatedAt: now})
	p.ID, p.MustChangePassword = id, a.MustChangePassword
	if err != nil {
		return Person{}, err
	}
	detail := map[string]string{
		"id_type":   string(p.IDType),
		"id_number": p.MaskedID(),
		"mobile":    p.MaskedMobile(),
	}
	if a.StaffID != 0 {
		detail["channel"] = "counter"
	}
	_, err = s.audit.Append(ctx, tx, audit.Entry{
		PersonID: p.ID,
		StaffID:  a.StaffID,
		Action:   "person.register",
		Target:   "person:" + strconv.FormatInt(p.ID, 10),
		Result:   audit.Success,
		ClientIP: clientAddr,
		Detail:   detail,
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}

// querier is what *store.DB and *store.Tx have in common for single-row reads
// of persons: the row and the keys its sealed values and indexes are under.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Keys() *sealed.Keys
}

// takenBy reports which of the registration's unique values exist already.
func takenBy(ctx context.Context, q querier, r registration) (taken, error) {
	keys := q.Keys()
	if keys == nil {
		return 0, ErrNoKeys
	}
	var ids, mobiles int
	idMatch, args := IDNumberMatch(keys, "", r.idNumber)
	args = append(args, string(r.idType))
	mobileMatch, mobileArgs := MobileMatch(keys, "", r.mobile)
	err := q.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM persons WHERE `+idMatch+` AND id_type = ?),
		(SELECT COUNT(*) FROM persons WHERE `+mobileMatch+`)`, append(args, mobileArgs...)...).Scan(&ids, &mobiles)
	if err != nil {
		return 0, fmt.Errorf("person: check taken: %w", err)
	}
	var t taken
	if ids > 0 {
		t |= takenID
	}
	if mobiles > 0 {
		t |= takenMobile
	}
	return t, nil
}

// takenOr returns err if set, else the FormError for t.
func takenOr(t taken, err error) error {
	if err != nil {
		return err
	}
	return takenError(t)
}

// smsMessage is the message to show for a refused SMS code. The checker's error
// type is not known here: only an error that offers a field message is shown
// as it is; anything else gets the generic message, which does not say whether
// the code was wrong, expired or used.
func smsMessage(err error) string {
	var fm interface{ FieldMessage() string }
	if errors.As(err, &fm) {
		if m := fm.FieldMessage(); m != "" {
			return m
		}
	}
	return msgSMSCodeRefused
}

var (
	_ querier = (*store.DB)(nil)
	_ querier = (*store.Tx)(nil)
)
