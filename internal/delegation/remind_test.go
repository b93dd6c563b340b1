package delegation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, adm, ag, pend := f.person(t), f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		admInv := f.admin(t, u, rep, adm, 60*day24)
		agInv := f.agent(t, u, adm, ag, 20*day24, "SB-001")
		if _, err := f.svc.AddAgent(f.ctx, rep.actor(), u, pend.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(10*day24)); err != nil {
			t.Fatal(err)
		}
		start := f.clk.Now()
		sent := func(p who) int {
			n := 0
			for _, s := range f.texts(t, p) {
				if strings.Contains(s, "到期") {
					n++
				}
			}
			return n
		}
		run := func(at time.Duration, want int) {
			t.Helper()
			f.clk.Set(start.Add(at))
			n, err := f.svc.RunReminders(f.ctx, f.clk.Now())
			if err != nil || n != want {
				t.Fatalf("RunReminders at +%v = %d, %v; want %d", at, n, err, want)
			}
		}
		run(0, 0)
		run(13*day24-time.Second, 0) // the agent's grant ends in 7 days and 1 second
		run(13*day24, 1)
		if sent(ag) != 1 || sent(adm) != 1 || sent(rep) != 0 || sent(pend) != 0 {
			t.Fatalf("reminders: agent %d, admin (grantor) %d, legal rep %d, pending %d", sent(ag), sent(adm), sent(rep), sent(pend))
		}
		texts := f.texts(t, ag)
		if last := texts[len(texts)-1]; !strings.HasPrefix(last, "【示范省人社】您在示范") || !strings.Contains(last, "的经办人授权有效期至2026-05-03 09:30，即将到期") {
			t.Fatalf("agent reminder %q", last)
		}
		run(14*day24, 0) // once per grant

		// Moving the end reminds again before the new end; the grantor who left is
		// replaced by the legal rep.
		if err := f.svc.ChangeAgent(f.ctx, rep.actor(), u, agInv.MembershipID, []string{"SB-001"}, time.Time{}, start.Add(50*day24)); err != nil {
			t.Fatal(err)
		}
		run(42*day24, 0)
		if err := f.svc.RemoveAdmin(f.ctx, rep.actor(), u, admInv.MembershipID); err != nil {
			t.Fatal(err)
		}
		run(43*day24, 1)
		if sent(ag) != 2 || sent(rep) != 1 || sent(adm) != 1 {
			t.Fatalf("second reminder: agent %d, legal rep %d, old admin %d", sent(ag), sent(rep), sent(adm))
		}
		run(49*day24, 0)
		run(50*day24, 0) // ended: nothing more to remind
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE sent_at IS NULL`); n != 0 {
			t.Fatalf("%d notices unsent", n)
		}
	})
}

// TestRemindersOnceUnderConcurrency: two runners (as two processes would) remind
// every grant exactly once.
func TestRemindersOnceUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var agents []who
		var reps []who
		for range 3 {
			rep := f.person(t)
			u := f.unit(t, rep)
			reps = append(reps, rep)
			for i := range 8 {
				ag := f.person(t)
				f.agent(t, u, rep, ag, time.Duration(10*24+12*i)*time.Hour, "SB-001") // all end 3–6.5 days after +7d
				agents = append(agents, ag)
			}
		}
		f.clk.Add(7 * day24)
		var wg sync.WaitGroup
		counts := make([]int, 4)
		errs := make([]error, 4)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					n, err := f.svc.RunReminders(f.ctx, f.clk.Now())
					counts[i] += n
					if err != nil {
						errs[i] = err
						return
					}
				}
			}()
		}
		wg.Wait()
		total := 0
		for i := range counts {
			if errs[i] != nil {
				t.Fatalf("runner %d: %v", i, errs[i])
			}
			total += counts[i]
		}
		if total != len(agents) {
			t.Fatalf("%d reminders claimed for %d grants", total, len(agents))
		}
		for _, ag := range agents {
			if n := f.sent(t, ag.Mobile, purposeRemind); n != 1 {
				t.Fatalf("agent got %d reminders", n)
			}
		}
		for _, rep := range reps {
			if n := f.sent(t, rep.Mobile, purposeRemind); n != 8 {
				t.Fatalf("legal rep got %d reminders, want 8", n)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'delegation.remind'`); n != len(agents) {
			t.Fatalf("%d audit records for %d reminders", n, len(agents))
		}
	})
}

func TestNoticeDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixtureWith(t, db, fakeHasher{}, Config{NoticeAttempts: 2})
		rep := f.person(t)
		u := f.unit(t, rep)
		until := f.clk.Now().Add(30 * day24)
		add := func() (who, Invitation) {
			t.Helper()
			p := f.person(t)
			inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, p.Nominee, []string{"SB-001"}, time.Time{}, until)
			if err != nil {
				t.Fatal(err)
			}
			return p, inv
		}

		f.outbox.FailNext(errors.New("gateway timeout"))
		p1, inv := add()
		if inv.Notified || len(f.texts(t, p1)) != 0 {
			t.Fatalf("notified %v with the gateway down", inv.Notified)
		}
		if n, err := f.svc.DeliverNotices(f.ctx); err != nil || n != 1 || len(f.texts(t, p1)) != 1 {
			t.Fatalf("retry sent %d, %v", n, err)
		}

		f.outbox.FailNext(fmt.Errorf("%w: blocked number", sms.ErrUndeliverable))
		p2, _ := add()
		f.outbox.FailNext(errors.New("timeout"))
		f.outbox.FailNext(errors.New("timeout"))
		p3, _ := add()
		if n, err := f.svc.DeliverNotices(f.ctx); err != nil || n != 0 {
			t.Fatalf("DeliverNotices = %d, %v; want nothing sent", n, err)
		}
		if n, _ := f.svc.DeliverNotices(f.ctx); n != 0 || len(f.texts(t, p2)) != 0 || len(f.texts(t, p3)) != 0 {
			t.Fatal("a refused or exhausted message was sent again")
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delegation_notices WHERE failed_at IS NOT NULL`); n != 2 {
			t.Fatalf("%d failed notices, want 2", n)
		}

		// A sender that died after claiming: the message waits for the lease.
		p4 := f.person(t)
		var id int64
		err := db.Tx(f.ctx, func(tx *store.Tx) error {
			tt := &txn{Tx: tx, ctx: f.ctx, now: store.Time(f.clk.Now())}
			if err := tt.queueNotice(p4.ID, purposeRemind, "【示范省人社】测试提醒"); err != nil {
				return err
			}
			id = tt.notices[0]
			_, err := tx.Exec(f.ctx, `UPDATE delegation_notices SET claimed_at = ?, attempts = 1 WHERE id = ?`, tt.now, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.DeliverNotices(f.ctx); n != 0 {
			t.Fatal("a claimed message was taken before its lease ran out")
		}
		f.clk.Add(DefaultNoticeLease)
		if n, _ := f.svc.DeliverNotices(f.ctx); n != 1 || len(f.texts(t, p4)) != 1 {
			t.Fatalf("after the lease: sent %d", n)
		}
	})
}

func TestRunner(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixtureWith(t, db, fakeHasher{}, Config{RunInterval: time.Second})
	rep, p := f.person(t), f.person(t)
	u := f.unit(t, rep)
	inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, p.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*day24))
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Add(8 * day24)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- NewRunner(f.svc, nil).Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for f.count(t, `SELECT COUNT(*) FROM memberships WHERE id = ? AND status = 'revoked'`, inv.MembershipID) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the runner did not expire the invitation")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{InvitationTTL: 3 * day24, ReminderLead: 14 * day24, Sign: "人社厅"}, true},
		{Config{InvitationTTL: time.Minute}, false},
		{Config{ReminderLead: 365 * day24}, false},
		{Config{RunInterval: time.Millisecond}, false},
		{Config{Sign: "人"}, false},
	}
	for _, c := range cases {
		if err := c.cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", c.cfg, err, c.ok)
		}
	}
}

// TestExpiryOnceAcrossProcesses: while one process's sweep has expired an
// invitation and not yet committed, another process's sweep waits for the
// membership's row (SQLite: for the one writer) and then expires nothing, so the
// expiry has one audit record.
func TestExpiryOnceAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, p := f.person(t), f.person(t)
		u := f.unit(t, rep)
		inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, p.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*day24))
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Add(8 * day24)
		var second int
		err = storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			// The first sweep's transaction as ExpireInvitations runs it, audit included.
			cmd := &txn{Tx: tx, ctx: ctx, now: store.Time(f.clk.Now())}
			n, err := f.svc.expireInvitations(cmd, 0, expireBatch)
			if err == nil && n != 1 {
				t.Errorf("the first sweep expired %d invitations, want 1", n)
			}
			for _, e := range cmd.entries {
				if _, err := f.svc.audit.Append(ctx, tx, e); err != nil {
					return err
				}
			}
			return err
		}, func(h *store.DB) error {
			var err error
			second, err = f.serviceOn(t, h).ExpireInvitations(context.Background())
			return err
		}, "SET status = 'revoked'")
		if err != nil {
			t.Fatalf("the second sweep: %v", err)
		}
		if second != 0 {
			t.Fatalf("the second sweep expired %d invitations again", second)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'delegation.expire'`); n != 1 {
			t.Fatalf("%d expiry audit records", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM memberships WHERE id = ? AND status = 'revoked'`, inv.MembershipID); n != 1 {
			t.Fatal("the membership is not revoked")
		}
	})
}

// TestNoticeClaimedOnce: while one process holds its claim on a due text
// uncommitted, another process's DeliverNotices waits for the row (SQLite: for the
// one writer) and then leaves it alone: the text goes out once, by its claimant.
func TestNoticeClaimedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, p := f.person(t), f.person(t)
		u := f.unit(t, rep)
		f.outbox.FailNext(errors.New("gateway timeout"))
		if _, err := f.svc.AddAgent(f.ctx, rep.actor(), u, p.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*day24)); err != nil {
			t.Fatal(err)
		}
		if len(f.texts(t, p)) != 0 {
			t.Fatal("the invitation text went out with the gateway down")
		}
		var sent int
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			// The first sender's claim, as deliverOne takes it.
			res, err := tx.Exec(ctx, `UPDATE delegation_notices SET claimed_at = ?, attempts = attempts + 1
				WHERE sent_at IS NULL AND failed_at IS NULL AND claimed_at IS NULL`, store.Time(f.clk.Now()))
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					t.Errorf("the first sender claimed %d texts, want 1", n)
				}
			}
			return err
		}, func(h *store.DB) error {
			var err error
			sent, err = f.serviceOn(t, h).DeliverNotices(context.Background())
			return err
		}, "UPDATE delegation_notices SET claimed_at")
		if err != nil {
			t.Fatalf("the second sender: %v", err)
		}
		if sent != 0 || len(f.texts(t, p)) != 0 {
			t.Fatalf("the second sender sent %d texts of a claimed notice", sent)
		}
	})
}

// TestRunnerQuietAtShutdown: a round cut short because the process is stopping
// logs no error (the next start does the work); a round that fails otherwise does.
func TestRunnerQuietAtShutdown(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	for _, c := range []struct {
		name      string
		stopping  bool
		wantError bool
	}{
		{"stopping", true, false},
		{"database closed", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logged bytes.Buffer
			r := NewRunner(f.svc, slog.New(slog.NewTextHandler(&logged, nil)))
			ctx, cancel := context.WithCancel(f.ctx)
			defer cancel()
			if c.stopping {
				cancel()
			} else {
				closed := storetest.SQLite(t)
				closed.Close()
				r = NewRunner(f.serviceOn(t, closed), slog.New(slog.NewTextHandler(&logged, nil)))
			}
			r.Once(ctx)
			if got := strings.Contains(logged.String(), "level=ERROR"); got != c.wantError {
				t.Fatalf("logged an error: %v, want %v; log:\n%s", got, c.wantError, logged.String())
			}
		})
	}
}
