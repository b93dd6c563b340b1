package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"hall/internal/audit"
	"hall/internal/formerr"
	"hall/internal/store"
	"hall/internal/unit"
)

// Actor is the unit's person acting on its cases, for authorization and the audit
// record: Role is the membership's role of the session.
type Actor struct {
	UnitID    int64
	PersonID  int64
	Role      unit.Role
	ClientIP  string
	RequestID string
}

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "cases" }

// FormError is a refused application form: a Chinese message per field (Field*).
// Messages never repeat what was typed.
type FormError = formerr.Error[source]

// Apply files an application of the actor's unit for itemCode with the form as
// typed: the case starts 已申请 with its 申办流水号 and 承诺办结日. Only a legal
// rep, the admin, or an agent granted the item may apply (Authorizer); an agent's
// use of the grant is in the audit record ("case.apply", role agent), and a
// refusal is recorded as denied. Filing deletes the applicant's draft of the item
// and records the materials the form carries (materials.go) in the same
// transaction; a required material missing is a *FormError beside its field.
//
// Errors: ErrNotOnline (no such item, or no online form for it); the Authorizer's
// refusal (matching delegation.ErrNotAuthorized); *FormError; ErrPending (an open
// case of the item for the same subject: employee, year); the item's refusal of
// the form against the data: ErrEnrolled (人员参保登记: the employee is enrolled
// with the unit already), ErrNotEnrolled (退工停保: not enrolled), ErrIneligible
// and ErrGranted (稳岗返还), ErrUnchanged (参保信息变更: nothing changed); a
// *FormError from the data too (退工停保: a typed name that is not the insured's);
// Deps.Filings' refusal (delivery.ErrNoAddress); ErrNoKeys; reading the case
// filed back, sealed.ErrMalformed, sealed.ErrUnknownKey or sealed.ErrAuthentication when a sealed column cannot be opened;
// database or audit failures. A draft of the item that cannot be read is deleted
// as any other (holdUploads), never a refusal.
func (s *Service) Apply(ctx context.Context, who Actor, itemCode string, form url.Values) (Case, error) {
	ft, ok := formTypes[itemCode]
	if !ok {
		return Case{}, ErrNotOnline
	}
	item, err := s.d.Catalog.Get(ctx, itemCode)
	if errors.Is(err, ErrNotFound) || (err == nil && !item.Active) {
		return Case{}, ErrNotOnline
	}
	if err != nil {
		return Case{}, err
	}
	if err := s.authorizeUnit(ctx, who, itemCode, "case.apply", "item:"+itemCode); err != nil {
		return Case{}, err
	}
	env := s.env()
	f, err := ft.check(form, env)
	attached, missing := s.checkMaterials(who, itemCode, form, nil)
	if err := withMaterials(err, missing); err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	var id int64
	err = s.unitTx(ctx, who, itemCode, "case.apply", "item:"+itemCode, func(tx *store.Tx) error {
		uscc, err := unitUSCC(ctx, tx, who.UnitID)
		if err != nil {
			return err
		}
		if f, err = ft.prepare(ctx, tx, who.UnitID, uscc, f, env); err != nil {
			return err
		}
		if err := openCase(ctx, tx, who.UnitID, itemCode, f.Subject(), 0, ft.pending); err != nil {
			return err
		}
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		number, err := nextNumber(ctx, tx, now)
		if err != nil {
			return err
		}
		if id, err = insertCase(ctx, tx, newCase{Number: number, UnitID: who.UnitID, ItemCode: itemCode,
			ApplicantID: who.PersonID, ApplicantRole: string(who.Role), State: StateSubmitted, Form: data,
			Subject: f.Subject(), PromisedDate: PromisedDate(now, item.PromisedDays), Channel: ChannelOnline,
			At: now}); err != nil {
			if store.IsUniqueViolation(err) {
				return ft.pending
			}
			return fmt.Errorf("cases: apply: %w", err)
		}
		if err := addEvent(ctx, tx, id, StepApply, StateSubmitted, "person", who.PersonID, "", now); err != nil {
			return err
		}
		if _, err := s.recordMaterials(ctx, tx, id, who.UnitID, who.PersonID, attached, now); err != nil {
			return err
		}
		if err := s.filed(ctx, tx, id, who.UnitID, itemCode, form, now); err != nil {
			return err
		}
		// The case replaces the applicant's draft of the item (drafts.go); the
		// files it held that the case did not take are the sweep's.
		if err := s.holdUploads(ctx, tx, who, itemCode, nil, now); err != nil {
			return err
		}
		if err := deleteDraft(ctx, tx, who, itemCode); err != nil {
			return err
		}
		detail := ft.audit(f)
		detail["number"] = number
		return s.recordUnit(ctx, tx, who, "case.apply", id, itemCode, detail)
	})
	if err != nil {
		return Case{}, err
	}
	c, _, err := s.UnitCase(ctx, who.UnitID, id)
	return c, err
}

// Withdraw (撤销) case id of the actor's unit before it is accepted. A case
// entered at the counter is withdrawn at the counter, where its papers are, never
// online (it is 已申请 again after 窗口补正). Audit: "case.withdraw".
//
// Errors: ErrCaseNotFound; ErrCounterCase; the Authorizer's refusal; ErrStale (no
// longer 已申请); database or audit failures.
func (s *Service) Withdraw(ctx context.Context, who Actor, id int64) (Case, error) {
	c, _, err := s.UnitCase(ctx, who.UnitID, id)
	if err != nil {
		return Case{}, err
	}
	if c.Channel == ChannelCounter {
		return Case{}, ErrCounterCase
	}
	if err := s.authorizeUnit(ctx, who, c.ItemCode, "case.withdraw", caseTarget(id)); err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := move(ctx, tx, &c, StepWithdraw, "person", who.PersonID, "", now, ""); err != nil {
			return err
		}
		return s.recordUnit(ctx, tx, who, "case.withdraw", id, c.ItemCode, map[string]string{"number": c.Number})
	})
	return c, err
}

// Resubmit sends case id of the actor's unit, returned for correction, again with
// the corrected form; it waits for acceptance anew. Audit: "case.resubmit".
//
// Errors: ErrCaseNotFound; the Authorizer's refusal; *FormError; ErrStale (not
// 退回补正); ErrPending (another open case for the corrected subject); the item's
// refusals of the form against the data and Deps.Filings' refusal, as Apply;
// ErrNoKeys; sealed.ErrMalformed, sealed.ErrUnknownKey or sealed.ErrAuthentication when the case's sealed columns
// cannot be opened (UnitCase); database or audit failures.
func (s *Service) Resubmit(ctx context.Context, who Actor, id int64, form url.Values) (Case, error) {
	c, _, err := s.UnitCase(ctx, who.UnitID, id)
	if err != nil {
		return Case{}, err
	}
	if err := s.authorizeUnit(ctx, who, c.ItemCode, "case.resubmit", caseTarget(id)); err != nil {
		return Case{}, err
	}
	if c.State != StateReturned {
		return Case{}, ErrStale
	}
	ft, ok := formTypes[c.ItemCode]
	if !ok {
		return Case{}, ErrNotOnline
	}
	have, err := s.materialCodes(ctx, c)
	if err != nil {
		return Case{}, err
	}
	env := s.env()
	f, err := ft.check(form, env)
	attached, missing := s.checkMaterials(who, c.ItemCode, form, have)
	if err := withMaterials(err, missing); err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	var replaced []string
	err = s.unitTx(ctx, who, c.ItemCode, "case.resubmit", caseTarget(id), func(tx *store.Tx) error {
		uscc, err := unitUSCC(ctx, tx, who.UnitID)
		if err != nil {
			return err
		}
		if f, err = ft.prepare(ctx, tx, who.UnitID, uscc, f, env); err != nil {
			return err
		}
		if err := openCase(ctx, tx, who.UnitID, c.ItemCode, f.Subject(), id, ft.pending); err != nil {
			return err
		}
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		keys, err := txKeys(tx)
		if err != nil {
			return err
		}
		if err := move(ctx, tx, &c, StepResubmit, "person", who.PersonID, "", now,
			", form = ?, subject = ?, subject_index = ?", keys.Seal(casePlace(columnForm, id), data),
			keys.SealString(casePlace(columnSubject, id), f.Subject()), subjectIndex(keys, f.Subject())); err != nil {
			if store.IsUniqueViolation(err) {
				return ft.pending
			}
			return err
		}
		c.Form = data
		// The earlier materials stay; a material sent again replaces its own.
		if replaced, err = s.recordMaterials(ctx, tx, id, who.UnitID, who.PersonID, attached, now); err != nil {
			return err
		}
		if err := s.filed(ctx, tx, id, who.UnitID, c.ItemCode, form, now); err != nil {
			return err
		}
		detail := ft.audit(f)
		detail["number"] = c.Number
		return s.recordUnit(ctx, tx, who, "case.resubmit", id, c.ItemCode, detail)
	})
	if err == nil {
		// A replaced file has no row any more: nothing can serve it.
		for _, old := range replaced {
			s.d.Files.Remove(old)
		}
	}
	return c, err
}

// materialCodes are the codes of the materials case c holds.
func (s *Service) materialCodes(ctx context.Context, c Case) (map[string]bool, error) {
	ms, err := s.CaseMaterials(ctx, c)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(ms))
	for _, m := range ms {
		have[m.Code] = true
	}
	return have, nil
}

// filed tells Deps.Filings, if set, of case id filed in tx.
func (s *Service) filed(ctx context.Context, tx *store.Tx, id, unitID int64, itemCode string, form url.Values, now time.Time) error {
	if s.d.Filings == nil {
		return nil
	}
	return s.d.Filings.CaseFiled(ctx, tx, id, unitID, itemCode, form, now)
}

// openCase refuses a second open case of the unit and item for subject (besides
// case except): the partial unique index is the guarantee, this the clear answer.
// The subject is found by its index under every key (subjectMatch). Errors: pending;
// ErrNoKeys; database failures.
func openCase(ctx context.Context, tx *store.Tx, unitID int64, itemCode, subject string, except int64, pending *Error) error {
	keys, err := txKeys(tx)
	if err != nil {
		return err
	}
	match, matchArgs := subjectMatch(keys, subject)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE unit_id = ? AND item_code = ? AND `+match+` AND id <> ?
		AND state IN ('submitted', 'accepted', 'returned')`,
		append(append([]any{unitID, itemCode}, matchArgs...), except)...).Scan(&n); err != nil {
		return fmt.Errorf("cases: open cases: %w", err)
	}
	if n > 0 {
		return pending
	}
	return nil
}

// unitUSCC is the unit's USCC, the key of its insurance data.
func unitUSCC(ctx context.Context, tx *store.Tx, unitID int64) (string, error) {
	var uscc string
	if err := tx.QueryRow(ctx, `SELECT uscc FROM units WHERE id = ?`, unitID).Scan(&uscc); err != nil {
		return "", fmt.Errorf("cases: unit: %w", err)
	}
	return uscc, nil
}

// authorizeUnit asks the Authorizer whether the actor may handle itemCode, and
// records a refusal ("action" denied).
func (s *Service) authorizeUnit(ctx context.Context, who Actor, itemCode, action, target string) error {
	err := s.d.Authorizer.Authorize(ctx, who.UnitID, who.PersonID, who.Role, itemCode)
	if err != nil {
		s.recordDenial(ctx, who, itemCode, action, target, err)
	}
	return err
}

// unitTx runs a unit's write in one transaction that first asks the Authorizer
// again inside it (AuthorizeTx locks the unit's row, as the delegation commands
// do): a grant revoked after the check before the transaction cannot still be
// used by the write. A refusal there rolls back and is recorded ("action" denied).
func (s *Service) unitTx(ctx context.Context, who Actor, itemCode, action, target string, write func(tx *store.Tx) error) error {
	var denied error
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if denied = s.d.Authorizer.AuthorizeTx(ctx, tx, who.UnitID, who.PersonID, who.Role, itemCode); denied != nil {
			return denied
		}
		return write(tx)
	})
	if denied != nil {
		s.recordDenial(ctx, who, itemCode, action, target, denied)
	}
	return err
}

// recordDenial records the Authorizer's refusal of action ("denied").
func (s *Service) recordDenial(ctx context.Context, who Actor, itemCode, action, target string, err error) {
	_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID,
		Role: string(who.Role), Action: action, Target: target, Result: audit.Denied, ClientIP: who.ClientIP,
		RequestID: who.RequestID, Detail: map[string]string{"item": itemCode, "error": err.Error()}})
}

// recordUnit appends the audit record of a unit's step in its transaction; an
// agent's record says which grant it used.
func (s *Service) recordUnit(ctx context.Context, tx *store.Tx, who Actor, action string, id int64, itemCode string,
	detail map[string]string) error {
	detail["item"] = itemCode
	if who.Role == unit.RoleAgent {
		detail["grant"] = itemCode
	}
	_, err := s.d.Audit.Append(ctx, tx, audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID, Role: string(who.Role),
		Action: action, Target: caseTarget(id), Result: audit.Success, ClientIP: who.ClientIP, RequestID: who.RequestID,
		Detail: detail})
	return err
}
