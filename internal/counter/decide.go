package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/staff"
	"hall/internal/store"
)

// Outcome is what an approval did.
type Outcome struct {
	Request Request
	// Delivered reports whether every text message (initial password, invitation,
	// appeal answer) was taken by the gateway. When an initial password was not, the
	// clerk sends a new one (Resend).
	Delivered bool
}

// approval is one approval in progress: the request, who approves in which role and
// why, the one-time password prepared for it (when its kind may need one), and what
// it produced.
type approval struct {
	tx       *store.Tx
	q        Request
	actor    staff.Actor
	role     staff.Role
	reason   string
	password string // one-time password, "" when the kind needs none
	hash     string
	registry string // what the registry said of a unit registration
	outcome  map[string]string
	entries  []audit.Entry
	after    []func(ctx context.Context) bool // run after commit: deliveries
}

// executors carry out an approved request inside its transaction.
var executors = map[Kind]func(s *Service, ctx context.Context, a *approval) error{
	KindPasswordReset: (*Service).execPasswordReset,
	KindAdminChange:   (*Service).execAdminChange,
	KindUnitRegister:  (*Service).execUnitRegister,
	KindAppealRelease: (*Service).execAppealRelease,
}

// needsPassword: the kinds that may issue a one-time password.
var needsPassword = map[Kind]bool{KindPasswordReset: true, KindUnitRegister: true}

// Approve carries out request id (reviewer only, never the request's clerk) in one
// transaction with its audit records ("counter.approve" and the change's own), then
// sends its text messages. A request whose change is refused (the nominee is not a
// registered person, the unit got an account meanwhile, …) stays waiting: the
// reviewer rejects it with the reason, or the clerk's next request does better.
//
// Errors: ErrNotFound; ErrDecided; ErrNoKeys; a *staff.Denial (DenyOwnWork for one's own
// request); staff reason errors; the refusals of the kind (see the package comment);
// person.ErrBusy; ErrUnreadable (joined with the sealed cause) for a request whose
// sealed columns do not open: nothing is approved from a form that cannot be read;
// otherwise database or audit failures.
func (s *Service) Approve(ctx context.Context, actor staff.Actor, id int64, reason string) (Outcome, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Outcome{}, err
	}
	q, err := scanRequest(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+requestColumns+" FROM counter_requests WHERE id = ?", id))
	if sealed.Unreadable(err) {
		return Outcome{}, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if err != nil {
		return Outcome{}, err
	}
	a := &approval{reason: reason, outcome: map[string]string{}}
	if q.Kind == KindUnitRegister && q.Status == StatusSubmitted {
		var in UnitRegistrationInput
		if err := json.Unmarshal(q.Data, &in); err != nil {
			return Outcome{}, fmt.Errorf("counter: request %d: %w", q.ID, err)
		}
		if a.registry, err = s.checkRegistry(ctx, in); err != nil {
			return Outcome{}, err
		}
	}
	if needsPassword[q.Kind] {
		// Hashed before the transaction, so that no database lock waits for argon2id.
		a.password = ident.RandomPassword(s.d.Policy)
		if a.hash, err = s.d.Hasher.Hash(ctx, a.password); err != nil {
			return Outcome{}, err
		}
	}
	err = staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionCounterApprove, target(id), func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		if err := s.claim(ctx, tx, a, fresh, id, authorize, false); err != nil {
			return err
		}
		if err := executors[a.q.Kind](s, ctx, a); err != nil {
			return err
		}
		return s.decide(ctx, a, StatusApproved)
	})
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Request: a.q, Delivered: true}
	for _, f := range a.after {
		out.Delivered = f(context.WithoutCancel(ctx)) && out.Delivered
	}
	return out, nil
}

// claim reads request id for a decision inside a staff.Command's tx, locked: the
// request still submitted (else ErrDecided), and the command's action allowed to
// fresh on it (else the *staff.Denial, which the command records after the
// rollback). A request whose sealed columns do not open is ErrUnreadable (joined
// with the cause) unless unreadableOK, which a rejection gives: it needs nothing of
// the form, and is the way such a request leaves the queue.
func (s *Service) claim(ctx context.Context, tx *store.Tx, a *approval, fresh staff.Actor, id int64, authorize staff.Authorizer,
	unreadableOK bool) error {
	a.tx, a.actor = tx, fresh
	var err error
	a.q, err = scanRequest(tx.Keys(), tx.QueryRow(ctx, "SELECT "+requestColumns+" FROM counter_requests WHERE id = ?"+tx.ForUpdate(), id))
	switch {
	case sealed.Unreadable(err) && unreadableOK:
		a.q.Unreadable, a.q.Data, a.q.Outcome = true, nil, nil
	case sealed.Unreadable(err):
		return fmt.Errorf("%w: %w", ErrUnreadable, err)
	case err != nil:
		return err
	}
	if a.q.Status != StatusSubmitted {
		return ErrDecided
	}
	a.role, err = authorize(staff.Subject{StaffID: a.q.SubmittedBy})
	return err
}

// decide records the decision on a.q and appends the audit records, last.
func (s *Service) decide(ctx context.Context, a *approval, st Status) error {
	now := s.dbNow()
	outcome, err := json.Marshal(a.outcome)
	if err != nil {
		return err
	}
	sealedOutcome, err := sealJSON(a.tx.Keys(), ColumnOutcome, a.q.ID, outcome)
	if err != nil {
		return err
	}
	res, err := a.tx.Exec(ctx, `UPDATE counter_requests SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?,
		outcome = ?, unit_id = ?, person_id = ? WHERE id = ? AND status = 'submitted'`, string(st), a.actor.StaffID, now,
		a.reason, sealedOutcome, nullID(a.q.UnitID), nullID(a.q.PersonID), a.q.ID)
	if err != nil {
		return fmt.Errorf("counter: decide: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrDecided
	}
	a.q.Status, a.q.DecidedBy, a.q.DecidedAt, a.q.DecisionReason, a.q.Outcome = st, a.actor.StaffID, now, a.reason, a.outcome
	verb := "counter.approve"
	if st == StatusRejected {
		verb = "counter.reject"
	}
	detail := maps.Clone(a.outcome)
	detail["kind"], detail["submitted_by"] = string(a.q.Kind), strconv.FormatInt(a.q.SubmittedBy, 10)
	if a.q.Unreadable {
		detail["unreadable"] = "true"
	}
	e := a.actor.Entry(a.role, verb, target(a.q.ID), a.reason, detail)
	e.UnitID, e.PersonID = a.q.UnitID, a.q.PersonID
	for _, x := range append(a.entries, e) {
		if _, err := s.d.Audit.Append(ctx, a.tx, x); err != nil {
			return err
		}
	}
	return nil
}

// Reject returns request id to the clerk with the reason (reviewer only, never the
// request's clerk); nothing else changes. A request whose sealed columns do not open
// can be rejected (its audit record says unreadable): the clerk takes the business
// again at the counter. Audit: "counter.reject".
//
// Errors: ErrNotFound; ErrDecided; ErrNoKeys; a *staff.Denial; staff reason errors; database or
// audit failures.
func (s *Service) Reject(ctx context.Context, actor staff.Actor, id int64, reason string) (Request, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Request{}, err
	}
	a := &approval{reason: reason, outcome: map[string]string{}}
	err = staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionCounterReject, target(id), func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		if err := s.claim(ctx, tx, a, fresh, id, authorize, true); err != nil {
			return err
		}
		return s.decide(ctx, a, StatusRejected)
	})
	if err != nil {
		return Request{}, err
	}
	return a.q, nil
}

// send queues a text message to be sent after commit.
func (a *approval) send(s *Service, mobile, purpose, text string) {
	a.after = append(a.after, func(ctx context.Context) bool { return s.send(ctx, mobile, purpose, text) })
}

// errNotPerson guards the executors' reads.
var errNotPerson = errors.New("counter: request names no person")
