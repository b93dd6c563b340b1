package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"hall/internal/chinatime"
	"hall/internal/person"
	"hall/internal/sealed"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/validity"
)

// SMS purposes of this package (sms.Message.Purpose: template selection, statistics).
const (
	purposeInvite = "delegation-invite"
	purposeRemind = "delegation-remind"
)

func minute(t time.Time) string { return t.In(chinatime.Zone).Format("2006年01月02日 15:04") }

// inviteText is the invitation SMS (seed: "…添加您为单位管理员，请登录…APP，前往[我的]-
// [企业服务]-[我是经办人]模块进行确认").
func inviteText(sign, inviter, unitName string, role unit.Role, expires time.Time) string {
	return fmt.Sprintf("【%s】%s邀请您成为%s的%s，请在掌上APP“我的-企业服务-我是经办人”中确认，%s前有效。",
		sign, inviter, unitName, role.Label(), minute(expires))
}

// remindHolderText tells an admin or agent that its grant ends soon. The end is
// written as every page shows it (validity.End): the last day, as it was typed.
func remindHolderText(sign, unitName string, role unit.Role, until time.Time) string {
	return fmt.Sprintf("【%s】您在%s的%s授权有效期至%s，即将到期，到期后将无法代表该单位办理业务。如需延期，请联系单位法定代表人或管理员。",
		sign, unitName, role.Label(), validity.End(until))
}

// remindGrantorText tells the grantor that a grant it gave ends soon.
func remindGrantorText(sign, unitName string, role unit.Role, holder string, until time.Time) string {
	return fmt.Sprintf("【%s】您为%s授权的%s%s有效期至%s，即将到期。如需延期，请登录网上办事服务大厅在“经办人管理”中修改授权有效期。",
		sign, unitName, role.Label(), holder, validity.End(until))
}

// queueNotice stores a text message for person in the command's transaction; run
// delivers it after commit.
func (t *txn) queueNotice(personID int64, purpose, text string) error {
	id, err := insertNotice(t.ctx, t.Tx, personID, purpose, text, t.now)
	if err != nil {
		return err
	}
	t.notices = append(t.notices, id)
	return nil
}

// A queued text message names the person's unit, role and the inviter or holder,
// so its text is sealed at rest (internal/sealed, docs/data-protection.md):
// delegation_notices.text is a sealed value bound to the table, the column and the
// notice's id, sealed right after the insert in the same transaction and opened by
// the sender. Notices are found by id and state only, so there is no blind index.

// NoticePlace is where the sealed text of notice id belongs.
func NoticePlace(id int64) sealed.Place { return sealed.RowPlace("delegation_notices", "text", id) }

// insertNotice queues text for person in tx, sealed. Errors: person.ErrNoKeys;
// database failures.
func insertNotice(ctx context.Context, tx *store.Tx, personID int64, purpose, text string, now time.Time) (int64, error) {
	keys := tx.Keys()
	if keys == nil {
		return 0, person.ErrNoKeys
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO delegation_notices (person_id, purpose, text, created_at)
		VALUES (?, ?, ?, ?) RETURNING id`, personID, purpose, []byte{}, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("delegation: queue notice: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE delegation_notices SET text = ? WHERE id = ?`,
		keys.SealString(NoticePlace(id), text), id); err != nil {
		return 0, fmt.Errorf("delegation: seal notice: %w", err)
	}
	return id, nil
}

// QueueText stores a text message for person in tx, for a change made outside this
// package that makes a delegation (历史单位用户升级's new administrator): call
// DeliverText with its ID once tx has committed, and the Runner retries it until it
// is sent or Config.NoticeAttempts is spent, as this package's own notices. The
// message is sent to the person's mobile as it is at delivery. Errors:
// person.ErrNoKeys; database failures.
func (s *Service) QueueText(ctx context.Context, tx *store.Tx, personID int64, purpose, text string) (int64, error) {
	return insertNotice(ctx, tx, personID, purpose, text, store.Time(s.now()))
}

// Delivery is what one attempt at a queued text message came to.
type Delivery int

const (
	// Sent: this attempt handed the message to the gateway.
	Sent Delivery = iota + 1
	// Retrying: the gateway failed for now; the Runner tries again.
	Retrying
	// GivenUp: the gateway refused the message as undeliverable, or its last
	// attempt failed; it will not be sent.
	GivenUp
	// Elsewhere: another sender holds the message, or it was already done.
	Elsewhere
)

// DeliverText tries to send the message QueueText stored as id now. For Retrying
// and GivenUp the error is the gateway's (errors.Is sms.ErrUnavailable,
// sms.ErrUndeliverable) or, for GivenUp, sealed's (sealed.ErrMalformed,
// ErrUnknownKey, ErrAuthentication: the text does not open and is not sent);
// otherwise a non-nil error is a database failure, person.ErrNoKeys or a mobile
// that does not open, and the message stays due for the Runner.
func (s *Service) DeliverText(ctx context.Context, id int64) (Delivery, error) {
	d, sendErr, err := s.deliverOne(ctx, id)
	if err != nil {
		return 0, err
	}
	return d, sendErr
}

// deliver tries to send the given notices now and reports whether all were handed
// to the gateway. Failures are left to the Runner (DeliverNotices).
func (s *Service) deliver(ctx context.Context, ids []int64) bool {
	all := true
	for _, id := range ids {
		if d, _, err := s.deliverOne(ctx, id); d != Sent || err != nil {
			all = false
		}
	}
	return all
}

// DeliverNotices sends the text messages that are still due (failed earlier, or
// left behind by a process that died) and returns how many it sent. Safe to run
// from several processes: each message is claimed by one sender at a time. A
// message whose text, or whose recipient's mobile, does not open is given up
// (logged, never sent) and the run goes on with the next. Errors: database
// failures and person.ErrNoKeys (no data key configured); gateway failures and
// unreadable values are recorded on the message.
func (s *Service) DeliverNotices(ctx context.Context) (int, error) {
	stale := store.Time(s.now().Add(-s.cfg.NoticeLease))
	rows, err := s.db.Query(ctx, `SELECT id FROM delegation_notices
		WHERE sent_at IS NULL AND failed_at IS NULL AND (claimed_at IS NULL OR claimed_at <= ?)
		ORDER BY id LIMIT 100`, stale)
	if err != nil {
		return 0, fmt.Errorf("delegation: due notices: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
			return 0, err
		}
		ids = append(ids, id)
	}
	_ = rows.Close() // rows.Err reports any read failure; Close only frees the connection
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	for _, id := range ids {
		d, _, err := s.deliverOne(ctx, id)
		if err != nil {
			return sent, err
		}
		if d == Sent {
			sent++
		}
	}
	return sent, nil
}

// deliverOne claims notice id, sends it and records the outcome. The claim is a
// conditional UPDATE: of two processes only one gets the row, so a message is sent
// once; only a crash between sending and recording it (the lease then runs out)
// sends it again. It reports what the attempt came to and the gateway's error (the
// outcome recorded on the row, or sealed's error for a text or a recipient's mobile
// that does not open, given up); err is a database failure or person.ErrNoKeys.
func (s *Service) deliverOne(ctx context.Context, id int64) (d Delivery, sendErr, err error) {
	now := store.Time(s.now())
	var personID int64
	var purpose string
	var sealedText []byte
	var attempts int
	var keys *sealed.Keys
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		keys = tx.Keys()
		return tx.QueryRow(ctx, `UPDATE delegation_notices SET claimed_at = ?, attempts = attempts + 1
			WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL AND (claimed_at IS NULL OR claimed_at <= ?)
			RETURNING person_id, purpose, text, attempts`, now, id, store.Time(now.Add(-s.cfg.NoticeLease))).
			Scan(&personID, &purpose, &sealedText, &attempts)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Elsewhere, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("delegation: claim notice: %w", err)
	}
	// No data key at all is a fault of the configuration, not of this notice: the
	// claim stays, so the Runner tries again once the lease is over.
	if keys == nil {
		return 0, nil, person.ErrNoKeys
	}
	text, err := keys.OpenString(NoticePlace(id), sealedText)
	if err != nil {
		// A text that does not open (changed, moved from another notice, or sealed
		// under a key no longer configured) will not open on the next attempt either:
		// the notice is given up, so it neither blocks the notices after it nor stays
		// due for ever, and SweepNotices deletes it in time.
		return s.giveUpUnreadable(ctx, id, fmt.Errorf("delegation: notice text: %w", err))
	}
	var sealedMobile []byte
	if err := s.db.QueryRow(ctx, `SELECT mobile FROM persons WHERE id = ?`, personID).Scan(&sealedMobile); err != nil {
		return 0, nil, fmt.Errorf("delegation: notice mobile: %w", err)
	}
	mobile, err := person.Open(keys, person.ColumnMobile, personID, sealedMobile)
	if sealed.Unreadable(err) {
		// The recipient's mobile will not open on the next attempt either: as with an
		// unreadable text, the notice is given up rather than ending every run here.
		return s.giveUpUnreadable(ctx, id, fmt.Errorf("delegation: notice mobile: %w", err))
	}
	if err != nil {
		return 0, nil, fmt.Errorf("delegation: notice mobile: %w", err)
	}
	sendErr = s.sms.Send(ctx, sms.Message{Mobile: mobile, Text: text, Purpose: purpose})
	done := store.Time(s.now())
	var q string
	var args []any
	switch {
	case sendErr == nil:
		d, q, args = Sent, `UPDATE delegation_notices SET sent_at = ? WHERE id = ?`, []any{done, id}
	case errors.Is(sendErr, sms.ErrUndeliverable) || attempts >= s.cfg.NoticeAttempts:
		d, q, args = GivenUp, `UPDATE delegation_notices SET failed_at = ? WHERE id = ?`, []any{done, id}
	default: // transient: give the claim back so that the next run tries again
		d, q, args = Retrying, `UPDATE delegation_notices SET claimed_at = NULL WHERE id = ?`, []any{id}
	}
	if _, err := s.db.Exec(context.WithoutCancel(ctx), q, args...); err != nil {
		return 0, sendErr, fmt.Errorf("delegation: record notice: %w", err)
	}
	return d, sendErr, nil
}

// giveUpUnreadable marks notice id, whose text or recipient's mobile does not open,
// given up and logs why (the notice's id and sealed's error, never a value). It reports GivenUp with
// openErr as the attempt's error; err is a database failure recording it.
func (s *Service) giveUpUnreadable(ctx context.Context, id int64, openErr error) (Delivery, error, error) {
	slog.Default().Warn("delegation: notice given up, a sealed value does not open", "notice", id, "err", openErr)
	if _, err := s.db.Exec(context.WithoutCancel(ctx), `UPDATE delegation_notices SET failed_at = ? WHERE id = ?`,
		store.Time(s.now()), id); err != nil {
		return 0, openErr, fmt.Errorf("delegation: record notice: %w", err)
	}
	return GivenUp, openErr, nil
}

// NoticeRetention is how long a text message that was sent, or given up on, stays in
// delegation_notices before SweepNotices deletes it: the text names the unit and the
// role, and the audit log keeps the delegation itself. A month answers a question
// about a message that did not arrive.
const NoticeRetention = 30 * 24 * time.Hour

// SweepNotices deletes the text messages sent or given up on more than keep ago and
// returns how many. Messages still due are kept, however old. Idempotent; any
// process may run it. Errors: database failures.
func (s *Service) SweepNotices(ctx context.Context, keep time.Duration) (int, error) {
	cutoff := store.Time(s.now().Add(-max(keep, 0)))
	res, err := s.db.Exec(ctx, `DELETE FROM delegation_notices WHERE sent_at < ? OR failed_at < ?`, cutoff, cutoff)
	if err != nil {
		return 0, fmt.Errorf("delegation: sweep notices: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delegation: sweep notices: %w", err)
	}
	return int(n), nil
}
