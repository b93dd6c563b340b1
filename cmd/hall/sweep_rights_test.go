package main

import (
	"strings"
	"testing"
	"time"

	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestSweepRightsFiles: the serving process's sweep deletes a rights record's
// signed PDF once its validity and the configured keeping time after it are over
// (--rights-file-keep-months, here 2), not before, and keeps the record.
func TestSweepRightsFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSweepFixture(t, db, 28)
		f.cfg.RightsFileKeepMonths = 2
		svc, err := services.Build(f.cfg, db, nil, f.clock)
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		u := f.createUnit(t)
		var membership int64
		if err := db.QueryRow(f.ctx, "SELECT id FROM memberships WHERE unit_id = ? AND person_id = ?", u.ID, f.personID).
			Scan(&membership); err != nil {
			t.Fatal(err)
		}
		validUntil := f.t0.AddDate(0, 6, 0)
		err = db.Tx(f.ctx, func(tx *store.Tx) error {
			var id int64
			err := tx.QueryRow(f.ctx, `INSERT INTO rights_records (token_hash, unit_id, uscc, unit_name, insured_place,
				from_month, to_month, type_counts, employees, pages, sha256, size, issued_at, valid_until,
				person_id, membership_id, role) VALUES (?, ?, ?, ?, '江苏省南京市玄武区', 202601, 202610, 'pension=1', 1, 1, ?, 5, ?, ?, ?, ?, 'legal_rep')
				RETURNING id`, strings.Repeat("c", 64), u.ID, u.USCC, u.Name, strings.Repeat("d", 64), f.t0, validUntil,
				f.personID, membership).Scan(&id)
			if err != nil {
				return err
			}
			_, err = tx.Exec(f.ctx, "INSERT INTO rights_record_files (record_id, pdf) VALUES (?, ?)", id, []byte("%PDF-"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		keptUntil := validUntil.AddDate(0, 2, 0)
		if got := f.svc.Rights.Rules().FileKeptUntil(validUntil); !got.Equal(keptUntil) {
			t.Fatalf("the serving process keeps a file until %v, want two months after its validity, %v", got, keptUntil)
		}
		f.expectSweeps(t, "files", func() int { return f.countRows(t, `SELECT COUNT(*) FROM rights_record_files`) }, []sweepStep{
			{validUntil.Sub(f.t0), 1},
			{keptUntil.Sub(f.t0) - time.Minute, 1},
			{keptUntil.Sub(f.t0), 0},
		})
		if n := f.countRows(t, `SELECT COUNT(*) FROM rights_records WHERE file_removed_at IS NOT NULL`); n != 1 {
			t.Errorf("%d records kept and marked, want the one", n)
		}
	})
}
