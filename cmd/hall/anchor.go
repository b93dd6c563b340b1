package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"hall/internal/audit"
	"hall/internal/services"
)

// anchorShutdownTimeout bounds the last anchor written when `hall serve` stops.
const anchorShutdownTimeout = 10 * time.Second

// anchorOnce appends an anchor of the audit chain's head to the anchor file when the
// head moved (audit.Log.WriteAnchor). Failures are logged, not fatal: the hall keeps
// serving and the next round tries again. Several processes on one database may each
// anchor: every line stands alone.
func anchorOnce(ctx context.Context, s *services.Services, log *slog.Logger) {
	path := s.Config.AuditAnchorFile
	a, wrote, err := s.Audit.WriteAnchor(ctx, path)
	switch {
	case errors.Is(err, audit.ErrHeadBehindAnchor):
		// The chain lost rows it had, or the file is another database's: the file
		// is left as it is, as evidence, and this is said every round.
		log.Error("audit chain is behind its anchor file; run 'hall audit verify'", "file", path, "err", err)
	case err != nil:
		if ctx.Err() == nil {
			log.Error("audit anchor not written", "file", path, "err", err)
		}
	case wrote:
		log.Debug("audit anchor written", "file", path, "seq", a.Seq)
	}
}

// startAnchors anchors at once and then every interval until ctx ends or the returned
// stop is called. stop waits for the loop and writes one last anchor, so that the
// file names the head this process leaves behind; call it after the HTTP server has
// drained its requests and before the database closes.
func startAnchors(ctx context.Context, s *services.Services, log *slog.Logger, interval time.Duration) (stop func()) {
	loopCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			anchorOnce(loopCtx, s, log)
			select {
			case <-loopCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
		// ctx has usually ended (SIGTERM) by now; the last anchor gets a time of its own.
		lastCtx, cancelLast := context.WithTimeout(context.WithoutCancel(ctx), anchorShutdownTimeout)
		defer cancelLast()
		anchorOnce(lastCtx, s, log)
	}
}
