package sms

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

// Check verifies code for the flow (purpose, binding, mobile) and consumes it: a code
// works once, before its expiry, and only for the flow it was issued to. The code is
// read with ParseCode, so full-width digits and spaces are accepted. Errors:
//   - ErrCodeInvalid: the code is wrong (this counts as a wrong attempt), malformed, or
//     there is no usable code for the flow (never issued, already used, superseded,
//     or issued for another binding or mobile) — these do not count;
//   - ErrCodeExpired: the flow's current code has expired (not counted);
//   - ErrTooManyAttempts: the flow has had MaxAttempts wrong codes, including the one
//     just entered; the code is dead even if right, and so is every later code of the
//     flow (see Issue);
//   - ErrInvalidRequest (wrapped) for a bad purpose or an empty binding;
//   - ErrNoKeys when the database has no data keys;
//   - otherwise a database failure.
//
// The first three match with errors.Is, unwrap to an *ident.FieldError and have
// FieldMessage() string, the message to show beside the code field.
//
// A success resets the flow's wrong-attempt count: the person has shown they hold
// the mobile.
func (c *Codes) Check(ctx context.Context, purpose, binding, mobile, code string) error {
	return c.inOwnTx(ctx, purpose, binding, mobile, code, true)
}

// Verify is Check without consuming the code: a right code stays usable (for
// CheckTx), a wrong one counts as a wrong attempt all the same (committed at once).
// Errors as for Check. A flow whose last step must not lose the code without its
// result (registration creates an account) verifies first, does its slow work, and
// consumes with CheckTx in the transaction that stores the result.
func (c *Codes) Verify(ctx context.Context, purpose, binding, mobile, code string) error {
	return c.inOwnTx(ctx, purpose, binding, mobile, code, false)
}

// CheckTx is Check inside the caller's transaction: the code is consumed only if tx
// commits, so a rolled-back transaction leaves it usable. A wrong code's count is
// rolled back with tx too, which is why callers Verify first. Errors as for Check.
func (c *Codes) CheckTx(ctx context.Context, tx *store.Tx, purpose, binding, mobile, code string) error {
	req, err := c.checkRequest(purpose, binding, mobile, code)
	if err != nil {
		return err
	}
	result, err := c.check(ctx, tx, req, true)
	if err != nil {
		return err
	}
	return result
}

// checkReq is a Check's arguments, validated and normalised.
type checkReq struct {
	purpose, binding, mobile string
	want                     string // the code's hash
}

// checkRequest validates the arguments of Check. A malformed code or mobile is the
// field error ErrCodeInvalid (the person typed something wrong); a bad purpose or
// binding is the caller's mistake.
func (c *Codes) checkRequest(purpose, binding, mobile, code string) (checkReq, error) {
	if err := checkPurpose(purpose); err != nil {
		return checkReq{}, err
	}
	if binding == "" || len(binding) > maxBinding {
		return checkReq{}, fmt.Errorf("%w: binding missing or longer than %d bytes", ErrInvalidRequest, maxBinding)
	}
	digits, ok := ParseCode(code)
	if !ok {
		return checkReq{}, field(ErrCodeInvalid)
	}
	m, err := ident.NormalizeMobile(mobile)
	if err != nil {
		return checkReq{}, field(ErrCodeInvalid)
	}
	return checkReq{purpose: purpose, binding: binding, mobile: m, want: c.codeHash(purpose, binding, m, digits)}, nil
}

// inOwnTx runs check in a transaction of its own.
func (c *Codes) inOwnTx(ctx context.Context, purpose, binding, mobile, code string, consume bool) error {
	req, err := c.checkRequest(purpose, binding, mobile, code)
	if err != nil {
		return err
	}
	var result error
	err = c.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		result, err = c.check(ctx, tx, req, consume)
		return err
	})
	if err != nil {
		return err
	}
	return result
}

// check verifies the code in tx, which it locks the flow row of, and consumes it when
// consume is set. result is the person's refusal (a field error), err a database
// failure.
func (c *Codes) check(ctx context.Context, tx *store.Tx, req checkReq, consume bool) (result, err error) {
	now := c.clock()
	index, err := mobileIndex(tx.Keys(), req.mobile)
	if err != nil {
		return nil, err
	}
	var flowID int64
	var failures int
	err = tx.QueryRow(ctx, "SELECT id, failures FROM sms_flows WHERE purpose = ? AND binding_hash = ? AND mobile_index = ?"+forUpdate(tx),
		req.purpose, bindingHash(req.binding), index).Scan(&flowID, &failures)
	if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) {
		return field(ErrCodeInvalid), nil
	} else if err != nil {
		return nil, fmt.Errorf("sms: read flow: %w", err)
	}
	if failures >= c.cfg.MaxAttempts {
		return field(ErrTooManyAttempts), nil
	}

	var codeID int64
	var stored string
	var expires time.Time
	err = tx.QueryRow(ctx, "SELECT id, code_hash, expires_at FROM sms_codes WHERE flow_id = ? AND state = 'active'", flowID).
		Scan(&codeID, &stored, &expires)
	if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) {
		return field(ErrCodeInvalid), nil
	} else if err != nil {
		return nil, fmt.Errorf("sms: read code: %w", err)
	}
	if !now.Before(expires) {
		return field(ErrCodeExpired), nil
	}

	if !hmac.Equal([]byte(stored), []byte(req.want)) {
		if _, err := tx.Exec(ctx, "UPDATE sms_flows SET failures = failures + 1, updated_at = ? WHERE id = ?", now, flowID); err != nil {
			return nil, fmt.Errorf("sms: count wrong code: %w", err)
		}
		if failures+1 >= c.cfg.MaxAttempts {
			return field(ErrTooManyAttempts), nil
		}
		return field(ErrCodeInvalid), nil
	}
	if !consume {
		return nil, nil
	}
	r, err := tx.Exec(ctx, "UPDATE sms_codes SET state = 'used', used_at = ? WHERE id = ? AND state = 'active'", now, codeID)
	if err != nil {
		return nil, fmt.Errorf("sms: consume code: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil || n != 1 {
		// Cannot happen while the flow row is locked; fail closed if it does.
		return nil, fmt.Errorf("sms: consume code %d: %d rows (%v)", codeID, n, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE sms_flows SET failures = 0, updated_at = ? WHERE id = ?", now, flowID); err != nil {
		return nil, fmt.Errorf("sms: touch flow: %w", err)
	}
	return nil, nil
}

// FlowRetention is how long an idle flow (and its codes and wrong-attempt count) is
// kept before Purge removes it.
const FlowRetention = 24 * time.Hour

// Purge deletes state that no longer matters: flows idle for FlowRetention with their
// codes, and rate rows of past Asia/Shanghai days whose resend window has closed. Run
// it periodically (any process; it is idempotent). Errors are database failures.
func (c *Codes) Purge(ctx context.Context) error {
	now := c.clock()
	cutoff := now.Add(-FlowRetention)
	today := day(now)
	return c.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sms_codes WHERE flow_id IN (SELECT id FROM sms_flows WHERE updated_at < ?)", cutoff); err != nil {
			return fmt.Errorf("sms: purge codes: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sms_flows WHERE updated_at < ?", cutoff); err != nil {
			return fmt.Errorf("sms: purge flows: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sms_mobile_rate WHERE day < ? AND resend_at < ?", today, now); err != nil {
			return fmt.Errorf("sms: purge mobile rates: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sms_addr_rate WHERE day < ?", today); err != nil {
			return fmt.Errorf("sms: purge address rates: %w", err)
		}
		return nil
	})
}
