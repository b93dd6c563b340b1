package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/config"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/qrlogin"
	"hall/internal/services"
	"hall/internal/sms"
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

// TestSweepRetention: the retention of docs/security.md: development outbox messages
// go after a week, delegation text messages sent or given up on after a month
// (those still due stay), and the audit log is never swept.
func TestSweepRetention(t *testing.T) {
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
		g := rand.New(rand.NewPCG(16, 3))
		mobile := ident.GenerateMobile(g)
		var pid int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
				VALUES ('resident', ?, '测试', ?, ?, ?) RETURNING id`,
				ident.GenerateResidentID(g, "320102", time.Time{}, true), mobile, t0, t0).Scan(&pid)
		}); err != nil {
			t.Fatal(err)
		}
		if err := svc.DevOutbox.Send(ctx, sms.Message{Mobile: mobile, Text: "【测试】您的验证码为123456", Purpose: "login"}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO delegation_notices (person_id, purpose, text, created_at, sent_at) VALUES (?, 'delegation-invite', '已发送', ?, ?)`,
			`INSERT INTO delegation_notices (person_id, purpose, text, created_at, failed_at) VALUES (?, 'delegation-invite', '未送达', ?, ?)`,
			`INSERT INTO delegation_notices (person_id, purpose, text, created_at, claimed_at) VALUES (?, 'delegation-invite', '待发送', ?, ?)`,
		} {
			if _, err := db.Exec(ctx, q, pid, t0, t0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Audit.Record(ctx, audit.Entry{PersonID: pid, Action: "login.person.sms", Result: audit.Success}); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		steps := []struct {
			after                    time.Duration
			outbox, notices, audited int
		}{
			{sms.OutboxRetention - time.Minute, 1, 3, 1},
			{sms.OutboxRetention + time.Minute, 0, 3, 1},
			{delegation.NoticeRetention - time.Minute, 0, 3, 1},
			{delegation.NoticeRetention + time.Minute, 0, 1, 1},
			{400 * 24 * time.Hour, 0, 1, 1},
		}
		for _, s := range steps {
			now = t0.Add(s.after)
			sweepOnce(ctx, svc, log)
			if got := count(`SELECT COUNT(*) FROM sms_outbox`); got != s.outbox {
				t.Errorf("after %s: %d outbox messages, want %d", s.after, got, s.outbox)
			}
			if got := count(`SELECT COUNT(*) FROM delegation_notices`); got != s.notices {
				t.Errorf("after %s: %d delegation notices, want %d", s.after, got, s.notices)
			}
			if got := count(`SELECT COUNT(*) FROM audit_log`); got != s.audited {
				t.Errorf("after %s: %d audit records, want %d", s.after, got, s.audited)
			}
		}
		if got := count(`SELECT COUNT(*) FROM delegation_notices WHERE sent_at IS NULL AND failed_at IS NULL`); got != 1 {
			t.Errorf("the message still due was swept")
		}
	})
}
