package main

import (
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestSweepDrafts: an application draft stays while it is younger than
// cases.DraftRetention and the sweep deletes it after.
func TestSweepDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSweepFixture(t, db, 27)
		if _, err := db.Exec(f.ctx, `INSERT INTO case_drafts (unit_id, item_code, person_id, form, saved_at) VALUES (?, ?, ?, 'name=x', ?)`,
			f.createUnit(t).ID, cases.ItemEnrolment, f.personID, f.t0); err != nil {
			t.Fatal(err)
		}
		f.expectSweeps(t, "drafts", func() int { return f.countRows(t, `SELECT COUNT(*) FROM case_drafts`) }, []sweepStep{
			{time.Hour, 1},
			{cases.DraftRetention - time.Minute, 1},
			{cases.DraftRetention + time.Minute, 0},
		})
	})
}
