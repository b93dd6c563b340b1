package bench

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"hall/internal/person"
)

// HashRate measures H: argon2id hashes per second on this machine with cfg's
// parameters and one goroutine per core (the hall's hasher runs at most one hash
// per core, so this is the most logins per second its hashing allows). It hashes
// for about d; a hash still running at the deadline is finished and counted, and
// the rate is taken over the time actually spent.
func HashRate(ctx context.Context, cfg person.HashConfig, d time.Duration) float64 {
	workers := runtime.NumCPU()
	var done atomic.Int64
	var wg sync.WaitGroup
	salt := make([]byte, max(cfg.SaltLen, 8))
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// #nosec G115 -- w only varies the password between workers; wrapping past 255 is harmless.
			password := []byte{'H', byte(w)}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				argon2.IDKey(password, salt, cfg.Time, cfg.Memory, cfg.Threads, max(cfg.KeyLen, 16))
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}
