package unitreg

import (
	"context"
	"errors"
	"strings"
	"time"

	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/unit"
)

// Sent says where a code went (the mobile, masked) and when another may be sent.
type Sent struct {
	To        string
	ExpiresAt time.Time
	ResendAt  time.Time
}

// SendCode sends the account step's SMS code (purpose PurposeSMS, bound to the flow):
// to mobile for a legal rep without a personal account, or to the account's own
// mobile when there is one (mobile is then ignored).
//
// Errors: *FormError beside FieldMobile for a missing or malformed mobile or one
// that belongs to another person (pointing to 用户申诉), beside FieldSMSCode for the
// sending limits and failures (sms.UserMessage); ErrStep when the flow is not at
// the account step; ErrNotFound, ErrExpired, ErrCompleted; otherwise database
// failures.
func (s *Service) SendCode(ctx context.Context, flowID, binding, mobile, clientAddr string) (Sent, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return Sent{}, err
	}
	if f.Step != StepAccount {
		return Sent{}, ErrStep
	}
	existing, has, err := s.legalRepAccount(ctx, st)
	if err != nil {
		return Sent{}, err
	}
	if has {
		mobile = existing.Mobile
	} else {
		fe := &FormError{}
		if mobile = checkMobile(fe, mobile); mobile == "" {
			return Sent{}, fe
		}
		if err := s.mobileFree(ctx, mobile); err != nil {
			return Sent{}, err
		}
	}
	iss, err := s.d.Codes.Issue(ctx, sms.Request{Purpose: PurposeSMS, Binding: f.ID, Mobile: mobile, ClientAddr: clientAddr})
	if err != nil {
		if ctx.Err() != nil {
			return Sent{}, ctx.Err()
		}
		if errors.Is(err, sms.ErrInvalidRequest) {
			return Sent{}, err
		}
		return Sent{}, fieldError(FieldSMSCode, sms.UserMessage(err))
	}
	return Sent{To: ident.MaskMobile(mobile), ExpiresAt: iss.ExpiresAt, ResendAt: iss.ResendAt}, nil
}

// legalRepAccount finds the legal rep's personal account, if any.
func (s *Service) legalRepAccount(ctx context.Context, st state) (person.Person, bool, error) {
	p, err := s.d.Persons.ByIdentity(ctx, st.LegalRepIDType, st.LegalRepIDNumber)
	switch {
	case err == nil:
		return p, true, nil
	case errors.Is(err, person.ErrNotFound):
		return person.Person{}, false, nil
	}
	return person.Person{}, false, err
}

// mobileFree refuses a mobile that belongs to a person (one mobile, one person).
func (s *Service) mobileFree(ctx context.Context, mobile string) error {
	switch _, err := s.d.Persons.ByMobile(ctx, mobile); {
	case err == nil:
		return fieldError(FieldMobile, person.MsgMobileTaken)
	case !errors.Is(err, person.ErrNotFound):
		return err
	}
	return nil
}

// unitFree refuses a unit that has an account already.
func (s *Service) unitFree(ctx context.Context, uscc string) error {
	switch _, err := s.d.Units.ByAccount(ctx, uscc); {
	case err == nil:
		return &FormError{Top: MsgUnitTaken}
	case !errors.Is(err, unit.ErrNotFound):
		return err
	}
	return nil
}

// verifyCode checks the flow's SMS code for mobile without spending it: a wrong code
// counts against the flow at once, a right one stays usable for commit, which spends
// it in the transaction that opens the accounts.
func (s *Service) verifyCode(ctx context.Context, flowID, mobile, code string) error {
	if err := s.d.Codes.Verify(ctx, PurposeSMS, flowID, mobile, code); err != nil {
		return codeError(ctx, err)
	}
	return nil
}

// commit spends the flow's SMS code for mobile and runs open in one transaction: the
// code is used exactly when what it guards exists, so a busy hasher, a failed insert
// or a crash before the commit leaves it usable for another try. A code refused here
// (spent by a concurrent submission since verifyCode) is a *codeRefusal, which
// finishError turns into the message beside the code field.
func (s *Service) commit(ctx context.Context, flowID, mobile, code string, open func(*store.Tx) error) error {
	return s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := s.d.Codes.CheckTx(ctx, tx, PurposeSMS, flowID, mobile, code); err != nil {
			return &codeRefusal{err}
		}
		return open(tx)
	})
}

// codeRefusal carries the code checker's refusal out of commit's transaction, which
// it rolls back.
type codeRefusal struct{ err error }

func (e *codeRefusal) Error() string { return "unitreg: sms code refused: " + e.err.Error() }

// codeError is the answer to a refused SMS code: ctx's error when the request was
// cancelled (the checker's failure is then no verdict), the checker's message beside
// FieldSMSCode, or the generic one, which does not say whether the code was wrong,
// expired or used.
func codeError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var fm interface{ FieldMessage() string }
	if errors.As(err, &fm) && fm.FieldMessage() != "" {
		return fieldError(FieldSMSCode, fm.FieldMessage())
	}
	if errors.Is(err, sms.ErrInvalidRequest) {
		return err
	}
	return fieldError(FieldSMSCode, msgCodeRefused)
}

// checkMobile validates a mobile into fe and returns it normalised ("" if invalid).
func checkMobile(fe *FormError, raw string) string {
	if strings.TrimSpace(raw) == "" {
		fe.Add(FieldMobile, msgMobileMissing)
		return ""
	}
	m, err := ident.NormalizeMobile(raw)
	if err != nil {
		fe.Add(FieldMobile, formerr.FieldMsg(err, ident.ErrMobileFormat.Msg))
		return ""
	}
	return m
}

// parseCode validates the form of an SMS code into fe.
func parseCode(fe *FormError, raw string) string {
	c, ok := sms.ParseCode(raw)
	if !ok {
		fe.Add(FieldSMSCode, msgCodeMissing)
	}
	return c
}
