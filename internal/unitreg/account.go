package unitreg

import (
	"context"
	"errors"
	"strings"

	"hall/internal/flow"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
)

// Form field names of step 3 (填写账户信息).
const (
	FieldMobile   = "mobile"
	FieldSMSCode  = "sms_code"
	FieldPassword = "password"
	FieldConfirm  = "confirm"
)

// Messages of step 3's field checks.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	msgMobileMissing   = "请输入移动电话"
	msgCodeMissing     = "请输入6位短信验证码"
	msgPasswordMissing = "请输入密码"
	msgConfirmMissing  = "请再次输入密码"
	msgConfirmMismatch = "两次输入的密码不一致"
	msgCodeRefused     = "验证码错误或已过期"
)

// AccountInput is step 3 (填写账户信息) as submitted. For a legal rep who already
// has a personal account only Password (that account's current password) and
// SMSCode count; Mobile and Confirm are ignored.
type AccountInput struct {
	Mobile     string
	SMSCode    string
	Password   string
	Confirm    string
	ClientAddr string
}

// Result is a finished registration.
type Result struct {
	Unit       unit.Unit
	Person     person.Person // the legal rep's personal account
	NewAccount bool          // the personal account was created by this registration
	// Receipt is the ID of the receipt flow (KindReceipt) for the 完成注册 page, ""
	// when it could not be saved (the registration stands; show Unit directly).
	Receipt string
}

// Finish runs step 3 and opens the unit's account. For a legal rep without a
// personal account it checks the mobile, the SMS code, the password (the policy,
// with the ID number, mobile and USCC as context) and its confirmation, then in one
// transaction creates the person, the unit (its unit number issued, the legal rep's
// membership recorded), completes the flow and appends the audit record
// "unit.register". For a legal rep who has an account it checks that account's
// password and a code sent to its mobile and creates only the unit. Afterwards it
// saves a receipt for the 完成注册 page.
//
// The SMS code is verified without being spent before anything slow or fallible
// (the password hash, the inserts), and spent in the transaction that opens the
// accounts (commit): a busy hasher, a failed insert or a crash leaves it usable, and
// a finished registration has used it exactly once.
//
// Errors: *FormError for invalid or refused fields (a mobile of another person
// beside FieldMobile, pointing to 用户申诉; a wrong account password beside
// FieldPassword; a refused code beside FieldSMSCode; a unit that got an account
// meanwhile, or too many wrong passwords, in Top); ErrStep when the flow is not at
// the account step (a skipped verification); ErrCompleted for a second Finish;
// ErrNotFound, ErrExpired; person.ErrBusy when hashing is saturated; otherwise
// database or audit failures, after which nothing was written.
func (s *Service) Finish(ctx context.Context, flowID, binding string, in AccountInput) (Result, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return Result{}, err
	}
	if f.Step != StepAccount {
		return Result{}, ErrStep
	}
	existing, has, err := s.legalRepAccount(ctx, st)
	if err != nil {
		return Result{}, err
	}
	var res Result
	if has {
		res, err = s.finishExisting(ctx, f, st, existing, in)
	} else {
		res, err = s.finishNew(ctx, f, st, in)
	}
	if err != nil {
		return Result{}, err
	}
	rc := Receipt{UnitName: res.Unit.Name, USCC: res.Unit.USCC, UnitNumber: res.Unit.UnitNumber,
		LegalRep: ident.MaskName(res.Person.Name), NewAccount: res.NewAccount}
	// The registration has committed: a receipt that cannot be saved must not turn
	// it into an error page, so the caller falls back to showing res.Unit.
	res.Receipt = s.d.Flows.SaveReceipt(ctx, KindReceipt, binding, rc, ReceiptTTL)
	return res, nil
}

// finishNew creates the legal rep's personal account together with the unit.
func (s *Service) finishNew(ctx context.Context, f *flow.Flow, st state, in AccountInput) (Result, error) {
	fe := &FormError{}
	mobile := checkMobile(fe, in.Mobile)
	code := parseCode(fe, in.SMSCode)
	if in.Password == "" {
		fe.Add(FieldPassword, msgPasswordMissing)
	} else if err := s.d.Policy.Check(in.Password, st.LegalRepIDNumber, mobile, strings.TrimSpace(in.Mobile), st.USCC); err != nil {
		fe.Add(FieldPassword, formerr.FieldMsg(err, "密码不符合要求"))
	}
	switch {
	case in.Confirm == "":
		fe.Add(FieldConfirm, msgConfirmMissing)
	case in.Confirm != in.Password:
		fe.Add(FieldConfirm, msgConfirmMismatch)
	}
	if err := fe.OrNil(); err != nil {
		return Result{}, err
	}
	// The code first: what follows may tell whether the mobile is taken, and that
	// should cost a code received on that phone. It is spent only by commit.
	if err := s.verifyCode(ctx, f.ID, mobile, code); err != nil {
		return Result{}, err
	}
	if err := s.mobileFree(ctx, mobile); err != nil {
		return Result{}, err
	}
	if err := s.unitFree(ctx, st.USCC); err != nil {
		return Result{}, err
	}
	// Hash outside the transaction: the SQLite writer is never held during argon2id.
	hash, err := s.d.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = s.commit(ctx, f.ID, mobile, code, func(tx *store.Tx) error {
		p, err := s.d.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: st.LegalRepIDType,
			IDNumber: st.LegalRepIDNumber, Name: st.LegalRepName, Mobile: mobile, PasswordHash: hash}, in.ClientAddr)
		if err != nil {
			return err
		}
		res, err = s.createUnit(ctx, tx, f, st, p, true, in.ClientAddr)
		return err
	})
	if err != nil {
		return Result{}, s.finishError(ctx, err, mobile, st.USCC)
	}
	return res, nil
}

// finishExisting opens the unit for a legal rep who has a personal account.
func (s *Service) finishExisting(ctx context.Context, f *flow.Flow, st state, p person.Person, in AccountInput) (Result, error) {
	if st.PasswordFailures >= MaxPasswordFailures {
		return Result{}, &FormError{Top: MsgTooManyPasswords}
	}
	fe := &FormError{}
	code := parseCode(fe, in.SMSCode)
	if in.Password == "" {
		fe.Add(FieldPassword, msgPasswordMissing)
	}
	if err := fe.OrNil(); err != nil {
		return Result{}, err
	}
	switch err := s.d.Persons.CheckPassword(ctx, p.ID, in.Password); {
	case errors.Is(err, person.ErrBadCredentials):
		// Count it in the flow, so that guessing is bounded per verified flow.
		st.PasswordFailures++
		if err := s.d.Flows.Advance(ctx, f, StepAccount, StepAccount, st); err != nil {
			return Result{}, flowErr(err)
		}
		if st.PasswordFailures >= MaxPasswordFailures {
			return Result{}, &FormError{Top: MsgTooManyPasswords}
		}
		return Result{}, fieldError(FieldPassword, MsgWrongPassword)
	case err != nil:
		return Result{}, err
	}
	if err := s.verifyCode(ctx, f.ID, p.Mobile, code); err != nil {
		return Result{}, err
	}
	if err := s.unitFree(ctx, st.USCC); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.commit(ctx, f.ID, p.Mobile, code, func(tx *store.Tx) error {
		var err error
		res, err = s.createUnit(ctx, tx, f, st, p, false, in.ClientAddr)
		return err
	})
	if err != nil {
		return Result{}, s.finishError(ctx, err, "", st.USCC)
	}
	return res, nil
}

// createUnit opens the unit with p as its legal rep, completes the flow and audits,
// inside tx.
func (s *Service) createUnit(ctx context.Context, tx *store.Tx, f *flow.Flow, st state, p person.Person, newAccount bool, clientAddr string) (Result, error) {
	u, err := s.d.Units.Create(ctx, tx, unit.NewUnit{USCC: st.USCC, Name: st.UnitName, UnitType: st.UnitType,
		Region: st.Region, Address: st.Address, LegalRepPersonID: p.ID})
	if err != nil {
		return Result{}, err
	}
	if err := s.d.Flows.Complete(ctx, tx, f, StepAccount); err != nil {
		return Result{}, err
	}
	account := "existing"
	if newAccount {
		account = "new"
	}
	_, err = s.d.Audit.Append(ctx, tx, unit.OpenedEntry(u, p.ID, unit.RoleLegalRep, "unit.register", "online", clientAddr,
		map[string]string{"account": account, "legal_rep_id": p.MaskedID()}))
	if err != nil {
		return Result{}, err
	}
	return Result{Unit: u, Person: p, NewAccount: newAccount}, nil
}

// finishError explains a failed registration transaction.
func (s *Service) finishError(ctx context.Context, err error, mobile, uscc string) error {
	var refused *codeRefusal
	switch {
	case errors.As(err, &refused):
		return codeError(ctx, refused.err)
	case errors.Is(err, flow.ErrCompleted), errors.Is(err, flow.ErrExpired), errors.Is(err, flow.ErrNotFound),
		errors.Is(err, flow.ErrStep), errors.Is(err, flow.ErrConflict):
		return flowErr(err)
	case errors.Is(err, unit.ErrUSCCTaken):
		return &FormError{Top: MsgUnitTaken}
	case errors.Is(err, person.ErrMobileTaken):
		return fieldError(FieldMobile, person.MsgMobileTaken)
	case errors.Is(err, person.ErrIDTaken):
		return &FormError{Top: MsgIDTakenRace}
	case store.IsUniqueViolation(err):
		// On PostgreSQL a racing insert surfaces as the violation itself: find out
		// which value was taken.
		if mobile != "" {
			if ferr := s.mobileFree(ctx, mobile); ferr != nil {
				return ferr
			}
		}
		if ferr := s.unitFree(ctx, uscc); ferr != nil {
			return ferr
		}
	}
	return err
}
