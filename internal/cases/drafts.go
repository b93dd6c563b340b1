package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"hall/internal/audit"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/unit"
)

// Drafts (草稿) of the online application forms: 保存草稿 keeps the form as typed,
// unchecked and possibly incomplete, so that it can be resumed (继续填写) later.
// A draft belongs to the unit, the item and the person who typed it — one per
// person per item of a unit (the UNIQUE of case_drafts): colleagues never see or
// overwrite each other's half-typed forms, and saving again replaces one's own.
// Opening a draft is authorized as Apply is (an agent whose grant has gone cannot
// open it), and a successful Apply deletes it. Drafts expire DraftRetention after
// they were last saved (SweepDrafts). The material files a draft carries are held
// from the sweep of unfiled files until the draft expires, is saved again without
// them, or is discarded (uploads.go).

// DraftRetention is how long a draft is kept after it was last saved.
const DraftRetention = 30 * 24 * time.Hour

// DraftRetentionDays is DraftRetention in days, as the pages state it.
const DraftRetentionDays = 30

// MaxDraftBytes bounds a draft's form (URL-encoded), checked before it is sealed;
// the CHECK of case_drafts bounds the sealed form, sealed.Overhead bytes longer.
const MaxDraftBytes = 16 << 10

// Refusals of the draft commands.
var (
	ErrDraftNotFound = &Error{"draft_not_found", "没有找到该事项的草稿，可能已提交、已放弃或已超过保存期限"}
	ErrDraftTooLarge = &Error{"draft_too_large", "填写的内容过长，无法保存草稿，请删减后再保存"}
	// ErrDraftUnreadable: the draft is there but its sealed form cannot be opened
	// (sealed under a data key no longer configured, or changed in the database).
	// Its owner is not stuck: saving a draft replaces it, 放弃草稿 deletes it, and
	// an application files past it.
	ErrDraftUnreadable = &Error{"draft_unreadable", "草稿无法读取，请重新填写后保存草稿，或放弃草稿"}
)

// Draft is a saved form of an item.
type Draft struct {
	UnitID   int64
	ItemCode string
	PersonID int64
	Values   url.Values
	SavedAt  time.Time
}

// Expires is when the draft will be swept.
func (d Draft) Expires() time.Time { return d.SavedAt.Add(DraftRetention) }

// draftValues is the part of a form kept in a draft: every field but the CSRF
// token, which belongs to the session that sent it.
func draftValues(form url.Values) url.Values {
	v := url.Values{}
	for k, vals := range form {
		if k == "csrf_token" {
			continue
		}
		v[k] = append([]string(nil), vals...)
	}
	return v
}

// SaveDraft keeps the form of itemCode as typed for the actor (replacing the
// actor's earlier draft of the item). It authorizes as Apply and records
// "case.draft.save".
//
// Errors: ErrNotOnline; the Authorizer's refusal; ErrDraftTooLarge; ErrNoKeys;
// database or audit failures. A draft replaced that cannot be read is no refusal
// (holdUploads).
func (s *Service) SaveDraft(ctx context.Context, who Actor, itemCode string, form url.Values) (Draft, error) {
	if !OnlineForm(itemCode) {
		return Draft{}, ErrNotOnline
	}
	if err := s.authorizeUnit(ctx, who, itemCode, "case.draft.save", "item:"+itemCode); err != nil {
		return Draft{}, err
	}
	v := draftValues(form)
	enc := v.Encode()
	if len(enc) > MaxDraftBytes {
		return Draft{}, ErrDraftTooLarge
	}
	now := s.dbNow()
	err := s.unitTx(ctx, who, itemCode, "case.draft.save", "item:"+itemCode, func(tx *store.Tx) error {
		// The files the draft carries stay while it lives (uploads.go).
		if err := s.holdUploads(ctx, tx, who, itemCode, v, now); err != nil {
			return err
		}
		keys, err := txKeys(tx)
		if err != nil {
			return err
		}
		// The draft's id, which its sealed form is bound to, is known once the
		// row is: the row first (a replaced draft keeps its id), then its form.
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO case_drafts (unit_id, item_code, person_id, form, saved_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (unit_id, person_id, item_code) DO UPDATE SET saved_at = excluded.saved_at RETURNING id`,
			who.UnitID, itemCode, who.PersonID, []byte{}, now).Scan(&id); err != nil {
			return fmt.Errorf("cases: save draft: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE case_drafts SET form = ? WHERE id = ?`, keys.SealString(draftPlace(id), enc), id); err != nil {
			return fmt.Errorf("cases: save draft: %w", err)
		}
		return s.recordDraft(ctx, tx, who, "case.draft.save", itemCode)
	})
	if err != nil {
		return Draft{}, err
	}
	return Draft{UnitID: who.UnitID, ItemCode: itemCode, PersonID: who.PersonID, Values: v, SavedAt: now}, nil
}

// Draft is the actor's unexpired draft of itemCode, authorized as Apply (a refusal
// is recorded as "case.draft.open" denied).
//
// Errors: ErrNotOnline; the Authorizer's refusal; ErrDraftNotFound;
// ErrDraftUnreadable with the draft's SavedAt (its Values nil) when its sealed
// form cannot be opened, which is logged; ErrNoKeys; database failures.
func (s *Service) Draft(ctx context.Context, who Actor, itemCode string) (Draft, error) {
	if !OnlineForm(itemCode) {
		return Draft{}, ErrNotOnline
	}
	d, err := s.draft(ctx, who, itemCode)
	if err != nil && !errors.Is(err, ErrDraftUnreadable) {
		return Draft{}, err
	}
	// An unreadable draft is told only to whom may open it.
	if err := s.authorizeUnit(ctx, who, itemCode, "case.draft.open", "item:"+itemCode); err != nil {
		return Draft{}, err
	}
	return d, err
}

func (s *Service) draft(ctx context.Context, who Actor, itemCode string) (Draft, error) {
	d := Draft{UnitID: who.UnitID, ItemCode: itemCode, PersonID: who.PersonID}
	var (
		id     int64
		stored []byte
	)
	err := s.d.DB.QueryRow(ctx, `SELECT id, form, saved_at FROM case_drafts WHERE unit_id = ? AND person_id = ? AND item_code = ?
		AND saved_at > ?`, who.UnitID, who.PersonID, itemCode, s.dbNow().Add(-DraftRetention)).Scan(&id, &stored, &d.SavedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, ErrDraftNotFound
	}
	if err != nil {
		return Draft{}, fmt.Errorf("cases: draft: %w", err)
	}
	d.SavedAt = d.SavedAt.UTC()
	enc, err := openDraft(s.d.DB.Keys(), id, stored)
	if sealed.Unreadable(err) {
		s.logUnreadableDraft(ctx, id, itemCode, err)
		return d, ErrDraftUnreadable
	}
	if err != nil {
		return Draft{}, fmt.Errorf("cases: draft: %w", err)
	}
	if d.Values, err = url.ParseQuery(enc); err != nil {
		return Draft{}, fmt.Errorf("cases: draft form: %w", err)
	}
	return d, nil
}

// DiscardDraft deletes the actor's draft of itemCode (放弃草稿); deleting none is
// not an error. One's own draft may always be discarded, even without the grant.
// Audit: "case.draft.discard". A draft that cannot be read is discarded as any
// other (holdUploads). Errors: ErrNoKeys; database or audit failures.
func (s *Service) DiscardDraft(ctx context.Context, who Actor, itemCode string) error {
	return s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		// Its files are the sweep's once they are MaterialRetention old.
		if err := s.holdUploads(ctx, tx, who, itemCode, nil, s.dbNow()); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM case_drafts WHERE unit_id = ? AND person_id = ? AND item_code = ?`,
			who.UnitID, who.PersonID, itemCode)
		if err != nil {
			return fmt.Errorf("cases: discard draft: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.recordDraft(ctx, tx, who, "case.draft.discard", itemCode)
	})
}

// MyDrafts are the actor's unexpired drafts in its unit, newest first, of the items
// the actor may still apply for (an agent's drafts of a revoked grant are left
// out: they cannot be opened). Errors: database failures.
func (s *Service) MyDrafts(ctx context.Context, who Actor) ([]Draft, error) {
	all, err := s.savedDrafts(ctx, who)
	if err != nil {
		return nil, err
	}
	var out []Draft
	for _, d := range all {
		if OnlineForm(d.ItemCode) && s.d.Authorizer.Authorize(ctx, who.UnitID, who.PersonID, who.Role, d.ItemCode) == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// savedDrafts are the actor's unexpired drafts, without their forms; the rows are
// closed before the Authorizer asks the database again.
func (s *Service) savedDrafts(ctx context.Context, who Actor) ([]Draft, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT item_code, saved_at FROM case_drafts WHERE unit_id = ? AND person_id = ?
		AND saved_at > ? ORDER BY saved_at DESC, id DESC`, who.UnitID, who.PersonID, s.dbNow().Add(-DraftRetention))
	if err != nil {
		return nil, fmt.Errorf("cases: drafts: %w", err)
	}
	defer rows.Close()
	var all []Draft
	for rows.Next() {
		d := Draft{UnitID: who.UnitID, PersonID: who.PersonID}
		if err := rows.Scan(&d.ItemCode, &d.SavedAt); err != nil {
			return nil, fmt.Errorf("cases: drafts: %w", err)
		}
		d.SavedAt = d.SavedAt.UTC()
		all = append(all, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cases: drafts: %w", err)
	}
	return all, nil
}

// SweepDrafts deletes the drafts last saved more than DraftRetention ago and
// returns how many. Errors: database failures.
func (s *Service) SweepDrafts(ctx context.Context) (int, error) {
	res, err := s.d.DB.Exec(ctx, `DELETE FROM case_drafts WHERE saved_at <= ?`, s.dbNow().Add(-DraftRetention))
	if err != nil {
		return 0, fmt.Errorf("cases: sweep drafts: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// deleteDraft removes the actor's draft of itemCode inside the filing transaction.
func deleteDraft(ctx context.Context, tx *store.Tx, who Actor, itemCode string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM case_drafts WHERE unit_id = ? AND person_id = ? AND item_code = ?`,
		who.UnitID, who.PersonID, itemCode); err != nil {
		return fmt.Errorf("cases: delete draft: %w", err)
	}
	return nil
}

// recordDraft appends the audit record of a draft step (the form's values are not
// in it: a draft may hold an employee's ID number).
func (s *Service) recordDraft(ctx context.Context, tx *store.Tx, who Actor, action, itemCode string) error {
	detail := map[string]string{"item": itemCode}
	if who.Role == unit.RoleAgent {
		detail["grant"] = itemCode
	}
	_, err := s.d.Audit.Append(ctx, tx, audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID, Role: string(who.Role),
		Action: action, Target: "item:" + itemCode, Result: audit.Success, ClientIP: who.ClientIP, RequestID: who.RequestID,
		Detail: detail})
	return err
}

// logUnreadableDraft tells the log of draft id (of itemCode) whose sealed form
// cannot be opened: its owner is offered to replace or discard it, and the log
// is where an operator sees a key removed too early or a row changed.
func (s *Service) logUnreadableDraft(ctx context.Context, id int64, itemCode string, err error) {
	s.d.Log.WarnContext(ctx, "cases: draft unreadable", "draft", id, "item", itemCode, "err", err)
}

// openDraft opens the sealed form of draft id as a query read it. Errors:
// ErrNoKeys; sealed's errors when the form was sealed under another data key,
// moved or changed in the database.
func openDraft(keys *sealed.Keys, id int64, form []byte) (string, error) {
	if keys == nil {
		return "", ErrNoKeys
	}
	return keys.OpenString(draftPlace(id), form)
}
