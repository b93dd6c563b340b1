package notices

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"hall/internal/staff"
	"hall/internal/store"
)

// Create saves a new draft written by actor (a clerk). The reason is optional and
// audited with the draft. Audit: "notice.create".
//
// Errors: the Draft.Check refusals; a *staff.Denial; staff reason errors
// (ErrReasonTooLong); database or audit failures.
func (s *Service) Create(ctx context.Context, actor staff.Actor, d Draft, reason string) (Notice, error) {
	d, reason, err := checkWrite(d, reason)
	if err != nil {
		return Notice{}, err
	}
	var id int64
	err = s.command(ctx, actor, staff.ActionNoticeDraft, 0, "notice.create", reason,
		func(tx *store.Tx, fresh staff.Actor) (int64, error) {
			now := s.dbNow()
			err := tx.QueryRow(ctx, `INSERT INTO notices (title, category, body, state, author_id, editor_id,
				created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id`,
				d.Title, string(d.Category), d.Body, fresh.StaffID, fresh.StaffID, now, now).Scan(&id)
			return id, err
		})
	if err != nil {
		return Notice{}, err
	}
	return s.byID(ctx, id)
}

// Edit replaces draft id's text; actor (a clerk, any) becomes its last editor, who
// may then not publish it either. Published and withdrawn notices are not edited.
// seen is the Version of the draft the clerk edited: an edit saved by someone
// else since then is not overwritten unseen. Audit: "notice.edit".
//
// Errors: the Draft.Check refusals; ErrNotFound; ErrStale (no longer a draft);
// ErrEdited (changed since seen); a *staff.Denial; staff reason errors; database or
// audit failures.
func (s *Service) Edit(ctx context.Context, actor staff.Actor, id int64, seen int64, d Draft, reason string) (Notice, error) {
	d, reason, err := checkWrite(d, reason)
	if err != nil {
		return Notice{}, err
	}
	err = s.command(ctx, actor, staff.ActionNoticeDraft, id, "notice.edit", reason,
		func(tx *store.Tx, fresh staff.Actor) (int64, error) {
			return id, s.sinceSeen(ctx, tx, id, seen, moved(tx.Exec(ctx, `UPDATE notices SET title = ?, category = ?,
				body = ?, editor_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND state = 'draft' AND version = ?`,
				d.Title, string(d.Category), d.Body, fresh.StaffID, s.dbNow(), id, seen)))
		})
	if err != nil {
		return Notice{}, err
	}
	return s.byID(ctx, id)
}

// Publish makes draft id public, by a reviewer who neither wrote it nor last edited
// it. seen is the Version of the draft the reviewer read: a text edited since is
// not published unread. The reason is required. Audit: "notice.publish".
//
// Errors: ErrNotFound; ErrStale (no longer a draft); ErrEdited (changed since
// seen); a *staff.Denial (DenyOwnWork for the author or the last editor); staff
// reason errors (ErrReasonRequired, ErrReasonTooLong); database or audit failures.
func (s *Service) Publish(ctx context.Context, actor staff.Actor, id int64, seen int64, reason string) (Notice, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Notice{}, err
	}
	err = s.command(ctx, actor, staff.ActionNoticePublish, id, "notice.publish", reason, func(tx *store.Tx, fresh staff.Actor) (int64, error) {
		now := s.dbNow()
		// The author and editor were checked when the row was read; the update
		// checks them again, because on PostgreSQL (read committed) an edit can
		// commit in between and make the publisher the last editor.
		return id, s.sinceSeen(ctx, tx, id, seen, moved(tx.Exec(ctx, `UPDATE notices SET state = 'published',
			publisher_id = ?, published_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND state = 'draft'
			AND version = ? AND COALESCE(author_id, 0) <> ? AND COALESCE(editor_id, 0) <> ?`,
			fresh.StaffID, now, now, id, seen, fresh.StaffID, fresh.StaffID)))
	})
	if err != nil {
		return Notice{}, err
	}
	return s.byID(ctx, id)
}

// sinceSeen tells why a draft's conditional update changed nothing (err is
// ErrStale): a draft still, changed since seen, is ErrEdited.
func (s *Service) sinceSeen(ctx context.Context, tx *store.Tx, id int64, seen int64, err error) error {
	if !errors.Is(err, ErrStale) {
		return err
	}
	n, readErr := scanNotice(tx.QueryRow(ctx, "SELECT "+noticeColumns+noticeFrom+" WHERE n.id = ?", id))
	if readErr != nil {
		return readErr
	}
	if n.State == StateDraft && n.Version != seen {
		return ErrEdited
	}
	return err
}

// Withdraw takes published notice id off the hall, by a reviewer; it stays in the
// back office's list. The reason is required. Audit: "notice.withdraw".
//
// Errors: ErrNotFound; ErrStale (not published: a draft, or withdrawn already); a
// *staff.Denial; staff reason errors; database or audit failures.
func (s *Service) Withdraw(ctx context.Context, actor staff.Actor, id int64, reason string) (Notice, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Notice{}, err
	}
	err = s.command(ctx, actor, staff.ActionNoticeWithdraw, id, "notice.withdraw", reason, func(tx *store.Tx, fresh staff.Actor) (int64, error) {
		now := s.dbNow()
		return id, moved(tx.Exec(ctx, `UPDATE notices SET state = 'withdrawn', withdrawn_at = ?, updated_at = ?,
			version = version + 1 WHERE id = ? AND state = 'published'`, now, now, id))
	})
	if err != nil {
		return Notice{}, err
	}
	return s.byID(ctx, id)
}

// checkWrite checks a draft and its optional reason.
func checkWrite(d Draft, reason string) (Draft, string, error) {
	d, err := d.Check()
	if err != nil {
		return d, "", err
	}
	if strings.TrimSpace(reason) != "" {
		if reason, err = staff.CheckReason(reason); err != nil {
			return d, "", err
		}
	}
	return d, reason, nil
}

// command runs one staff command in a transaction (staff.Command): the actor
// re-read and authorized about the notice (id 0: a new one) — for publishing,
// about its author and again its last editor —, the change, the audit record with
// the notice as it is after the change.
func (s *Service) command(ctx context.Context, actor staff.Actor, action staff.Action, id int64, auditAction,
	reason string, change func(tx *store.Tx, fresh staff.Actor) (int64, error)) error {
	denialTarget := "notices"
	if id != 0 {
		denialTarget = target(id)
	}
	return staff.Command(ctx, s.d.DB, s.d.Audit, actor, action, denialTarget, func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		subjects := []int64{0}
		if id != 0 {
			n, err := scanNotice(tx.QueryRow(ctx, "SELECT "+noticeColumns+noticeFrom+" WHERE n.id = ?", id))
			if err != nil {
				return err
			}
			if action == staff.ActionNoticePublish {
				subjects = []int64{n.AuthorID, n.EditorID}
			}
		}
		var (
			role staff.Role
			err  error
		)
		for _, subject := range subjects {
			if role, err = authorize(staff.Subject{StaffID: subject}); err != nil {
				return err
			}
		}
		if id, err = change(tx, fresh); err != nil {
			return err
		}
		n, err := scanNotice(tx.QueryRow(ctx, "SELECT "+noticeColumns+noticeFrom+" WHERE n.id = ?", id))
		if err != nil {
			return err
		}
		_, err = s.d.Audit.Append(ctx, tx, fresh.Entry(role, auditAction, target(id), reason, map[string]string{
			"title": n.Title, "category": string(n.Category), "state": string(n.State)}))
		return err
	})
}

// moved turns a conditional UPDATE's result into ErrStale when it changed no row.
func moved(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return fmt.Errorf("notices: update: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("notices: update: %w", err)
	}
	if n == 0 {
		return ErrStale
	}
	return nil
}
