package rights

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hall/internal/store"
)

// sweepBatch bounds the records one transaction of SweepFiles clears, so that a
// backlog (the first sweep after the rule is turned on, or a lowered
// FileKeepMonths) deletes its files in transactions of a few megabytes each
// (a 3,000-employee record's PDF is about 330 KB) rather than in one.
const sweepBatch = 100

// SweepFiles deletes the signed PDFs whose keeping time is over: records whose
// validity ended FileKeepMonths ago or earlier (Rules.FileKeptUntil). Each record
// stays, with its facts and the file's SHA-256, and is marked (file_removed_at):
// it still verifies (as expired), the unit's list says that its file is no longer
// kept, and File answers ErrFileRemoved. The serving process's sweep runs it
// (cmd/hall/sweep.go); several processes may at once: a record is marked by one
// conditional UPDATE, and only the process whose UPDATE marked it deletes its
// file. It returns the number of files deleted. Errors: database failures (what
// the earlier batches deleted stays deleted).
func (s *Service) SweepFiles(ctx context.Context) (int, error) {
	now := store.Time(s.now())
	// A record's file goes once FileKeptUntil(valid_until) <= now. Months moved
	// back from now give a bound on valid_until that is never later than that
	// (addMonths only ever clamps a day down), so no file goes early.
	cutoff := store.Time(addMonths(now, -s.cfg.Rules.FileKeepMonths))
	total := 0
	for {
		n, err := s.sweepFilesBatch(ctx, now, cutoff)
		total += n
		if err != nil {
			return total, err
		}
		if n < sweepBatch {
			return total, nil
		}
	}
}

// sweepFilesBatch marks up to sweepBatch records whose validity ended by cutoff
// and deletes their files, in one transaction.
func (s *Service) sweepFilesBatch(ctx context.Context, now, cutoff time.Time) (int, error) {
	var ids []any
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		// The outer condition repeats file_removed_at IS NULL: on PostgreSQL a row
		// another sweep has just marked is read again after its commit and skipped.
		rows, err := tx.Query(ctx, `UPDATE rights_records SET file_removed_at = ?
			WHERE file_removed_at IS NULL AND id IN (SELECT id FROM rights_records
				WHERE file_removed_at IS NULL AND valid_until <= ? ORDER BY valid_until LIMIT ?)
			RETURNING id`, now, cutoff, sweepBatch)
		if err != nil {
			return fmt.Errorf("rights: sweep files: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("rights: sweep files: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("rights: sweep files: %w", err)
		}
		// The transaction's connection reads one result at a time.
		if err := rows.Close(); err != nil {
			return fmt.Errorf("rights: sweep files: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, "DELETE FROM rights_record_files WHERE record_id IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", ids...)
		if err != nil {
			return fmt.Errorf("rights: sweep files: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}
