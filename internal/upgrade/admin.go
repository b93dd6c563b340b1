package upgrade

import (
	"context"
	"errors"
	"strings"

	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/throttle"
)

// Form field names of step 3 (设置管理员).
const (
	FieldAdminName     = "admin_name"
	FieldAdminIDType   = "admin_id_type"
	FieldAdminIDNumber = "admin_id_number"
	FieldAdminMobile   = "admin_mobile"
	FieldPassword      = "password"
	FieldConfirm       = "confirm"
)

// Messages of step 3's field checks.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	msgNameMissing     = "请输入管理员姓名"
	msgNameInvalid     = "请输入正确的姓名"
	msgIDTypeMissing   = "请选择证件类型"
	msgIDNumberMissing = "请输入证件号码"
	msgMobileMissing   = "请输入移动电话"
	msgPasswordMissing = "请设置管理员密码"
	msgConfirmMissing  = "请再次输入密码"
	msgConfirmMismatch = "两次输入的密码不一致"
)

// AdminInput is step 3 as submitted: the nominee as registered, and the unit
// password (经办密码) the administrator will sign in to the unit with.
type AdminInput struct {
	Name, IDType, IDNumber, Mobile string
	Password, Confirm              string
}

// Nominate runs step 3: it checks the fields, finds the registered person whose ID
// type and number were typed and requires the typed name and mobile to be that
// person's exactly; then it hashes the unit password, starts the nominee's
// verification session (verify.PurposeUpgrade, bound to the flow) and moves the flow
// to StepVerify.
//
// A person who is not registered and a person whose name or mobile differs get the
// same answer (MsgAdminMismatch, the seed's), and each costs one of the flow's
// MaxNominationFailures and one of the legacy account's NominationLimits (counted
// across flows: a new flow does not give the guesses back).
//
// Errors: *FormError for invalid fields (beside each), a refused nomination
// (MsgAdminMismatch in Top; MsgTooManyNominations once the flow has used up its
// tries), the unit's legal rep (MsgLegalRep) and a provider that cannot start
// (MsgVerifyUnavailable); ErrStep when the flow is not at the admin step; ErrNotFound,
// ErrExpired, ErrCompleted; person.ErrBusy; otherwise database failures.
func (s *Service) Nominate(ctx context.Context, flowID, binding string, in AdminInput) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	if f.Step != StepAdmin {
		return ErrStep
	}
	if st.Failures >= MaxNominationFailures {
		return &FormError{Top: MsgTooManyNominations}
	}
	c, err := s.validateAdmin(in, st.USCC)
	if err != nil {
		return err
	}
	if c.idType == st.LegalRepIDType && c.idNumber == st.LegalRepIDNumber {
		return &FormError{Top: MsgLegalRep}
	}
	// Counted per legacy account across its flows before anyone is looked up.
	ticket, err := s.d.Throttle.Begin(ctx, []throttle.Key{s.d.Throttle.RecordKey(ScopeNomination, "legacy", st.LegacyID)})
	switch {
	case errors.Is(err, throttle.ErrLocked), errors.Is(err, throttle.ErrCaptchaRequired):
		return &FormError{Top: MsgTooManyNominations}
	case err != nil:
		return err
	}
	p, err := s.d.Persons.ByIdentity(ctx, c.idType, c.idNumber)
	if err != nil && !errors.Is(err, person.ErrNotFound) {
		_ = ticket.Cancel(ctx)
		return err
	}
	if err != nil || p.Name != c.name || p.Mobile != c.mobile {
		_ = ticket.Failed(ctx) // the reservation stays counted
		st.Failures++
		if err := s.d.Flows.Advance(ctx, f, StepAdmin, StepAdmin, st); err != nil {
			return flowErr(err)
		}
		if st.Failures >= MaxNominationFailures {
			return &FormError{Top: MsgTooManyNominations}
		}
		return &FormError{Top: MsgAdminMismatch}
	}
	_ = ticket.Succeeded(ctx) // a registered person named exactly: this one is not held against the account
	hash, err := s.d.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return err
	}
	st.AdminID, st.AdminIDType, st.AdminNumber, st.AdminName, st.PasswordHash = p.ID, p.IDType, p.IDNumber, p.Name, hash
	if st.Session, err = s.verification.Start(ctx, f.ID, st.admin()); err != nil {
		return err
	}
	return flowErr(s.d.Flows.Advance(ctx, f, StepAdmin, StepVerify, st))
}

// adminClaim is an AdminInput that passed the field checks, normalised.
type adminClaim struct {
	name, idNumber, mobile string
	idType                 ident.IDType
}

// validateAdmin checks every field of step 3 and reports all problems at once.
func (s *Service) validateAdmin(in AdminInput, uscc string) (adminClaim, error) {
	fe := &FormError{}
	var c adminClaim
	if strings.TrimSpace(in.Name) == "" {
		fe.Add(FieldAdminName, msgNameMissing)
	} else if n, ok := person.NormalizeName(in.Name); !ok {
		fe.Add(FieldAdminName, msgNameInvalid)
	} else {
		c.name = n
	}
	if strings.TrimSpace(in.IDType) == "" {
		fe.Add(FieldAdminIDType, msgIDTypeMissing)
	} else if t, err := ident.ParseIDType(strings.TrimSpace(in.IDType)); err != nil {
		fe.Add(FieldAdminIDType, formerr.FieldMsg(err, msgIDTypeMissing))
	} else {
		c.idType = t
	}
	switch {
	case strings.TrimSpace(in.IDNumber) == "":
		fe.Add(FieldAdminIDNumber, msgIDNumberMissing)
	case c.idType == "":
	default:
		n, err := ident.ValidateID(c.idType, in.IDNumber, s.d.Now())
		if err != nil {
			fe.Add(FieldAdminIDNumber, formerr.FieldMsg(err, ident.ErrIDFormat.Msg))
		}
		c.idNumber = n
	}
	if strings.TrimSpace(in.Mobile) == "" {
		fe.Add(FieldAdminMobile, msgMobileMissing)
	} else if m, err := ident.NormalizeMobile(in.Mobile); err != nil {
		fe.Add(FieldAdminMobile, formerr.FieldMsg(err, "请输入正确的移动电话"))
	} else {
		c.mobile = m
	}
	if in.Password == "" {
		fe.Add(FieldPassword, msgPasswordMissing)
	} else if err := s.d.Policy.Check(in.Password, c.idNumber, c.mobile, uscc); err != nil {
		fe.Add(FieldPassword, formerr.FieldMsg(err, "密码不符合要求"))
	}
	switch {
	case in.Confirm == "":
		fe.Add(FieldConfirm, msgConfirmMissing)
	case in.Confirm != in.Password:
		fe.Add(FieldConfirm, msgConfirmMismatch)
	}
	return c, fe.OrNil()
}
