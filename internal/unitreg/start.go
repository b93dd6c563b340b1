package unitreg

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"hall/internal/flow"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/unit"
)

// Form field names of step 1 (填写单位信息), as used in FormError.Fields and as the
// HTML form's input names.
const (
	FieldUSCC         = "uscc"
	FieldUnitName     = "unit_name"
	FieldIDType       = "id_type"
	FieldIDNumber     = "id_number"
	FieldLegalRepName = "legal_rep_name"
	FieldAgreed       = "agreed"
)

// Messages of step 1's field checks that ident does not provide.
const (
	msgUSCCMissing     = "请输入统一社会信用代码"
	msgUnitNameMissing = "请输入单位全称"
	msgUnitNameInvalid = "请输入正确的单位全称（不超过100个字符）"
	msgIDTypeMissing   = "请选择法定代表人证件类型"
	msgIDNumberMissing = "请输入法定代表人证件号码"
	msgNameMissing     = "请输入法定代表人姓名"
	msgNameInvalid     = "请输入正确的法定代表人姓名"
	msgAgreement       = "请阅读并同意《法人用户注册协议》"
)

// maxUnitNameRunes bounds the unit name: registered names are far shorter.
const maxUnitNameRunes = 100

// UnitInput is step 1 (填写单位信息) as submitted.
type UnitInput struct {
	USCC         string
	Name         string // 单位全称
	IDType       string // the legal rep's ID type (an ident.IDType code or label)
	IDNumber     string
	LegalRepName string
	Agreed       bool // 我已阅读并同意《法人用户注册协议》
}

// unitClaim is a UnitInput that passed the field checks, normalised.
type unitClaim struct {
	uscc, name, idNumber, legalRep string
	idType                         ident.IDType
}

// validateUnit checks every field of step 1 and reports all problems at once.
// 外国人护照 is refused beside the ID type: such a legal rep registers at the counter.
func (s *Service) validateUnit(in UnitInput) (unitClaim, error) {
	fe := &FormError{}
	var c unitClaim
	if strings.TrimSpace(in.USCC) == "" {
		fe.Add(FieldUSCC, msgUSCCMissing)
	} else if u, err := ident.ValidateUSCC(in.USCC); err != nil {
		fe.Add(FieldUSCC, formerr.FieldMsg(err, ident.ErrUSCCFormat.Msg))
	} else {
		c.uscc = u
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	switch {
	case name == "":
		fe.Add(FieldUnitName, msgUnitNameMissing)
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxUnitNameRunes || strings.ContainsFunc(name, isControl):
		fe.Add(FieldUnitName, msgUnitNameInvalid)
	default:
		c.name = name
	}
	if strings.TrimSpace(in.IDType) == "" {
		fe.Add(FieldIDType, msgIDTypeMissing)
	} else if t, err := ident.ParseIDType(strings.TrimSpace(in.IDType)); err != nil {
		fe.Add(FieldIDType, formerr.FieldMsg(err, msgIDTypeMissing))
	} else if t == ident.IDTypeForeignPassport {
		fe.Add(FieldIDType, MsgPassport)
	} else {
		c.idType = t
	}
	switch {
	case strings.TrimSpace(in.IDNumber) == "":
		fe.Add(FieldIDNumber, msgIDNumberMissing)
	case c.idType == "":
		// Without a usable type the number cannot be checked; the type's message
		// says what to fix first.
	default:
		n, err := ident.ValidateID(c.idType, in.IDNumber, s.d.Now())
		if err != nil {
			fe.Add(FieldIDNumber, formerr.FieldMsg(err, ident.ErrIDFormat.Msg))
		}
		c.idNumber = n
	}
	if strings.TrimSpace(in.LegalRepName) == "" {
		fe.Add(FieldLegalRepName, msgNameMissing)
	} else if n, ok := person.NormalizeName(in.LegalRepName); !ok {
		fe.Add(FieldLegalRepName, msgNameInvalid)
	} else {
		c.legalRep = n
	}
	if !in.Agreed {
		fe.Add(FieldAgreed, msgAgreement)
	}
	return c, fe.OrNil()
}

// Start runs step 1 for the browser binding: it checks the fields, saves the flow
// (TTL) with the unit and legal rep as typed, and starts the verification session of
// the typed legal rep. The returned flow is at StepVerify.
//
// Nothing is looked up here: the registry, and whether the unit has an account, are
// compared only once the typed person has passed face verification (Verified).
// Answering a mismatch at this step would tell anyone whether a typed ID number is a
// unit's legal rep's, one guess per submission; this way every well-formed form gets
// the same answer, and only the verified legal rep learns what the registry says.
// (The web layer throttles step 1 per USCC and per address as well.)
//
// Errors: *FormError for invalid fields, 外国人护照 (MsgPassport beside the ID type)
// and a verification provider that cannot start (MsgVerifyUnavailable in Top);
// otherwise database failures.
func (s *Service) Start(ctx context.Context, binding string, in UnitInput) (*flow.Flow, error) {
	c, err := s.validateUnit(in)
	if err != nil {
		return nil, err
	}
	st := state{Facts: registry.Facts{USCC: c.uscc, UnitName: c.name, LegalRepIDType: c.idType,
		LegalRepIDNumber: c.idNumber, LegalRepName: c.legalRep}}
	f, err := s.d.Flows.Create(ctx, flow.KindUnitRegister, binding, StepUnit, st, TTL)
	if err != nil {
		return nil, err
	}
	if st.Session, err = s.verification.Start(ctx, f.ID, st.legalRep()); err != nil {
		return nil, err
	}
	if err := s.d.Flows.Advance(ctx, f, StepUnit, StepVerify, st); err != nil {
		return nil, flowErr(err)
	}
	return f, nil
}

// compare checks the flow's claim, made by a legal rep who has passed face
// verification, against the registry, and that the unit has no account yet. On a
// match the flow's state becomes the registry's facts (the authoritative ones).
//
// Errors: as Verified's *FormError cases.
func (s *Service) compare(ctx context.Context, st state) (state, error) {
	e, err := s.d.Registry.Lookup(ctx, st.USCC)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return st, fieldError(FieldUSCC, MsgRegistryNotFound)
	case errors.Is(err, registry.ErrUnavailable):
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		return st, &FormError{Top: MsgRegistryUnavailable}
	case err != nil:
		return st, err
	}
	err = registry.Match(e, registry.Claim{USCC: st.USCC, Name: st.UnitName, LegalRepIDType: st.LegalRepIDType,
		LegalRepIDNumber: st.LegalRepIDNumber, LegalRepName: st.LegalRepName})
	if err != nil {
		return st, matchError(err)
	}
	switch _, err := s.d.Units.ByAccount(ctx, e.USCC); {
	case err == nil:
		return st, fieldError(FieldUSCC, MsgUnitTaken)
	case !errors.Is(err, unit.ErrNotFound):
		return st, err
	}
	return state{Facts: e.Facts(), Session: st.Session, Verified: st.Verified}, nil
}

// matchError puts a registry mismatch beside the field it concerns. The legal rep's
// three fields share one message (registry.Match explains why); it goes beside the
// ID number, the field that identifies the person.
func matchError(err error) error {
	var fe *ident.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	switch fe.Code {
	case registry.CodeUSCCMismatch:
		return fieldError(FieldUSCC, fe.Msg)
	case registry.CodeNameMismatch:
		return fieldError(FieldUnitName, fe.Msg)
	case registry.CodeLegalRepMismatch:
		return fieldError(FieldIDNumber, fe.Msg)
	}
	return &FormError{Top: fe.Msg}
}
