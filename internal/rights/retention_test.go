package rights

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestSweepFiles: a record's signed PDF stays while its validity lasts and for
// FileKeepMonths after, not a moment less; the sweep then deletes the file and
// keeps the record: it still verifies (expired), the list shows it with the time
// the file went, File answers ErrFileRemoved, and a second sweep finds nothing.
func TestSweepFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 6, 7)
		rec, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2026-06", To: "2026-11", Types: allTypes})
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimPrefix(rec.VerifyURL, "https://hall.example.test/verify/")
		keptUntil := DefaultRules.FileKeptUntil(rec.ValidUntil)
		if want := time.Date(2027, 12, 4, 10, 30, 0, 0, chinatime.Zone); !keptUntil.Equal(want) {
			t.Fatalf("file kept until %v, want %v (six months after the six months of validity)", keptUntil, want)
		}
		for _, at := range []time.Time{testNow, rec.ValidUntil, keptUntil.Add(-time.Second)} {
			f.clock.set(at)
			if n, err := f.svc.SweepFiles(ctx); err != nil || n != 0 {
				t.Fatalf("sweep at %v: %d files deleted (%v), want none", at, n, err)
			}
			if _, pdf, err := f.svc.File(ctx, f.unit.ID, rec.ID); err != nil || len(pdf) != rec.Size {
				t.Fatalf("file at %v: %d bytes (%v), want the %d issued", at, len(pdf), err, rec.Size)
			}
		}

		f.clock.set(keptUntil)
		if n, err := f.svc.SweepFiles(ctx); err != nil || n != 1 {
			t.Fatalf("sweep when the keeping time is over: %d files deleted (%v), want 1", n, err)
		}
		got, pdf, err := f.svc.File(ctx, f.unit.ID, rec.ID)
		if !errors.Is(err, ErrFileRemoved) || pdf != nil || got.ID != rec.ID || got.FileKept() ||
			!got.FileRemovedAt.Equal(store.Time(keptUntil)) {
			t.Fatalf("file after the sweep: %+v, %d bytes, %v; want the record with ErrFileRemoved", got, len(pdf), err)
		}
		var files int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM rights_record_files").Scan(&files); err != nil || files != 0 {
			t.Fatalf("%d stored files (%v), want none", files, err)
		}
		list, err := f.svc.List(ctx, f.unit.ID, 0, 10)
		if err != nil || len(list) != 1 || list[0].FileKept() || list[0].SHA256 != rec.SHA256 {
			t.Fatalf("list after the sweep: %+v %v", list, err)
		}
		sm, err := f.svc.Verify(ctx, id)
		if err != nil || sm.Valid || sm.SHA256 != rec.SHA256 || sm.UnitName != f.unit.Name {
			t.Fatalf("verify after the sweep: %+v %v; want genuine and expired", sm, err)
		}
		f.clock.set(keptUntil.AddDate(1, 0, 0))
		if n, err := f.svc.SweepFiles(ctx); err != nil || n != 0 {
			t.Fatalf("a second sweep: %d (%v), want nothing left", n, err)
		}
		if got, err := f.svc.Get(ctx, f.unit.ID, rec.ID); err != nil || !got.FileRemovedAt.Equal(store.Time(keptUntil)) {
			t.Fatalf("a second sweep moved the removal time: %+v %v", got, err)
		}
	})
}

// TestSweepFilesBatchesAndRaces: a backlog larger than one batch is cleared in one
// call, and sweeps running at once delete each file once between them, leaving
// every record. Records of other validity ends are inserted directly.
func TestSweepFilesBatchesAndRaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 3, 8)
		rec, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2026-10", To: "2026-11", Types: allTypes})
		if err != nil {
			t.Fatal(err)
		}
		// Copies of the record, each with its own verify ID: 2½ batches due, and
		// five whose keeping time is not over.
		due := 2*sweepBatch + sweepBatch/2
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for i := range due + 5 {
				validUntil := rec.ValidUntil
				if i >= due {
					validUntil = rec.ValidUntil.AddDate(1, 0, 0)
				}
				var copyID int64
				err := tx.QueryRow(ctx, `INSERT INTO rights_records (token_hash, unit_id, uscc, unit_name, insured_place,
					from_month, to_month, type_counts, employees, pages, sha256, size, issued_at, valid_until,
					person_id, membership_id, role) SELECT ?, unit_id, uscc, unit_name, insured_place, from_month, to_month,
					type_counts, employees, pages, sha256, size, issued_at, ?, person_id, membership_id, role
					FROM rights_records WHERE id = ? RETURNING id`,
					strings.Repeat("0", 58)+fmt.Sprintf("%06d", i), validUntil, rec.ID).Scan(&copyID)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO rights_record_files (record_id, pdf)
					SELECT ?, pdf FROM rights_record_files WHERE record_id = ?`, copyID, rec.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.set(DefaultRules.FileKeptUntil(rec.ValidUntil).Add(time.Hour))
		var wg sync.WaitGroup
		counts := make([]int, 3)
		errs := make([]error, 3)
		for i := range counts {
			wg.Go(func() { counts[i], errs[i] = f.svc.SweepFiles(ctx) })
		}
		wg.Wait()
		total := 0
		for i := range counts {
			if errs[i] != nil {
				t.Fatalf("sweep %d: %v", i, errs[i])
			}
			total += counts[i]
		}
		if total != due+1 {
			t.Errorf("the sweeps deleted %d files between them (%v), want %d", total, counts, due+1)
		}
		var records, files, marked int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM rights_records), (SELECT COUNT(*) FROM rights_record_files),
			(SELECT COUNT(*) FROM rights_records WHERE file_removed_at IS NOT NULL)`).Scan(&records, &files, &marked); err != nil {
			t.Fatal(err)
		}
		if records != due+6 || files != 5 || marked != due+1 {
			t.Errorf("%d records, %d files, %d marked removed; want %d, 5, %d", records, files, marked, due+6, due+1)
		}
		// Every record marked removed has lost its file, and every other kept it.
		var mismatched int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM rights_records r
			WHERE (r.file_removed_at IS NULL) <> EXISTS (SELECT 1 FROM rights_record_files f WHERE f.record_id = r.id)`).
			Scan(&mismatched); err != nil || mismatched != 0 {
			t.Errorf("%d records whose mark and file disagree (%v)", mismatched, err)
		}
	})
}

// TestDatabaseRefusesEarlyRemoval: a record cannot be marked as having lost its
// file before its validity ended.
func TestDatabaseRefusesEarlyRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 3, 9)
		rec, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2026-10", To: "2026-11", Types: allTypes})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "UPDATE rights_records SET file_removed_at = ? WHERE id = ?",
			rec.ValidUntil.Add(-time.Second), rec.ID); err == nil {
			t.Error("a record was marked as having lost its file within its validity")
		}
	})
}
