package main

import (
	"context"
	"log/slog"
	"time"

	"hall/internal/delegation"
	"hall/internal/services"
	"hall/internal/sms"
)

// sweepInterval is how often a serving process deletes expired short-lived rows.
// Several processes may sweep at once: every sweep is an idempotent DELETE (the
// unfiled materials' a conditional UPDATE that marks each row once, so that one
// process removes each file).
const sweepInterval = 10 * time.Minute

// registrySyncInterval is how often a serving process applies the registry's changes
// (B5); `hall import registry` applies them at once, and staff can sync on demand.
const registrySyncInterval = 10 * time.Minute

// sweepKeep is how long ended or expired rows stay before they are deleted, so that
// a support question about a failed flow can still be answered the same day.
const sweepKeep = 24 * time.Hour

// sweepOnce deletes expired sessions, flows, verification sessions, QR login
// tickets, SMS codes, login-throttle counters and captcha challenges, delegation
// text messages done for a month, application drafts a month after they were last
// saved (cases.DraftRetention), the files of 申请材料 that no case recorded and no
// draft holds two days after their upload (cases.MaterialRetention), the signed
// PDFs of rights records whose keeping time after their validity is over
// (rights.Service.SweepFiles; the records stay) and development outbox messages a
// week old
// (docs/security.md, "Retention").
// Failures are logged, not fatal: the next round tries again.
func sweepOnce(ctx context.Context, s *services.Services, log *slog.Logger) {
	jobs := []struct {
		name string
		run  func(context.Context) (int, error)
	}{
		{"sessions", func(ctx context.Context) (int, error) { return s.Sessions.Sweep(ctx, sweepKeep) }},
		{"flows", func(ctx context.Context) (int, error) { return s.Flows.Sweep(ctx, sweepKeep) }},
		{"verify sessions", func(ctx context.Context) (int, error) { return s.Verify.Sweep(ctx, sweepKeep) }},
		{"qr login tickets", func(ctx context.Context) (int, error) { return s.QRLogin.Sweep(ctx, sweepKeep) }},
		{"sms codes", func(ctx context.Context) (int, error) { return 0, s.Codes.Purge(ctx) }},
		{"login throttle", s.Throttle.Sweep},
		{"captchas", func(ctx context.Context) (int, error) { return s.Captcha.Sweep(ctx, sweepKeep) }},
		{"staff sessions", func(ctx context.Context) (int, error) {
			n, err := s.Staff.SweepSessions(ctx, sweepKeep)
			return int(n), err
		}},
		{"case drafts", s.Cases.SweepDrafts},
		{"unfiled material files", s.Cases.SweepMaterials},
		{"rights record files", s.Rights.SweepFiles},
		{"delegation notices", func(ctx context.Context) (int, error) {
			return s.Delegation.SweepNotices(ctx, delegation.NoticeRetention)
		}},
	}
	if s.DevOutbox != nil {
		jobs = append(jobs, struct {
			name string
			run  func(context.Context) (int, error)
		}{"development sms outbox", func(ctx context.Context) (int, error) { return s.DevOutbox.Sweep(ctx, sms.OutboxRetention) }})
	}
	for _, j := range jobs {
		n, err := j.run(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("sweep failed", "what", j.name, "err", err)
			}
			continue
		}
		if n > 0 {
			log.Info("swept expired rows", "what", j.name, "rows", n)
		}
	}
}

// sweepLoop runs sweepOnce every interval until ctx ends.
func sweepLoop(ctx context.Context, s *services.Services, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sweepOnce(ctx, s, log)
		}
	}
}
