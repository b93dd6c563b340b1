package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestSweepMaterials: the serving process's sweep deletes the file of a material
// uploaded and never filed once cases.MaterialRetention has passed, not before.
func TestSweepMaterials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSweepFixture(t, db, 26)
		if err := cases.NewCatalog(db).Seed(f.ctx); err != nil {
			t.Fatal(err)
		}
		who := cases.Actor{UnitID: f.createUnit(t).ID, PersonID: f.personID, Role: unit.RoleLegalRep}
		if _, err := f.svc.Cases.Attach(f.ctx, who, cases.ItemEnrolment, "contract", "合同.png", bytes.NewReader(webtest.ScanPNG(t))); err != nil {
			t.Fatal(err)
		}
		files := func() int {
			n := 0
			_ = filepath.WalkDir(filepath.Join(f.cfg.DataDir, "scans"), func(_ string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return nil
			})
			return n
		}
		f.expectSweeps(t, "files", files, []sweepStep{
			{time.Hour, 1},
			{cases.MaterialRetention - time.Minute, 1},
			{cases.MaterialRetention, 0},
		})
	})
}
