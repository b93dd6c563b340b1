package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/qrlogin"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

func TestSweepDeletesExpiredSessionsAndTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		cfg := config.Defaults()
		cfg.DataDir = t.TempDir() // not ./data in the source tree
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		svc, err := services.Build(cfg, db, nil, clock)
		if err != nil {
			t.Fatal(err)
		}
		g := rand.New(rand.NewPCG(3, 3))
		var pid int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
				VALUES ('resident', ?, '测试', ?, ?, ?) RETURNING id`,
				ident.GenerateResidentID(g, "320102", time.Time{}, true), ident.GenerateMobile(g), now, now).Scan(&pid)
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Sessions.Create(ctx, auth.Subject{PersonID: pid}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.QRLogin.Create(ctx, qrlogin.Request{Kind: qrlogin.KindUnit, Binding: token.New(), ClientAddr: "203.0.113.9"}); err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM qr_tickets)`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		sweepOnce(ctx, svc, log)
		if count() != 2 {
			t.Fatal("a live session or QR ticket was swept")
		}
		// Past the absolute expiry plus the keep period, the row goes.
		now = now.Add(cfg.SessionAbsolute + sweepKeep + time.Minute)
		sweepOnce(ctx, svc, log)
		if n := count(); n != 0 {
			t.Fatalf("%d expired sessions and tickets left after the sweep", n)
		}
	})
}
