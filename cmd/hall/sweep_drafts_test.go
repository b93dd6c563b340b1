package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// TestSweepDrafts: an application draft stays while it is younger than
// cases.DraftRetention and the sweep deletes it after.
func TestSweepDrafts(t *testing.T) {
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
		g := rand.New(rand.NewPCG(26, 1))
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			var pid int64
			if err := tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
				VALUES ('resident', ?, '测试', ?, ?, ?) RETURNING id`,
				ident.GenerateResidentID(g, "320102", time.Time{}, true), ident.GenerateMobile(g), t0, t0).Scan(&pid); err != nil {
				return err
			}
			u, err := unit.New(db, func() time.Time { return now }).Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(g, "320102"),
				Name: "示范商贸有限公司", UnitType: "enterprise", Region: "320102", LegalRepPersonID: pid})
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO case_drafts (unit_id, item_code, person_id, form, saved_at) VALUES (?, ?, ?, 'name=x', ?)`,
				u.ID, cases.ItemEnrolment, pid, t0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		for _, s := range []struct {
			after time.Duration
			want  int
		}{
			{time.Hour, 1},
			{cases.DraftRetention - time.Minute, 1},
			{cases.DraftRetention + time.Minute, 0},
		} {
			now = t0.Add(s.after)
			sweepOnce(ctx, svc, log)
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM case_drafts`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != s.want {
				t.Errorf("after %s: %d drafts, want %d", s.after, n, s.want)
			}
		}
	})
}
