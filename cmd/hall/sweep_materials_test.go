package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestSweepMaterials: the serving process's sweep deletes the file of a material
// uploaded and never filed once cases.MaterialRetention has passed, not before.
func TestSweepMaterials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
		now := t0
		cfg := config.Defaults()
		cfg.DataDir = t.TempDir()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		svc, err := services.Build(cfg, db, nil, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		if err := cases.NewCatalog(db).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		g := rand.New(rand.NewPCG(26, 2))
		var who cases.Actor
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			var pid int64
			if err := tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
				VALUES ('resident', ?, '测试', ?, ?, ?) RETURNING id`,
				ident.GenerateResidentID(g, "320102", time.Time{}, true), ident.GenerateMobile(g), t0, t0).Scan(&pid); err != nil {
				return err
			}
			u, err := unit.New(db, func() time.Time { return now }).Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(g, "320102"),
				Name: "示范商贸有限公司", UnitType: "enterprise", Region: "320102", LegalRepPersonID: pid})
			who = cases.Actor{UnitID: u.ID, PersonID: pid, Role: unit.RoleLegalRep}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Cases.Attach(ctx, who, cases.ItemEnrolment, "contract", "合同.png", bytes.NewReader(webtest.ScanPNG(t))); err != nil {
			t.Fatal(err)
		}
		files := func() int {
			n := 0
			_ = filepath.WalkDir(filepath.Join(cfg.DataDir, "scans"), func(_ string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return nil
			})
			return n
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		for _, s := range []struct {
			after time.Duration
			want  int
		}{
			{time.Hour, 1},
			{cases.MaterialRetention - time.Minute, 1},
			{cases.MaterialRetention, 0},
		} {
			now = t0.Add(s.after)
			sweepOnce(ctx, svc, log)
			if n := files(); n != s.want {
				t.Errorf("after %s: %d files, want %d", s.after, n, s.want)
			}
		}
	})
}
