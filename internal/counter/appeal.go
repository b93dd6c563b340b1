package counter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/staff"
	"hall/internal/store"
)

// Appeal is a user appeal (用户申诉, filed online through person.FileAppeal) as the
// back office sees it: the appeal and, once decided, the decision.
type Appeal struct {
	person.Appeal
	DecidedBy      int64
	DecidedAt      time.Time
	Decision       string // "", "released" or "rejected"
	DecisionReason string
	// Unreadable: the appeal's sealed values did not open; ListAppeals, GetAppeal and
	// RejectAppeal return such an appeal by its clear columns (ID number, name and
	// mobiles empty).
	Unreadable bool
}

// markUnreadable clears what an appeal whose sealed values did not open cannot hold.
func (a *Appeal) markUnreadable() {
	a.Unreadable = true
	a.IDNumber, a.Name, a.Mobile, a.ContactMobile = "", "", "", ""
}

// unreadableAppeal is ErrAppealUnreadable joined with the sealed cause, for a step
// that needs the appeal's sealed values.
func unreadableAppeal(err error) error { return fmt.Errorf("%w: %w", ErrAppealUnreadable, err) }

// Decisions on an appeal.
const (
	DecisionReleased = "released"
	DecisionRejected = "rejected"
)

const appealColumns = `id, kind, id_type, id_number, name, mobile, contact_mobile, description, status, created_at,
	client_addr, decided_by, decided_at, decision, decision_reason`

// scanAppeal reads one appeals row (appealColumns) and opens its sealed values with
// keys. Errors: ErrAppealNotFound for no row; the scan's; person.ErrNoKeys and
// sealed's (wrapped) for a value that does not open.
func scanAppeal(keys *sealed.Keys, r interface{ Scan(...any) error }) (Appeal, error) {
	var a Appeal
	var v person.SealedAppeal
	var by sql.NullInt64
	var at sql.NullTime
	err := r.Scan(&a.ID, &a.Kind, &a.IDType, &v.IDNumber, &v.Name, &v.Mobile, &v.ContactMobile, &a.Description, &a.Status,
		&a.CreatedAt, &a.ClientAddr, &by, &at, &a.Decision, &a.DecisionReason)
	if errors.Is(err, sql.ErrNoRows) {
		return Appeal{}, ErrAppealNotFound
	}
	if err != nil {
		return Appeal{}, fmt.Errorf("counter: read appeal: %w", err)
	}
	a.CreatedAt, a.DecidedBy = a.CreatedAt.UTC(), by.Int64
	if at.Valid {
		a.DecidedAt = at.Time.UTC()
	}
	// The clear columns are filled first: ListAppeals shows an appeal whose sealed
	// values do not open by them (listedAppeal).
	if err := v.OpenInto(keys, &a.Appeal); err != nil {
		return a, fmt.Errorf("counter: read appeal %d: %w", a.ID, err)
	}
	return a, nil
}

// listedAppeal is scanAppeal for a row of a list: an appeal whose sealed values do
// not open is listed by its clear columns with Unreadable set, and logged, instead
// of failing the whole list.
func (s *Service) listedAppeal(r interface{ Scan(...any) error }) (Appeal, error) {
	a, err := scanAppeal(s.d.DB.Keys(), r)
	if sealed.Unreadable(err) {
		s.d.Log.Warn("counter: a listed appeal's sealed values do not open", "appeal", a.ID, "err", err)
		a.markUnreadable()
		return a, nil
	}
	return a, err
}

// ListAppeals returns the page of appeals with the given status ("" for all) after
// the cursor (before it, when back): the open ones oldest first (the queue), others
// newest first, each page read by the index of migration 0051; an appeal whose
// sealed values do not open is listed with Unreadable set. It counts nothing: a
// count of every appeal would read them all. Errors: a *staff.Denial; database
// failures.
func (s *Service) ListAppeals(ctx context.Context, actor staff.Actor, status person.AppealStatus, after store.Cursor,
	back bool) (store.Paged[Appeal], error) {
	if _, err := s.authorize(ctx, actor, staff.ActionAppealList, staff.Subject{}, "appeal"); err != nil {
		return store.Paged[Appeal]{}, err
	}
	where, args := " WHERE 1 = 1", []any{}
	if status != "" {
		where, args = " WHERE status = ?", append(args, string(status))
	}
	read := func(cond string, page []any, order string, limit int) ([]Appeal, error) {
		rows, err := s.d.DB.Query(ctx, "SELECT "+appealColumns+" FROM appeals"+where+" AND "+cond+order+" LIMIT ?",
			append(append(slices.Clone(args), page...), limit)...)
		if err != nil {
			return nil, fmt.Errorf("counter: list appeals: %w", err)
		}
		defer rows.Close()
		var out []Appeal
		for rows.Next() {
			a, err := s.listedAppeal(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		return out, rows.Err()
	}
	order := store.Keyset{Time: "created_at", ID: "id", Desc: status != person.AppealOpen}
	return store.ReadPage(order, after, back, AppealsPerPage, read, AppealCursor)
}

// AppealsPerPage is the length of a page of ListAppeals (the back office's tests
// file one page and more by it).
const AppealsPerPage = 20

// AppealCursor is where a list of appeals continues after a.
func AppealCursor(a Appeal) store.Cursor { return store.Cursor{At: a.CreatedAt, ID: a.ID} }

// Holder is the account that now holds what an appeal is about, as the back office
// may see it: masked.
type Holder struct {
	PersonID     int64
	MaskedName   string
	MaskedID     string
	MaskedMobile string
	CreatedAt    time.Time
}

// GetAppeal returns appeal id and the account that holds its ID number or mobile now
// (nil when none does, or for an appeal of kind other). An appeal whose sealed values
// do not open is returned by its clear columns with Unreadable set and no holder, and
// logged, so that its page can say so and a clerk can close it (RejectAppeal).
// Errors: a *staff.Denial; ErrAppealNotFound; database failures.
func (s *Service) GetAppeal(ctx context.Context, actor staff.Actor, id int64) (Appeal, *Holder, error) {
	if _, err := s.authorize(ctx, actor, staff.ActionAppealList, staff.Subject{}, appealTarget(id)); err != nil {
		return Appeal{}, nil, err
	}
	a, err := scanAppeal(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+appealColumns+" FROM appeals WHERE id = ?", id))
	if sealed.Unreadable(err) {
		s.d.Log.Warn("counter: an appeal's sealed values do not open", "appeal", id, "err", err)
		a.markUnreadable()
		return a, nil, nil
	}
	if err != nil {
		return Appeal{}, nil, err
	}
	var p person.Person
	switch a.Kind {
	case person.AppealIDTaken:
		p, err = s.d.Persons.ByIdentity(ctx, a.IDType, a.IDNumber)
	case person.AppealMobileTaken:
		p, err = s.d.Persons.ByMobile(ctx, a.Mobile)
	default:
		return a, nil, nil
	}
	if errors.Is(err, person.ErrNotFound) {
		return a, nil, nil
	}
	if err != nil {
		return Appeal{}, nil, err
	}
	return a, &Holder{PersonID: p.ID, MaskedName: ident.MaskName(p.Name), MaskedID: p.MaskedID(),
		MaskedMobile: p.MaskedMobile(), CreatedAt: p.CreatedAt}, nil
}

func appealTarget(id int64) string { return "appeal:" + strconv.FormatInt(id, 10) }

// SubmitAppealRelease records the release of what an open appeal says is taken (its
// ID number, or its mobile), after the clerk checked the appellant's documents; a
// reviewer approves it. Audit: "counter.submit".
//
// Errors: ErrAppealNotFound (unknown or decided); ErrNotReleasable (kind other);
// ErrScanMissing and the scans refusals; ErrOpen; ErrNoKeys; a *staff.Denial; staff
// reason errors; database, audit or file-system failures.
func (s *Service) SubmitAppealRelease(ctx context.Context, actor staff.Actor, appealID int64, reason string, uploads []scans.Upload) (Request, error) {
	if err := s.maySubmit(ctx, actor); err != nil {
		return Request{}, err
	}
	a, err := scanAppeal(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+appealColumns+" FROM appeals WHERE id = ?", appealID))
	if sealed.Unreadable(err) {
		return Request{}, unreadableAppeal(err)
	}
	if err != nil {
		return Request{}, err
	}
	if a.Status != person.AppealOpen {
		return Request{}, ErrAppealNotFound
	}
	if a.Kind != person.AppealIDTaken && a.Kind != person.AppealMobileTaken {
		return Request{}, ErrNotReleasable
	}
	return s.submit(ctx, actor, KindAppealRelease, subject{appealID: appealID}, map[string]int64{"appeal_id": appealID}, reason, uploads)
}

// execAppealRelease frees the appeal's ID number or mobile from the account holding
// it, closes the appeal and tells the appellant.
func (s *Service) execAppealRelease(ctx context.Context, a *approval) error {
	ap, err := s.lockOpenAppeal(ctx, a.tx, a.q.AppealID, false)
	if err != nil {
		return err
	}
	var held person.Person
	var what string
	switch ap.Kind {
	case person.AppealIDTaken:
		what = "证件号码"
		held, err = s.d.Persons.ByIdentityTx(ctx, a.tx, string(ap.IDType), ap.IDNumber)
	case person.AppealMobileTaken:
		what = "手机号码"
		held, err = s.d.Persons.ByMobileTx(ctx, a.tx, ap.Mobile)
	default:
		return ErrNotReleasable
	}
	if errors.Is(err, person.ErrNotFound) {
		return ErrNothingToRelease
	}
	if err != nil {
		return err
	}
	detail := map[string]string{"appeal": strconv.FormatInt(ap.ID, 10), "kind": string(ap.Kind),
		"holder": strconv.FormatInt(held.ID, 10)}
	if ap.Kind == person.AppealIDTaken {
		// The account was opened with someone else's identity: it keeps its row for
		// the record, loses the identity and password, every role in every unit and
		// every session.
		if _, err := s.d.Persons.ReleaseIdentityTx(ctx, a.tx, held.ID); err != nil {
			return err
		}
		res, err := a.tx.Exec(ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE person_id = ? AND status <> 'revoked'`,
			s.dbNow(), held.ID)
		if err != nil {
			return fmt.Errorf("counter: revoke roles: %w", err)
		}
		roles, _ := res.RowsAffected()
		ended, err := s.d.Sessions.EndAllTx(ctx, a.tx, held.ID, nil)
		if err != nil {
			return err
		}
		detail["id_number"], detail["roles_revoked"], detail["sessions_ended"] = ident.MaskID(ap.IDNumber), strconv.FormatInt(roles, 10), strconv.Itoa(ended)
	} else {
		if _, err := s.d.Persons.ReleaseMobileTx(ctx, a.tx, held.ID); err != nil {
			return err
		}
		detail["mobile"] = ident.MaskMobile(ap.Mobile)
	}
	if err := s.closeAppeal(ctx, a.tx, ap.ID, a.actor.StaffID, DecisionReleased, a.reason); err != nil {
		return err
	}
	a.q.PersonID = held.ID
	a.outcome["released"] = string(ap.Kind)
	a.outcome["holder"] = strconv.FormatInt(held.ID, 10)
	e := a.actor.Entry(a.role, "counter.appeal_release", appealTarget(ap.ID), a.reason, detail)
	e.PersonID = held.ID
	a.entries = append(a.entries, e)
	a.send(s, ap.ContactMobile, PurposeAppeal, s.appealReleasedText(what))
	return nil
}

// RejectAppeal closes an open appeal without releasing anything, with the reason,
// which the appellant receives by SMS (clerks); it reports whether the gateway took
// the message. An appeal whose sealed values do not open can be closed too (the way
// it leaves the queue): no message is sent, its contact mobile being unreadable, and
// its audit record says unreadable. Audit: "counter.appeal_reject".
//
// Errors: ErrAppealNotFound (unknown or decided); a *staff.Denial; staff reason
// errors; database or audit failures.
func (s *Service) RejectAppeal(ctx context.Context, actor staff.Actor, appealID int64, reason string) (Appeal, bool, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Appeal{}, false, err
	}
	var ap Appeal
	err = staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionAppealReject, appealTarget(appealID), func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		role, err := authorize(staff.Subject{})
		if err != nil {
			return err
		}
		if ap, err = s.lockOpenAppeal(ctx, tx, appealID, true); err != nil {
			return err
		}
		if err := s.closeAppeal(ctx, tx, appealID, fresh.StaffID, DecisionRejected, reason); err != nil {
			return err
		}
		ap.Status, ap.Decision, ap.DecisionReason, ap.DecidedBy = person.AppealClosed, DecisionRejected, reason, fresh.StaffID
		detail := map[string]string{"kind": string(ap.Kind)}
		if ap.Unreadable {
			detail["unreadable"] = "true"
		}
		_, err = s.d.Audit.Append(ctx, tx, fresh.Entry(role, "counter.appeal_reject", appealTarget(appealID), reason, detail))
		return err
	})
	if err != nil {
		return Appeal{}, false, err
	}
	if ap.Unreadable {
		return ap, false, nil
	}
	return ap, s.send(context.WithoutCancel(ctx), ap.ContactMobile, PurposeAppeal, s.appealRejectedText(reason)), nil
}

// lockOpenAppeal reads appeal id for a decision, locked: still open (else
// ErrAppealNotFound). One whose sealed values do not open is returned marked
// Unreadable when unreadableOK (closing it needs none of them), else refused with
// ErrAppealUnreadable joined with the cause.
func (s *Service) lockOpenAppeal(ctx context.Context, tx *store.Tx, id int64, unreadableOK bool) (Appeal, error) {
	a, err := scanAppeal(tx.Keys(), tx.QueryRow(ctx, "SELECT "+appealColumns+" FROM appeals WHERE id = ?"+tx.ForUpdate(), id))
	switch {
	case sealed.Unreadable(err) && unreadableOK:
		a.markUnreadable()
	case sealed.Unreadable(err):
		return Appeal{}, unreadableAppeal(err)
	case err != nil:
		return Appeal{}, err
	}
	if a.Status != person.AppealOpen {
		return Appeal{}, ErrAppealNotFound
	}
	return a, nil
}

func (s *Service) closeAppeal(ctx context.Context, tx *store.Tx, id, staffID int64, decision, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE appeals SET status = 'closed', decided_by = ?, decided_at = ?, decision = ?, decision_reason = ?
		WHERE id = ? AND status = 'open'`, staffID, s.dbNow(), decision, reason, id)
	if err != nil {
		return fmt.Errorf("counter: close appeal: %w", err)
	}
	return nil
}
