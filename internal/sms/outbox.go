package sms

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
)

// Outbox is the DEVELOPMENT sender: it delivers nothing and stores every accepted
// message in sms_outbox for developers to read. It refuses what a real gateway
// refuses and can be told to fail, so callers' failure paths run in development too.
// Never select it in production mode.
//
// The texts hold codes, names and links, so the table holds them sealed (internal/
// sealed): the mobile and the text are sealed for their column and row, and the
// messages to a mobile are found by mobile_index, the mobile's blind index (kind
// sealed.KindMobile, of the normalized 11-digit number), searched under every key
// (sealed.Keys.Indexes) so that a message sent just before a key rotation is still
// found until the rotation re-indexes its row. A row that does not open under the
// configured keys (another data key, or changed in the database) is nobody's message
// (Latest, SentTo) and is listed as Unreadable (List).
type Outbox struct {
	db   *store.DB
	keys *sealed.Keys
	now  func() time.Time

	mu   sync.Mutex
	fail []error // errors for the next sends, in order
}

var _ Sender = (*Outbox)(nil)

// OutboxMessage is a message stored in the development outbox.
type OutboxMessage struct {
	ID        int64
	Mobile    string // normalised, 11 digits; "" when Unreadable
	Text      string
	Purpose   string
	CreatedAt time.Time // UTC
	// Unreadable: the row does not open with the configured data keys (sealed under
	// another process's development key, or changed in the database). List shows it
	// with its plain columns (ID, Purpose, CreatedAt) and Text saying so, instead of
	// failing the whole page for one row.
	Unreadable bool
}

// UnreadableText stands for the text of an Unreadable message.
const UnreadableText = "（无法读取：此条短信以另一数据密钥加密，或在数据库中被改动）"

// Page selects one page of a list: Page from 1 (below 1 means 1), PerPage
// DefaultPerPage when ≤ 0 and at most MaxPerPage.
type Page struct {
	Page    int
	PerPage int
}

// Paging limits of Outbox.List.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	maxPage        = 1 << 20
)

// NewOutbox returns the development sender on db, sealing what it stores under keys.
// now is the clock (nil: time.Now).
func NewOutbox(db *store.DB, keys *sealed.Keys, now func() time.Time) *Outbox {
	if now == nil {
		now = time.Now
	}
	return &Outbox{db: db, keys: keys, now: now}
}

// outboxPlace is where a sealed column of the outbox row id belongs.
func outboxPlace(column string, id int64) sealed.Place {
	return sealed.Place{Table: "sms_outbox", Column: column, Row: strconv.FormatInt(id, 10)}
}

// FailNext makes the next Send return err instead of storing its message; calls
// queue up, one error per Send. Wrap ErrUndeliverable in err to simulate a permanent
// refusal; any other error is a transient failure.
func (o *Outbox) FailNext(err error) {
	if err == nil {
		err = fmt.Errorf("%w: development outbox told to fail", ErrUnavailable)
	}
	o.mu.Lock()
	o.fail = append(o.fail, err)
	o.mu.Unlock()
}

func (o *Outbox) nextFailure() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.fail) == 0 {
		return nil
	}
	err := o.fail[0]
	o.fail = o.fail[1:]
	return err
}

// Send stores msg in the outbox. Errors: ErrUndeliverable (wrapped) for an invalid
// mobile or an empty, over-long or non-UTF-8 text, as a gateway would refuse them;
// the error queued by FailNext; ctx's error when ctx is done; database failures
// (transient).
func (o *Outbox) Send(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := o.nextFailure(); err != nil {
		return err
	}
	mobile, err := ident.NormalizeMobile(msg.Mobile)
	if err != nil {
		return fmt.Errorf("%w: invalid mobile number", ErrUndeliverable)
	}
	if err := checkText(msg.Text); err != nil {
		return err
	}
	at := o.now().UTC().Truncate(time.Microsecond)
	// The sealed values are bound to the row's ID, which the insert assigns: the row
	// is inserted with empty values and sealed in the same transaction, so no reader
	// ever sees it empty.
	err = o.db.Tx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "INSERT INTO sms_outbox (mobile, mobile_index, text, purpose, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			[]byte{}, o.keys.Index(sealed.KindMobile, mobile), []byte{}, msg.Purpose, at).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE sms_outbox SET mobile = ?, text = ? WHERE id = ?",
			o.keys.SealString(outboxPlace("mobile", id), mobile), o.keys.SealString(outboxPlace("text", id), msg.Text), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sms: outbox: store message: %w", err)
	}
	return nil
}

const outboxColumns = "id, mobile, text, purpose, created_at"

// List returns one page of the outbox, newest first, and the number of messages; a
// row that does not open is listed as Unreadable, with its ID, Purpose and
// CreatedAt, which are not sealed. Errors are database failures.
func (o *Outbox) List(ctx context.Context, p Page) ([]OutboxMessage, int, error) {
	perPage := p.PerPage
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	page := min(max(p.Page, 1), maxPage)
	var total int
	if err := o.db.QueryRow(ctx, "SELECT COUNT(*) FROM sms_outbox").Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sms: outbox: count: %w", err)
	}
	// Newest is the highest id: ids follow insertion order, created_at follows the
	// (possibly fake) clock.
	rows, err := o.db.Query(ctx, "SELECT "+outboxColumns+" FROM sms_outbox ORDER BY id DESC LIMIT ? OFFSET ?",
		perPage, (page-1)*perPage)
	if err != nil {
		return nil, 0, fmt.Errorf("sms: outbox: list: %w", err)
	}
	defer rows.Close()
	out := make([]OutboxMessage, 0, perPage)
	for rows.Next() {
		m, err := o.scanOne(rows)
		if sealed.Unreadable(err) {
			m.Text, m.Unreadable = UnreadableText, true
		} else if err != nil {
			return nil, 0, fmt.Errorf("sms: outbox: list: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sms: outbox: list: %w", err)
	}
	return out, total, nil
}

// scanner is a row of outboxColumns.
type scanner interface{ Scan(dest ...any) error }

// scanOne reads and opens one row of outboxColumns. Errors: the scan's (with no
// message), and sealed's when a sealed column does not open (a row sealed under
// another data key, or changed in the database: unreadable), with the message's
// plain columns (ID, Purpose, CreatedAt) and neither Mobile nor Text.
func (o *Outbox) scanOne(row scanner) (OutboxMessage, error) {
	var m OutboxMessage
	var mobile, text []byte
	if err := row.Scan(&m.ID, &mobile, &text, &m.Purpose, &m.CreatedAt); err != nil {
		return OutboxMessage{}, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	plain := m
	var err error
	if m.Mobile, err = o.keys.OpenString(outboxPlace("mobile", m.ID), mobile); err != nil {
		return plain, err
	}
	if m.Text, err = o.keys.OpenString(outboxPlace("text", m.ID), text); err != nil {
		return plain, err
	}
	return m, nil
}

// sentTo reads the rows of the messages to mobile n (normalised), in their order,
// and closes rows: those that open and whose sealed mobile is n. A row that does
// not open, or whose look-up column was copied from another row's (its sealed
// mobile is not n), is not one of n's messages. It stops at the limit-th message
// (limit ≤ 0: no limit) and opens no row after it. Errors are database failures.
func (o *Outbox) sentTo(rows *sql.Rows, n string, limit int) ([]OutboxMessage, error) {
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		m, err := o.scanOne(rows)
		if sealed.Unreadable(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Mobile != n {
			continue
		}
		out = append(out, m)
		if len(out) == limit {
			return out, nil
		}
	}
	return out, rows.Err()
}

// Latest returns the newest message sent to mobile (in any accepted notation) that
// opens (sentTo). Errors: store.ErrNotFound when there is none (or mobile is not a
// valid number); otherwise database failures.
func (o *Outbox) Latest(ctx context.Context, mobile string) (OutboxMessage, error) {
	n, err := ident.NormalizeMobile(mobile)
	if err != nil {
		return OutboxMessage{}, store.ErrNotFound
	}
	match, args := o.mobileMatch(n)
	rows, err := o.db.Query(ctx, "SELECT "+outboxColumns+" FROM sms_outbox WHERE "+match+" ORDER BY id DESC", args...)
	if err != nil {
		return OutboxMessage{}, fmt.Errorf("sms: outbox: latest: %w", err)
	}
	// Newest first: the first of n's messages is the one, and no older row is opened.
	out, err := o.sentTo(rows, n, 1)
	if err != nil {
		return OutboxMessage{}, fmt.Errorf("sms: outbox: latest: %w", err)
	}
	if len(out) == 0 {
		return OutboxMessage{}, store.ErrNotFound
	}
	return out[0], nil
}

// SentTo returns every message in the outbox to mobile (in any accepted notation)
// that opens (sentTo), oldest first; none for a mobile that is not a valid number.
// Errors are database failures.
func (o *Outbox) SentTo(ctx context.Context, mobile string) ([]OutboxMessage, error) {
	n, err := ident.NormalizeMobile(mobile)
	if err != nil {
		return nil, nil
	}
	match, args := o.mobileMatch(n)
	rows, err := o.db.Query(ctx, "SELECT "+outboxColumns+" FROM sms_outbox WHERE "+match+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("sms: outbox: sent to: %w", err)
	}
	out, err := o.sentTo(rows, n, 0)
	if err != nil {
		return nil, fmt.Errorf("sms: outbox: sent to: %w", err)
	}
	return out, nil
}

// mobileMatch is the condition on mobile_index that finds a normalized mobile's rows
// indexed under any of the keys, the primary's or a previous one's, and its
// arguments.
func (o *Outbox) mobileMatch(normalized string) (string, []any) {
	return store.IndexMatch("mobile_index", o.keys.Indexes(sealed.KindMobile, normalized))
}

// OutboxRetention is how long a message stays in the development outbox before
// Sweep deletes it: the texts hold mobiles, codes and invitation links, and a week
// covers the longest of those links (an invitation's seven days).
const OutboxRetention = 7 * 24 * time.Hour

// Sweep deletes the messages stored more than keep ago and returns how many.
// Idempotent; any process may run it. Errors: database failures.
func (o *Outbox) Sweep(ctx context.Context, keep time.Duration) (int, error) {
	cutoff := o.now().Add(-max(keep, 0)).UTC().Truncate(time.Microsecond)
	res, err := o.db.Exec(ctx, "DELETE FROM sms_outbox WHERE created_at < ?", cutoff)
	if err != nil {
		return 0, fmt.Errorf("sms: outbox: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sms: outbox: sweep: %w", err)
	}
	return int(n), nil
}
