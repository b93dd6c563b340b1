package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/unit"
)

// ErrNotFound: no such delivery of that unit (another unit's is not found either).
var ErrNotFound = errors.New("delivery: not found")

// Deps are what deliveries build on. Now and Log may be nil.
type Deps struct {
	DB      *store.DB
	Carrier Carrier
	Now     func() time.Time
	Log     *slog.Logger
	// DispatchTimeout bounds the carrier call right after an approval, which a
	// reviewer waits for (default 5s); a slower carrier is left to Poll.
	DispatchTimeout time.Duration
}

// Service keeps the deliveries. It keeps no state of its own.
type Service struct{ d Deps }

// New returns the service. Errors: a missing DB or Carrier.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Carrier == nil {
		return nil, errors.New("delivery: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.DispatchTimeout <= 0 {
		d.DispatchTimeout = 5 * time.Second
	}
	return &Service{d: d}, nil
}

// Delivery is one shipment of a case's paper result.
type Delivery struct {
	ID         int64
	CaseID     int64
	CaseNumber string // 申办流水号
	ItemCode   string // the case's item: an agent reads the delivery only with its grant
	ItemName   string
	UnitID     int64
	Recipient  string
	Phone      string // as the address had it; MaskedPhone for pages
	Address    string
	Carrier    string // "" until the carrier accepted the shipment
	TrackingNo string // "" likewise
	Status     Status
	LastError  string // the carrier's last refusal or failure, in Chinese; "" when none
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Unreadable: the recipient, mobile or address did not open (changed in the
	// database, or sealed under a key no longer configured); they are empty and
	// pages say 收件信息无法读取. Logged with the delivery's id.
	Unreadable bool
}

// MaskedPhone is the recipient's telephone as pages show it (SPEC §2).
func (d Delivery) MaskedPhone() string { return unit.MaskPhone(d.Phone) }

// Event is one row of a delivery's history.
type Event struct {
	Status      Status
	At          time.Time
	Place       string
	Description string
}

// The fields of an application form that ask for the paper result by post (U5):
// FieldMail "1" and FieldMailAddress the id of one of the unit's addresses.
const (
	FieldMail        = "mail"
	FieldMailAddress = "mail_address"
)

// ErrNoAddress: the form asks for the post to an address the unit does not have
// (deleted since the form was shown, or another unit's).
var ErrNoAddress = errors.New("delivery: the chosen address is not one of the unit's")

// Offered reports whether the application form of itemCode offers to post the
// paper result: 人员参保登记, whose result is the paper 《参保登记证明》.
func Offered(itemCode string) bool { return itemCode == cases.ItemEnrolment }

// CaseFiled is cases.FilingHook: inside the transaction tx that files (or
// resubmits) case caseID of unitID, it records the form's choice of posting the
// paper result, so that the application and its post commit together or not at
// all. A form of an item that does not offer the post, or that does not ask for
// it, changes nothing (a correction keeps the choice made when applying).
// Errors: ErrNoAddress; database failures (the filing then rolls back).
func (s *Service) CaseFiled(ctx context.Context, tx *store.Tx, caseID, unitID int64, itemCode string, form url.Values,
	now time.Time) error {
	if !Offered(itemCode) || form.Get(FieldMail) != "1" {
		return nil
	}
	id, err := strconv.ParseInt(form.Get(FieldMailAddress), 10, 64)
	if err != nil || id <= 0 {
		return ErrNoAddress
	}
	a, err := address.GetIn(ctx, tx, unitID, id)
	if errors.Is(err, address.ErrNotFound) {
		return ErrNoAddress
	}
	if err != nil {
		return fmt.Errorf("delivery: request: %w", err)
	}
	return RecordRequest(ctx, tx, unitID, caseID, a, now)
}

// RecordRequest records, inside tx, that case caseID of unitID wants its paper result
// posted to a, copied as it is now and sealed with tx's keys. A second request for
// the case replaces the first. The database refuses a unit that is not the case's.
// Errors: ErrNoKeys; database failures.
func RecordRequest(ctx context.Context, tx *store.Tx, unitID, caseID int64, a address.Address, now time.Time) error {
	v, err := sealRecipient(tx.Keys(), tableRequests, caseID, a.Recipient, a.Phone, a.Full())
	if err != nil {
		return fmt.Errorf("delivery: request: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO delivery_requests (case_id, unit_id, recipient, mobile, address, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET recipient = excluded.recipient,
		mobile = excluded.mobile, address = excluded.address, created_at = excluded.created_at`,
		caseID, unitID, v.Recipient, v.Mobile, v.Address, store.Time(now))
	if err != nil {
		return fmt.Errorf("delivery: request: %w", err)
	}
	return nil
}

// Request is where a case's unit asked its paper result be posted, as copied when
// it asked.
type Request struct {
	Recipient string
	Phone     string
	Address   string
	// Unreadable: the stored request does not open (changed, moved, or sealed under
	// a key no longer configured); the other fields are "" and approving the case
	// posts nothing (CaseApproved).
	Unreadable bool
}

// MaskedPhone is the recipient's telephone as pages show it (SPEC §2).
func (r Request) MaskedPhone() string { return unit.MaskPhone(r.Phone) }

// Requested is where case caseID of unitID asked its paper result be posted, and
// whether it asked. A request whose values do not open is reported asked and
// Unreadable (and logged), so that the case's pages still show, and say so.
// Errors: ErrNoKeys; database failures.
func (s *Service) Requested(ctx context.Context, unitID, caseID int64) (Request, bool, error) {
	var v sealedRecipient
	err := s.d.DB.QueryRow(ctx, `SELECT recipient, mobile, address FROM delivery_requests WHERE case_id = ? AND unit_id = ?`,
		caseID, unitID).Scan(&v.Recipient, &v.Mobile, &v.Address)
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, false, nil
	}
	if err != nil {
		return Request{}, false, fmt.Errorf("delivery: requested: %w", err)
	}
	var r Request
	if r.Recipient, r.Phone, r.Address, err = v.open(s.d.DB.Keys(), tableRequests, caseID); sealed.Unreadable(err) {
		s.d.Log.Warn("delivery: the case's delivery request does not open", "case", caseID, "err", err)
		return Request{Unreadable: true}, true, nil
	} else if err != nil {
		return Request{}, false, err
	}
	return r, true, nil
}

// CaseApproved creates, inside the approve transaction tx, the delivery of case
// caseID if its unit asked for the paper result by post: 待揽收, the address as
// requested, with the history's first row. It does nothing for a case that asked
// for none or has its delivery already. The request's recipient is opened and
// sealed again for the delivery's row (a sealed value opens only where it was
// sealed). A request whose values do not open (changed, moved, or sealed under a key
// no longer configured) creates no delivery and is logged: nothing may be posted
// to an address that cannot be read, and the case is approved all the same (its
// pages show the request unreadable, Requested). Errors: ErrNoKeys; database
// failures (the approval then rolls back).
func (s *Service) CaseApproved(ctx context.Context, tx *store.Tx, caseID int64, now time.Time) error {
	now = store.Time(now)
	var unitID int64
	var req sealedRecipient
	err := tx.QueryRow(ctx, `SELECT unit_id, recipient, mobile, address FROM delivery_requests WHERE case_id = ?`, caseID).Scan(
		&unitID, &req.Recipient, &req.Mobile, &req.Address)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delivery: create: %w", err)
	}
	recipient, mobile, addr, err := req.open(tx.Keys(), tableRequests, caseID)
	if sealed.Unreadable(err) {
		s.d.Log.Warn("delivery: the case's delivery request does not open; approved without a delivery",
			"case", caseID, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	v, err := sealRecipient(tx.Keys(), tableDeliveries, caseID, recipient, mobile, addr)
	if err != nil {
		return fmt.Errorf("delivery: create: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (case_id) DO NOTHING RETURNING id`,
		caseID, unitID, v.Recipient, v.Mobile, v.Address, now, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delivery: create: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO delivery_events (delivery_id, status, at, place, description) VALUES (?, ?, ?, '', ?)`,
		id, string(StatusPending), now, "办件已办结，纸质结果已生成快递单，等待快递员揽收"); err != nil {
		return fmt.Errorf("delivery: create: %w", err)
	}
	return nil
}

// AfterApproval hands the delivery of the just approved case caseID, if any, to the
// carrier, within DispatchTimeout. A failure is left to Poll: nothing is lost.
func (s *Service) AfterApproval(ctx context.Context, caseID int64) {
	var id int64
	err := s.d.DB.QueryRow(ctx, `SELECT id FROM deliveries WHERE case_id = ? AND tracking_no IS NULL AND status = 'pending'`,
		caseID).Scan(&id)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.d.Log.Warn("delivery: after approval", "case", caseID, "err", err)
		}
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.d.DispatchTimeout)
	defer cancel()
	if _, err := s.ship(ctx, id); err != nil {
		s.d.Log.Warn("delivery: carrier did not take the shipment yet; the poll job retries", "delivery", id, "err", err)
	}
}

// The messages a delivery keeps of the carrier's failures.
const (
	msgCarrierDown = "快递公司系统暂时无法连接，系统将自动重试"
	msgRefused     = "快递公司拒收："
	msgUnreadable  = "收件信息无法读取，未能交寄，请联系经办窗口"
)

// ClaimTimeout is how long a claim on a delivery (ship) keeps other processes from
// handing it to the carrier. It is longer than any carrier call may take
// (--carrier-timeout is at most a minute, and ship bounds the call by half of it),
// so only the claim of a process that died during the call runs out; the delivery
// is then shipped by the next poll after it.
const ClaimTimeout = 5 * time.Minute

// ship hands pending delivery id to the carrier and stores the waybill, and reports
// whether it did. It first claims the delivery (a conditional UPDATE of
// claimed_at): of several processes shipping it at once, one claims it and calls
// the carrier, the others call nothing and report false. A refusal makes the
// delivery 异常 with the reason; another failure is noted on the delivery and
// returned; either way the claim is released, so the next poll may try again.
// Errors: the carrier's failure; database failures.
func (s *Service) ship(ctx context.Context, id int64) (bool, error) {
	claimed := store.Time(s.d.Now())
	res, err := s.d.DB.Exec(ctx, `UPDATE deliveries SET claimed_at = ? WHERE id = ? AND tracking_no IS NULL AND status = 'pending'
		AND (claimed_at IS NULL OR claimed_at < ?)`, claimed, id, claimed.Add(-ClaimTimeout))
	if err != nil {
		return false, fmt.Errorf("delivery: claim: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		// Shipped, refused, or being shipped by another process meanwhile.
		return false, err
	}
	var sh Shipment
	var v sealedRecipient
	var caseID int64
	var number string
	err = s.d.DB.QueryRow(ctx, `SELECT d.case_id, d.recipient, d.mobile, d.address, c.number FROM deliveries d
		JOIN cases c ON c.id = d.case_id WHERE d.id = ?`, id).Scan(&caseID, &v.Recipient, &v.Mobile, &v.Address, &number)
	if err == nil {
		sh.Recipient, sh.Mobile, sh.Address, err = v.open(s.d.DB.Keys(), tableDeliveries, caseID)
	}
	if sealed.Unreadable(err) {
		// The next poll would find it unreadable again: the delivery stops as an
		// exception the unit sees (with whom to ask) instead of being retried for ever.
		s.d.Log.Warn("delivery: a delivery's recipient does not open; not shipped", "delivery", id, "err", err)
		return false, s.stop(ctx, id, msgUnreadable)
	}
	if err != nil {
		return false, errors.Join(fmt.Errorf("delivery: ship: %w", err), s.release(ctx, id, claimed, ""))
	}
	sh.OrderID = "case-" + number
	callCtx, cancel := context.WithTimeout(ctx, ClaimTimeout/2)
	wb, cerr := s.d.Carrier.Create(callCtx, sh)
	cancel()
	now := store.Time(s.d.Now())
	var refused *RefusedError
	switch {
	case errors.As(cerr, &refused):
		return false, s.stop(ctx, id, msgRefused+refused.Reason)
	case cerr != nil:
		if err := s.release(ctx, id, claimed, msgCarrierDown); err != nil {
			return false, err
		}
		return false, cerr
	}
	// The waybill is stored on a delivery that has none, even if this claim ran
	// out meanwhile: the first waybill stored is the one kept.
	res, err = s.d.DB.Exec(context.WithoutCancel(ctx), `UPDATE deliveries SET carrier = ?, tracking_no = ?, last_error = '',
		updated_at = ?, claimed_at = NULL WHERE id = ? AND tracking_no IS NULL AND status = 'pending'`, wb.Carrier, wb.TrackingNo, now, id)
	if err != nil {
		return false, fmt.Errorf("delivery: store waybill: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// stop ends pending delivery id, not yet shipped, as an exception with msg (in
// its history too), releasing the claim: a carrier's refusal, or a recipient
// that does not open. A delivery shipped or stopped meanwhile is left as it is.
// Errors: database failures.
func (s *Service) stop(ctx context.Context, id int64, msg string) error {
	now := store.Time(s.d.Now())
	return s.d.DB.Tx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE deliveries SET status = 'exception', last_error = ?, updated_at = ?, claimed_at = NULL
			WHERE id = ? AND tracking_no IS NULL AND status = 'pending'`, msg, now, id)
		if err != nil {
			return fmt.Errorf("delivery: stop: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO delivery_events (delivery_id, status, at, place, description)
			VALUES (?, 'exception', ?, '', ?) ON CONFLICT (delivery_id, status, at) DO NOTHING`, id, now, msg)
		return err
	})
}

// release gives up this process's claim (made at claimed) on delivery id, noting
// msg as its last error when not empty, so that the next poll ships it.
func (s *Service) release(ctx context.Context, id int64, claimed time.Time, msg string) error {
	q, args := `UPDATE deliveries SET claimed_at = NULL WHERE id = ? AND claimed_at = ?`, []any{id, claimed}
	if msg != "" {
		q, args = `UPDATE deliveries SET claimed_at = NULL, last_error = ? WHERE id = ? AND claimed_at = ?`, []any{msg, id, claimed}
	}
	if _, err := s.d.DB.Exec(context.WithoutCancel(ctx), q, args...); err != nil {
		return fmt.Errorf("delivery: release claim: %w", err)
	}
	return nil
}

// Filter selects deliveries. Zero fields do not filter.
type Filter struct {
	Status   Status
	From, To time.Time // created on or after From, before To
	Page     int       // from 1
	PerPage  int       // 20 when <= 0, at most 100
	// GrantedTo, when not zero, is the membership of an agent (经办人): only the
	// deliveries of cases whose item that membership is granted are listed, as an
	// agent handles only its granted items (delegation.Service.Authorize). Zero
	// lists every delivery of the unit: the legal rep's and the admin's view.
	GrantedTo int64
}

const deliveryColumns = `d.id, d.case_id, c.number, c.item_code, COALESCE(i.name, c.item_code), d.unit_id, d.recipient, d.mobile, d.address,
	d.carrier, COALESCE(d.tracking_no, ''), d.status, d.last_error, d.created_at, d.updated_at`

const deliveryFrom = ` FROM deliveries d JOIN cases c ON c.id = d.case_id LEFT JOIN catalog_items i ON i.code = c.item_code`

// scanDelivery reads a row of deliveryColumns and opens its recipient; a
// recipient that does not open is logged and the delivery returned with
// Unreadable set, so that one such row neither fails 单位快递 nor the case's page.
// Errors: ErrNotFound; ErrNoKeys; database failures.
func (s *Service) scanDelivery(r interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var v sealedRecipient
	err := r.Scan(&d.ID, &d.CaseID, &d.CaseNumber, &d.ItemCode, &d.ItemName, &d.UnitID, &v.Recipient, &v.Mobile, &v.Address,
		&d.Carrier, &d.TrackingNo, &d.Status, &d.LastError, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, ErrNotFound
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery: read: %w", err)
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.Recipient, d.Phone, d.Address, err = v.open(s.d.DB.Keys(), tableDeliveries, d.CaseID)
	if sealed.Unreadable(err) {
		s.d.Log.Warn("delivery: a delivery's recipient does not open", "delivery", d.ID, "err", err)
		d.Unreadable, d.Recipient, d.Phone, d.Address = true, "", "", ""
		return d, nil
	}
	if err != nil {
		return Delivery{}, err
	}
	return d, nil
}

// UnitDeliveries is 单位快递: the unit's deliveries, newest first, with the total.
// Errors: ErrNoKeys; database failures.
func (s *Service) UnitDeliveries(ctx context.Context, unitID int64, f Filter) ([]Delivery, int, error) {
	where, args := " WHERE d.unit_id = ?", []any{unitID}
	if f.Status != "" {
		where, args = where+" AND d.status = ?", append(args, string(f.Status))
	}
	if !f.From.IsZero() {
		where, args = where+" AND d.created_at >= ?", append(args, store.Time(f.From))
	}
	if !f.To.IsZero() {
		where, args = where+" AND d.created_at < ?", append(args, store.Time(f.To))
	}
	if f.GrantedTo != 0 {
		where, args = where+` AND EXISTS (SELECT 1 FROM cases gc JOIN grants g ON g.item_code = gc.item_code
			WHERE gc.id = d.case_id AND g.membership_id = ?)`, append(args, f.GrantedTo)
	}
	var total int
	if err := s.d.DB.QueryRow(ctx, "SELECT COUNT(*) FROM deliveries d"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("delivery: count: %w", err)
	}
	per := f.PerPage
	if per <= 0 {
		per = 20
	}
	per = min(per, 100)
	page := max(f.Page, 1)
	rows, err := s.d.DB.Query(ctx, "SELECT "+deliveryColumns+deliveryFrom+where+" ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?",
		append(args, per, (page-1)*per)...)
	if err != nil {
		return nil, 0, fmt.Errorf("delivery: list: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := s.scanDelivery(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// UnitDelivery is delivery id of the unit with its history, oldest first. Errors:
// ErrNotFound; ErrNoKeys; database failures.
func (s *Service) UnitDelivery(ctx context.Context, unitID, id int64) (Delivery, []Event, error) {
	d, err := s.scanDelivery(s.d.DB.QueryRow(ctx, "SELECT "+deliveryColumns+deliveryFrom+" WHERE d.id = ? AND d.unit_id = ?", id, unitID))
	if err != nil {
		return Delivery{}, nil, err
	}
	ev, err := s.events(ctx, s.d.DB, id)
	return d, ev, err
}

// CaseDelivery is the delivery of case caseID of the unit. Errors: ErrNotFound
// (none yet, or none asked for); ErrNoKeys; database failures.
func (s *Service) CaseDelivery(ctx context.Context, unitID, caseID int64) (Delivery, error) {
	return s.scanDelivery(s.d.DB.QueryRow(ctx, "SELECT "+deliveryColumns+deliveryFrom+" WHERE d.case_id = ? AND d.unit_id = ?", caseID, unitID))
}

type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Service) events(ctx context.Context, q querier, id int64) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT status, at, place, description FROM delivery_events WHERE delivery_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("delivery: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Status, &e.At, &e.Place, &e.Description); err != nil {
			return nil, fmt.Errorf("delivery: events: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
