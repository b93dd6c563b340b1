package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"hall/internal/audit"
	"hall/internal/chinatime"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/unit"
)

// The upload budget and the sweep of 申请材料 (material_uploads, migration 0030).
//
// Attach stores a file the moment it is uploaded, before anything is filed, so
// without a bound a signed-in unit user could fill the disk: every upload is
// counted first. Attach reads the file (at most scans.MaxBytes), then in one
// transaction counts the files and bytes the person uploaded over the last
// UploadWindow, and the unit's, and records the new file's row only if both stay
// within UploadBudget; only then is the file written. The transaction takes the
// person's and the unit's locks first (PostgreSQL advisory locks; SQLite's one
// writer), so parallel uploads cannot all pass on the same count. A file the scans
// store refuses (name, type, damage) gives its count back. The budget is counted
// from these rows rather than by internal/throttle, whose counters count attempts
// in fixed windows: this one counts bytes too, over a rolling day, and its refusal
// can say when the oldest uploads leave it.
//
// The row also lets the sweep find a file that was never filed (a form abandoned,
// a draft discarded): SweepMaterials deletes the files of rows that no case
// recorded (filed_at) and no live draft holds (held_until, set by SaveDraft to the
// draft's expiry and given up by a later save without the file or by 放弃草稿)
// MaterialRetention after their upload. The filing and the sweep each write the
// row with a condition on the other's column (filed_at, swept_at), so on
// PostgreSQL the second waits for the first and then sees its write: a filed file
// is never swept, and a form whose file was swept is told to upload it again
// (msgMaterialExpired), never filed with a missing file. A reference to a file
// stored before the table existed has no row: it is filed if its file is intact,
// and such a file is never swept.

// UploadWindow is the period the upload budget counts over (rolling).
const UploadWindow = 24 * time.Hour

// MaterialRetention is how long a file that no case recorded and no draft holds is
// kept after its upload: long enough to finish a form the same or the next day.
const MaterialRetention = 48 * time.Hour

// UploadBudget bounds the materials uploaded over UploadWindow.
type UploadBudget struct {
	PersonFiles int   // files per person, across units
	PersonBytes int64 // bytes per person, across units
	UnitFiles   int   // files per unit, across its users
	UnitBytes   int64 // bytes per unit, across its users
}

// DefaultUploadBudget: a person may upload 60 files or 200 MB a day (a form asks
// for one material; that is dozens of applications, each with a file or two
// replaced), a unit five times that across its users.
var DefaultUploadBudget = UploadBudget{PersonFiles: 60, PersonBytes: 200 << 20, UnitFiles: 300, UnitBytes: 1000 << 20}

// Refusals of the upload budget, beside the material's field: the limits and the
// time (Asia/Shanghai) from which an upload of the same size is accepted again.
const (
	msgPersonBudget = "您24小时内上传的材料已达上限（每人最多%d份、共%dMB），请于%s后再上传"
	msgUnitBudget   = "本单位24小时内上传的材料已达上限（每个单位最多%d份、共%dMB），请于%s后再上传"
)

// UploadLimitError is Attach's refusal of a file over the upload budget. It is
// also a *FormError (errors.As) beside the material's field, with the message.
type UploadLimitError struct {
	Field string
	Msg   string
	Until time.Time // when an upload of the same size fits the budget again
}

func (e *UploadLimitError) Error() string { return "cases: upload budget: " + e.Msg }

// As makes the refusal a *FormError beside the material's field, as the scans
// store's refusals are.
func (e *UploadLimitError) As(target any) bool {
	fe, ok := target.(**FormError)
	if !ok {
		return false
	}
	*fe = &FormError{}
	(*fe).Add(e.Field, e.Msg)
	return true
}

// Advisory lock classes of the upload budget (the two-key form, apart from the
// one-key locks of the migrations and the seed).
const (
	uploadLockPerson = 0x75706c70 // "uplp"
	uploadLockUnit   = 0x75706c75 // "uplu"
)

// reserveUpload records the upload id of size bytes by the actor if the budget
// allows it. Errors: *UploadLimitError (recorded as "case.attach" denied);
// database failures.
func (s *Service) reserveUpload(ctx context.Context, who Actor, itemCode string, m FormMaterial, id string, size int64) error {
	now := s.dbNow()
	b := s.d.UploadBudget
	var refusal *UploadLimitError
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if tx.Engine() == store.Postgres {
			// Person first, then unit, in every transaction: no two wait on each other.
			for _, l := range [][2]int64{{uploadLockPerson, who.PersonID}, {uploadLockUnit, who.UnitID}} {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))`,
					l[0], l[1]&0x7fffffff); err != nil {
					return fmt.Errorf("cases: upload lock: %w", err)
				}
			}
		}
		until, over, err := uploadsOver(ctx, tx, "person_id", who.PersonID, now, b.PersonFiles, b.PersonBytes, size)
		if err != nil {
			return err
		}
		if over {
			refusal = &UploadLimitError{Field: m.Field(), Until: until,
				Msg: fmt.Sprintf(msgPersonBudget, b.PersonFiles, b.PersonBytes>>20, untilText(until))}
			return refusal
		}
		if until, over, err = uploadsOver(ctx, tx, "unit_id", who.UnitID, now, b.UnitFiles, b.UnitBytes, size); err != nil {
			return err
		}
		if over {
			refusal = &UploadLimitError{Field: m.Field(), Until: until,
				Msg: fmt.Sprintf(msgUnitBudget, b.UnitFiles, b.UnitBytes>>20, untilText(until))}
			return refusal
		}
		if _, err := tx.Exec(ctx, `INSERT INTO material_uploads (id, unit_id, person_id, size, uploaded_at) VALUES (?, ?, ?, ?, ?)`,
			id, who.UnitID, who.PersonID, size, now); err != nil {
			return fmt.Errorf("cases: record upload: %w", err)
		}
		return nil
	})
	if refusal != nil {
		detail := map[string]string{"item": itemCode, "material": m.Code, "error": "upload_budget",
			"until": refusal.Until.Format(time.RFC3339)}
		if who.Role == unit.RoleAgent {
			detail["grant"] = itemCode
		}
		_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID,
			Role: string(who.Role), Action: "case.attach", Target: "item:" + itemCode, Result: audit.Denied,
			ClientIP: who.ClientIP, RequestID: who.RequestID, Detail: detail})
	}
	return err
}

// uploadsOver reads the uploads of the person or unit (column) over the window
// ending at now and applies overBudget. The rows read are bounded by maxFiles (an
// upload past it was refused).
func uploadsOver(ctx context.Context, tx *store.Tx, column string, id int64, now time.Time, maxFiles int, maxBytes, size int64) (time.Time, bool, error) {
	// column is one of two constants of reserveUpload, never input.
	rows, err := tx.Query(ctx, `SELECT uploaded_at, size FROM material_uploads WHERE `+column+` = ? AND uploaded_at > ?
		ORDER BY uploaded_at`, id, now.Add(-UploadWindow))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("cases: count uploads: %w", err)
	}
	defer rows.Close()
	var ups []pastUpload
	for rows.Next() {
		var u pastUpload
		if err := rows.Scan(&u.At, &u.Size); err != nil {
			return time.Time{}, false, fmt.Errorf("cases: count uploads: %w", err)
		}
		ups = append(ups, u)
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, false, fmt.Errorf("cases: count uploads: %w", err)
	}
	until, over := overBudget(ups, maxFiles, maxBytes, size)
	if over && until.IsZero() {
		until = now.Add(UploadWindow)
	}
	return until, over, nil
}

// pastUpload is an upload counted by the budget.
type pastUpload struct {
	At   time.Time
	Size int64
}

// overBudget is the budget's rule: ups are the uploads within the window, oldest
// first; one more file of size bytes is over if it would make more than maxFiles
// files or more than maxBytes bytes. until is when enough of the oldest uploads
// have left the window for it to fit (each leaves UploadWindow after it came).
func overBudget(ups []pastUpload, maxFiles int, maxBytes, size int64) (until time.Time, over bool) {
	files := len(ups)
	var bytes int64
	for _, u := range ups {
		bytes += u.Size
	}
	if files < maxFiles && bytes+size <= maxBytes {
		return time.Time{}, false
	}
	for _, u := range ups {
		files--
		bytes -= u.Size
		if files < maxFiles && bytes+size <= maxBytes {
			return u.At.Add(UploadWindow).UTC(), true
		}
	}
	// Larger than the budget itself: never fits (Attach's size bound keeps a
	// file below any sensible budget); a day after the newest upload is stated.
	if len(ups) > 0 {
		return ups[len(ups)-1].At.Add(UploadWindow).UTC(), true
	}
	return time.Time{}, true
}

// untilText is a time as the refusal states it: month, day and minute in
// Asia/Shanghai, rounded up to the minute so that the time stated is never early.
func untilText(t time.Time) string {
	t = t.In(chinatime.Zone)
	if r := t.Truncate(time.Minute); r.Before(t) {
		t = r.Add(time.Minute)
	}
	return t.Format("1月2日 15:04")
}

// giveBackUpload deletes the row of an upload the scans store refused or could
// not write: it was not stored, so it does not count.
func (s *Service) giveBackUpload(ctx context.Context, id string) {
	_, _ = s.d.DB.Exec(context.WithoutCancel(ctx), `DELETE FROM material_uploads WHERE id = ? AND filed_at IS NULL`, id)
}

// fileUpload marks attachment a filed inside the filing transaction tx, before the
// sweep can take it: the row is written (and so locked on PostgreSQL) only while
// the sweep has not deleted its file. Errors: a *FormError beside the material's
// field (msgMaterialExpired) for a file the sweep deleted; file-system or database
// failures.
func (s *Service) fileUpload(ctx context.Context, tx *store.Tx, a Attachment, now time.Time) error {
	res, err := tx.Exec(ctx, `UPDATE material_uploads SET filed_at = ? WHERE id = ? AND swept_at IS NULL`, now, a.ID)
	if err != nil {
		return fmt.Errorf("cases: file upload: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var swept int
	switch err := tx.QueryRow(ctx, `SELECT 1 FROM material_uploads WHERE id = ?`, a.ID).Scan(&swept); {
	case err == nil:
		return expiredMaterial(a)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("cases: file upload: %w", err)
	}
	// No row: a file stored before uploads were recorded, or whose filed row or
	// tombstone has gone after a day. The sweep never deletes a file without a
	// row, so the file on disk decides.
	if _, err := s.d.Files.ReadStored(scans.OwnerCaseMaterial, a.ID, a.SHA256); err != nil {
		return expiredMaterial(a)
	}
	return nil
}

// expiredMaterial is the refusal of a reference whose file is gone.
func expiredMaterial(a Attachment) error {
	fe := &FormError{}
	m, _ := materialOf(a.ItemCode, a.Code)
	fe.Add(m.Field(), msgMaterialExpired)
	return fe
}

// draftUploads are the IDs of the files whose valid references the draft form v
// of itemCode carries for the actor.
func (s *Service) draftUploads(who Actor, itemCode string, v url.Values) []string {
	var ids []string
	for _, a := range s.Attached(who, itemCode, v) {
		ids = append(ids, a.ID)
	}
	return ids
}

// holdUploads keeps the files of the actor's draft of itemCode from the sweep
// while the draft lives, inside the transaction tx that saves (form: the new
// draft) or discards (form nil) it: the files of the draft being replaced that the
// new one no longer carries are given up (held until now), those of the new one
// held until its expiry. A draft being replaced whose form cannot be opened
// (unreadable: sealed under a key no longer configured, or changed in the
// database) is logged and given up as one whose form does not parse: its owner
// must still be able to replace, discard or file past it. The files it held,
// whose references cannot be read, keep the hold they had (at most
// DraftRetention) and are the sweep's after it.
//
// Errors: ErrNoKeys; database failures.
func (s *Service) holdUploads(ctx context.Context, tx *store.Tx, who Actor, itemCode string, form url.Values, now time.Time) error {
	var (
		old    string
		id     int64
		stored []byte
	)
	switch err := tx.QueryRow(ctx, `SELECT id, form FROM case_drafts WHERE unit_id = ? AND person_id = ? AND item_code = ?`,
		who.UnitID, who.PersonID, itemCode).Scan(&id, &stored); {
	case err == nil:
		old, err = openDraft(tx.Keys(), id, stored)
		if sealed.Unreadable(err) {
			s.logUnreadableDraft(ctx, id, itemCode, err)
		} else if err != nil {
			return fmt.Errorf("cases: draft uploads: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("cases: draft uploads: %w", err)
	}
	keep := map[string]bool{}
	for _, id := range s.draftUploads(who, itemCode, form) {
		keep[id] = true
	}
	if ov, err := url.ParseQuery(old); err == nil {
		for _, id := range s.draftUploads(who, itemCode, ov) {
			if !keep[id] {
				if err := holdUpload(ctx, tx, who, id, now); err != nil {
					return err
				}
			}
		}
	}
	for id := range keep {
		if err := holdUpload(ctx, tx, who, id, now.Add(DraftRetention)); err != nil {
			return err
		}
	}
	return nil
}

// holdUpload sets the hold of the actor's upload id (a row of another person is
// never touched: references are the uploader's).
func holdUpload(ctx context.Context, tx *store.Tx, who Actor, id string, until time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE material_uploads SET held_until = ? WHERE id = ? AND person_id = ? AND unit_id = ?`,
		until, id, who.PersonID, who.UnitID); err != nil {
		return fmt.Errorf("cases: hold upload: %w", err)
	}
	return nil
}

// SweepMaterials deletes the files of 申请材料 uploaded more than
// MaterialRetention ago that no case recorded and no live draft holds, and
// returns how many. Each row is marked swept before its file is removed (a
// tombstone, so that a form still carrying the reference is told the file is
// gone); the rows filed or swept more than UploadWindow ago, which the budget no
// longer counts, are deleted. A process that stops between the mark and the
// removal leaves the file on disk, refused while its tombstone lasts; once the
// tombstone is deleted (UploadWindow after the mark) a form still carrying the
// reference would file the intact file, as a reference without a row is filed (an
// upload from before migration 0030). Errors: database failures.
func (s *Service) SweepMaterials(ctx context.Context) (int, error) {
	now := s.dbNow()
	var ids []string
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		// The conditions are on the row's own columns: on PostgreSQL a row the
		// filing has just marked is read again after its commit and skipped.
		rows, err := tx.Query(ctx, `UPDATE material_uploads SET swept_at = ? WHERE filed_at IS NULL AND swept_at IS NULL
			AND uploaded_at <= ? AND (held_until IS NULL OR held_until <= ?) RETURNING id`,
			now, now.Add(-MaterialRetention), now)
		if err != nil {
			return fmt.Errorf("cases: sweep materials: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("cases: sweep materials: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("cases: sweep materials: %w", err)
		}
		// The transaction's connection reads one result at a time.
		if err := rows.Close(); err != nil {
			return fmt.Errorf("cases: sweep materials: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM material_uploads WHERE filed_at <= ? OR swept_at <= ?`,
			now.Add(-UploadWindow), now.Add(-UploadWindow)); err != nil {
			return fmt.Errorf("cases: sweep material rows: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		s.d.Files.Remove(id)
	}
	return len(ids), nil
}
