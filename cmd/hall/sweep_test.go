package main

import (
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/qrlogin"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

func TestSweepDeletesExpiredSessionsAndTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSweepFixture(t, db, 3)
		if _, _, err := f.svc.Sessions.Create(f.ctx, auth.Subject{PersonID: f.personID}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.QRLogin.Create(f.ctx, qrlogin.Request{Kind: qrlogin.KindUnit, Binding: token.New(), ClientAddr: "203.0.113.9"}); err != nil {
			t.Fatal(err)
		}
		// Past the absolute expiry plus the keep period, the rows go.
		f.expectSweeps(t, "sessions and QR tickets", func() int {
			return f.countRows(t, `SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM qr_tickets)`)
		}, []sweepStep{
			{0, 2},
			{f.cfg.SessionAbsolute + sweepKeep + time.Minute, 0},
		})
	})
}

// TestSweepRetention: the retention of docs/security.md: development outbox messages
// go after a week, delegation text messages sent or given up on after a month
// (those still due stay), and the audit log is never swept.
func TestSweepRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSweepFixture(t, db, 16)
		if err := f.svc.DevOutbox.Send(f.ctx, sms.Message{Mobile: f.mobile, Text: "【测试】您的验证码为123456", Purpose: "login"}); err != nil {
			t.Fatal(err)
		}
		// Sent, given up on, and still due; the sweep goes by state and time, not by
		// the (sealed) text, which these rows leave empty.
		for _, q := range []string{
			`INSERT INTO delegation_notices (person_id, purpose, created_at, sent_at) VALUES (?, 'delegation-invite', ?, ?)`,
			`INSERT INTO delegation_notices (person_id, purpose, created_at, failed_at) VALUES (?, 'delegation-invite', ?, ?)`,
			`INSERT INTO delegation_notices (person_id, purpose, created_at, claimed_at) VALUES (?, 'delegation-invite', ?, ?)`,
		} {
			if _, err := db.Exec(f.ctx, q, f.personID, f.t0, f.t0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Audit.Record(f.ctx, audit.Entry{PersonID: f.personID, Action: "login.person.sms", Result: audit.Success}); err != nil {
			t.Fatal(err)
		}
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
			f.sweepAt(s.after)
			if got := f.countRows(t, `SELECT COUNT(*) FROM sms_outbox`); got != s.outbox {
				t.Errorf("after %s: %d outbox messages, want %d", s.after, got, s.outbox)
			}
			if got := f.countRows(t, `SELECT COUNT(*) FROM delegation_notices`); got != s.notices {
				t.Errorf("after %s: %d delegation notices, want %d", s.after, got, s.notices)
			}
			if got := f.countRows(t, `SELECT COUNT(*) FROM audit_log`); got != s.audited {
				t.Errorf("after %s: %d audit records, want %d", s.after, got, s.audited)
			}
		}
		if got := f.countRows(t, `SELECT COUNT(*) FROM delegation_notices WHERE sent_at IS NULL AND failed_at IS NULL`); got != 1 {
			t.Errorf("the message still due was swept")
		}
	})
}
