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
//   - otherwise a database failure.
//
// The first three match with errors.Is, unwrap to an *ident.FieldError and have
// FieldMessage() string, the message to show beside the code field.
//
// A success resets the flow's wrong-attempt count: the person has shown they hold
// the mobile.
func (c *Codes) Check(ctx context.Context, purpose, binding, mobile, code string) error {
	if err := checkPurpose(purpose); err != nil {
		return err
	}
	if binding == "" || len(binding) > maxBinding {
		return fmt.Errorf("%w: binding missing or longer than %d bytes", ErrInvalidRequest, maxBinding)
	}
	digits, ok := ParseCode(code)
	if !ok {
		return field(ErrCodeInvalid)
	}
	m, err := ident.NormalizeMobile(mobile)
	if err != nil {
		return field(ErrCodeInvalid)
	}
	want := c.codeHash(purpose, binding, m, digits)
	now := c.clock()
	var result error
	err = c.db.Tx(ctx, func(tx *store.Tx) error {
		result = nil
		var flowID int64
		var failures int
		err := tx.QueryRow(ctx, "SELECT id, failures FROM sms_flows WHERE purpose = ? AND binding_hash = ? AND mobile = ?"+forUpdate(tx),
			purpose, bindingHash(binding), m).Scan(&flowID, &failures)
		if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) {
			result = field(ErrCodeInvalid)
			return nil
		} else if err != nil {
			return fmt.Errorf("sms: read flow: %w", err)
		}
		if failures >= c.cfg.MaxAttempts {
			result = field(ErrTooManyAttempts)
			return nil
		}

		var codeID int64
		var stored string
		var expires time.Time
		err = tx.QueryRow(ctx, "SELECT id, code_hash, expires_at FROM sms_codes WHERE flow_id = ? AND state = 'active'", flowID).
			Scan(&codeID, &stored, &expires)
		if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) {
			result = field(ErrCodeInvalid)
			return nil
		} else if err != nil {
			return fmt.Errorf("sms: read code: %w", err)
		}
		if !now.Before(expires) {
			result = field(ErrCodeExpired)
			return nil
		}

		if !hmac.Equal([]byte(stored), []byte(want)) {
			if _, err := tx.Exec(ctx, "UPDATE sms_flows SET failures = failures + 1, updated_at = ? WHERE id = ?", now, flowID); err != nil {
				return fmt.Errorf("sms: count wrong code: %w", err)
			}
			result = field(ErrCodeInvalid)
			if failures+1 >= c.cfg.MaxAttempts {
				result = field(ErrTooManyAttempts)
			}
			return nil
		}
		r, err := tx.Exec(ctx, "UPDATE sms_codes SET state = 'used', used_at = ? WHERE id = ? AND state = 'active'", now, codeID)
		if err != nil {
			return fmt.Errorf("sms: consume code: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			// Cannot happen while the flow row is locked; fail closed if it does.
			return fmt.Errorf("sms: consume code %d: %d rows (%v)", codeID, n, err)
		}
		if _, err := tx.Exec(ctx, "UPDATE sms_flows SET failures = 0, updated_at = ? WHERE id = ?", now, flowID); err != nil {
			return fmt.Errorf("sms: touch flow: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return result
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
