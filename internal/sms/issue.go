package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

// Request asks for a code.
type Request struct {
	Purpose    string // business step: 1–32 of a-z 0-9 '-', starting with a letter
	Binding    string // opaque; ties the code to the session or saved flow that asked
	Mobile     string // as typed; normalised with ident.NormalizeMobile
	ClientAddr string // the client's IP address (with or without port)
	// Withhold: everything happens as for a real send (the limits are counted, the
	// resend window set, a code stored and made the flow's active code) except the
	// message itself, which does not go out; the answer comes after about the time
	// a real send takes. The login form uses it for a mobile without an account, so
	// that nothing (countdown, later refusals, wrong-code counts, timing) tells it
	// from a registered one. Nobody learns the code, so it is never entered.
	Withhold bool
}

// Issued describes a code that was sent.
type Issued struct {
	ID        int64     // the code's row ID (for logs; the code itself is never returned)
	ExpiresAt time.Time // UTC
	ResendAt  time.Time // UTC: the earliest time another code can be sent to the mobile
}

// reservation is what step 1 of Issue reserved, for steps 2 and 3.
type reservation struct {
	flowID, codeID int64
	mobileIndex    []byte // the mobile's blind index (mobileIndex), which keys its rate row
	addr           string
	day            string    // the Asia/Shanghai day the counts were taken in
	resendAt       time.Time // the mobile's resend time set by this reservation
	prevResendAt   time.Time // and the one before, restored if the send fails
}

// Issue generates a code for the request's flow, sends it by SMS to the mobile and
// makes it the flow's only usable code (older unused ones stop working once it is
// sent). Errors:
//   - an *ident.FieldError matching ident.ErrMobileFormat for an invalid mobile;
//   - a *RateError matching ErrTooSoon while the mobile's resend window is open, or
//     ErrDailyLimit when the mobile or the client address has had its codes for the
//     Asia/Shanghai day (nothing is sent);
//   - ErrTooManyAttempts when the flow is dead (MaxAttempts wrong codes): a new code
//     would not help, the caller must start a new flow;
//   - an error wrapping ErrUndeliverable when the gateway refuses the message for good
//     (the send still counts against the limits), or ErrUnavailable when sending
//     failed transiently (the send does not count; the person may retry at once);
//   - ErrInvalidRequest (wrapped) for a bad purpose, an empty binding or client
//     address;
//   - ErrNoKeys when the database has no data keys;
//   - otherwise a database failure.
func (c *Codes) Issue(ctx context.Context, r Request) (Issued, error) {
	if err := checkPurpose(r.Purpose); err != nil {
		return Issued{}, err
	}
	if r.Binding == "" || len(r.Binding) > maxBinding {
		return Issued{}, fmt.Errorf("%w: binding missing or longer than %d bytes", ErrInvalidRequest, maxBinding)
	}
	mobile, err := ident.NormalizeMobile(r.Mobile)
	if err != nil {
		var fe *ident.FieldError
		if errors.As(err, &fe) {
			return Issued{}, field(fe)
		}
		return Issued{}, err
	}
	addr, err := addrKey(r.ClientAddr)
	if err != nil {
		return Issued{}, err
	}
	code, err := newCode()
	if err != nil {
		return Issued{}, err
	}
	index, err := mobileIndex(c.db.Keys(), mobile)
	if err != nil {
		return Issued{}, err
	}
	res, err := c.reserve(ctx, r.Purpose, bindingHash(r.Binding), index, addr, c.codeHash(r.Purpose, r.Binding, mobile, code))
	if err != nil {
		return Issued{}, err
	}

	var sendErr error
	if r.Withhold {
		c.sendTime.wait(ctx)
	} else {
		start := time.Now()
		sendErr = c.sender.Send(ctx, Message{Mobile: mobile, Text: c.Text(code), Purpose: r.Purpose})
		if sendErr == nil {
			c.sendTime.observe(time.Since(start))
		}
	}
	// Step 3 must run even when the request was cancelled during the send: the
	// reservation has to be completed or given back.
	bg := context.WithoutCancel(ctx)
	if sendErr != nil {
		permanent := errors.Is(sendErr, ErrUndeliverable)
		if !permanent && !errors.Is(sendErr, ErrUnavailable) {
			sendErr = fmt.Errorf("%w: %w", ErrUnavailable, sendErr)
		}
		if err := c.release(bg, res, !permanent); err != nil {
			return Issued{}, errors.Join(fmt.Errorf("sms: send code to %s: %w", ident.MaskMobile(mobile), sendErr), err)
		}
		return Issued{}, fmt.Errorf("sms: send code to %s: %w", ident.MaskMobile(mobile), sendErr)
	}
	expires, err := c.activate(bg, res)
	if err != nil {
		return Issued{}, err
	}
	return Issued{ID: res.codeID, ExpiresAt: expires, ResendAt: res.resendAt}, nil
}

// forUpdate is the row-lock suffix of a SELECT: PostgreSQL needs it to serialize
// read-then-write transactions on one row; SQLite's write transactions (BEGIN
// IMMEDIATE on one writer connection) are serialized already.
func forUpdate(tx *store.Tx) string {
	if tx.Engine() == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// reserve is step 1 of Issue: in one transaction, lock the flow, the mobile's rate
// row and the address's rate row (always in this order, so concurrent transactions
// cannot deadlock), check the limits, count the send and store the code as pending.
// A refusal rolls everything back, so refused requests leave no rows. The flow and
// the rate row are keyed by the mobile's blind index, index (mobileIndex).
func (c *Codes) reserve(ctx context.Context, purpose, bhash string, index []byte, addr, chash string) (reservation, error) {
	now := c.clock()
	today := day(now)
	res := reservation{mobileIndex: index, addr: addr, day: today, resendAt: now.Add(c.cfg.ResendAfter)}
	err := c.db.Tx(ctx, func(tx *store.Tx) error {
		lock := forUpdate(tx)
		if _, err := tx.Exec(ctx, `INSERT INTO sms_flows (purpose, binding_hash, mobile_index, failures, created_at, updated_at)
			VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (purpose, binding_hash, mobile_index) DO NOTHING`,
			purpose, bhash, index, now, now); err != nil {
			return fmt.Errorf("sms: create flow: %w", err)
		}
		var failures int
		if err := tx.QueryRow(ctx, "SELECT id, failures FROM sms_flows WHERE purpose = ? AND binding_hash = ? AND mobile_index = ?"+lock,
			purpose, bhash, index).Scan(&res.flowID, &failures); err != nil {
			return fmt.Errorf("sms: read flow: %w", store.NotFound(err))
		}
		if failures >= c.cfg.MaxAttempts {
			return field(ErrTooManyAttempts)
		}

		if _, err := tx.Exec(ctx, `INSERT INTO sms_mobile_rate (mobile_index, day, day_count, resend_at)
			VALUES (?, '', 0, ?) ON CONFLICT (mobile_index) DO NOTHING`, index, time.Unix(0, 0).UTC()); err != nil {
			return fmt.Errorf("sms: create mobile rate: %w", err)
		}
		var mDay string
		var mCount int
		if err := tx.QueryRow(ctx, "SELECT day, day_count, resend_at FROM sms_mobile_rate WHERE mobile_index = ?"+lock, index).
			Scan(&mDay, &mCount, &res.prevResendAt); err != nil {
			return fmt.Errorf("sms: read mobile rate: %w", store.NotFound(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sms_addr_rate (addr, day, day_count)
			VALUES (?, '', 0) ON CONFLICT (addr) DO NOTHING`, addr); err != nil {
			return fmt.Errorf("sms: create address rate: %w", err)
		}
		var aDay string
		var aCount int
		if err := tx.QueryRow(ctx, "SELECT day, day_count FROM sms_addr_rate WHERE addr = ?"+lock, addr).
			Scan(&aDay, &aCount); err != nil {
			return fmt.Errorf("sms: read address rate: %w", store.NotFound(err))
		}

		if mDay != today {
			mCount = 0
		}
		if aDay != today {
			aCount = 0
		}
		switch prev := res.prevResendAt.UTC(); {
		case mCount >= c.cfg.MaxPerMobilePerDay:
			return &RateError{RetryAfter: untilNextDay(now), Reason: ReasonMobileDaily}
		case aCount >= c.cfg.MaxPerAddressPerDay:
			return &RateError{RetryAfter: untilNextDay(now), Reason: ReasonAddressDaily}
		case prev.After(now):
			return &RateError{RetryAfter: prev.Sub(now), Reason: ReasonResend}
		}

		if _, err := tx.Exec(ctx, "UPDATE sms_mobile_rate SET day = ?, day_count = ?, resend_at = ? WHERE mobile_index = ?",
			today, mCount+1, res.resendAt, index); err != nil {
			return fmt.Errorf("sms: count mobile send: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE sms_addr_rate SET day = ?, day_count = ? WHERE addr = ?",
			today, aCount+1, addr); err != nil {
			return fmt.Errorf("sms: count address send: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE sms_flows SET updated_at = ? WHERE id = ?", now, res.flowID); err != nil {
			return fmt.Errorf("sms: touch flow: %w", err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO sms_codes (flow_id, code_hash, state, created_at, expires_at)
			VALUES (?, ?, 'pending', ?, ?) RETURNING id`, res.flowID, chash, now, now.Add(c.cfg.TTL)).Scan(&res.codeID); err != nil {
			return fmt.Errorf("sms: store code: %w", err)
		}
		return nil
	})
	res.prevResendAt = res.prevResendAt.UTC()
	return res, err
}

// activate is step 3 after a successful send: the new code replaces the flow's
// active one and is valid for TTL from now (the person has just received it). It
// returns the expiry.
func (c *Codes) activate(ctx context.Context, res reservation) (time.Time, error) {
	now := c.clock()
	expires := now.Add(c.cfg.TTL)
	err := c.db.Tx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "SELECT id FROM sms_flows WHERE id = ?"+forUpdate(tx), res.flowID).Scan(&id); err != nil {
			return fmt.Errorf("sms: lock flow: %w", store.NotFound(err))
		}
		if _, err := tx.Exec(ctx, "UPDATE sms_codes SET state = 'superseded' WHERE flow_id = ? AND state = 'active'", res.flowID); err != nil {
			return fmt.Errorf("sms: supersede codes: %w", err)
		}
		r, err := tx.Exec(ctx, "UPDATE sms_codes SET state = 'active', expires_at = ? WHERE id = ? AND state = 'pending'", expires, res.codeID)
		if err != nil {
			return fmt.Errorf("sms: activate code: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("sms: activate code %d: %d rows (%v)", res.codeID, n, err)
		}
		_, err = tx.Exec(ctx, "UPDATE sms_flows SET updated_at = ? WHERE id = ?", now, res.flowID)
		return err
	})
	return expires, err
}

// release is step 3 after a failed send: the code never becomes usable, and for a
// transient failure the reservation is given back. The resend time is restored only
// if no other send has moved it since, and a count only within the same day.
func (c *Codes) release(ctx context.Context, res reservation, refund bool) error {
	return c.db.Tx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "SELECT id FROM sms_flows WHERE id = ?"+forUpdate(tx), res.flowID).Scan(&id); err != nil {
			return fmt.Errorf("sms: lock flow: %w", store.NotFound(err))
		}
		if _, err := tx.Exec(ctx, "UPDATE sms_codes SET state = 'failed' WHERE id = ? AND state = 'pending'", res.codeID); err != nil {
			return fmt.Errorf("sms: mark code failed: %w", err)
		}
		if !refund {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE sms_mobile_rate SET
			day_count = CASE WHEN day = ? AND day_count > 0 THEN day_count - 1 ELSE day_count END,
			resend_at = CASE WHEN resend_at = ? THEN ? ELSE resend_at END
			WHERE mobile_index = ?`, res.day, res.resendAt, res.prevResendAt, res.mobileIndex); err != nil {
			return fmt.Errorf("sms: refund mobile send: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE sms_addr_rate SET day_count = day_count - 1 WHERE addr = ? AND day = ? AND day_count > 0",
			res.addr, res.day); err != nil {
			return fmt.Errorf("sms: refund address send: %w", err)
		}
		return nil
	})
}
