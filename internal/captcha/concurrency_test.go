package captcha_test

import (
	"errors"
	"sync"
	"testing"

	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestConcurrentVerify sends 20 correct solutions of one challenge at once (run it
// with -race): exactly one may pass, the others find it used. Then 20 redemptions
// of the pass token at once: exactly one is accepted.
func TestConcurrentVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		ch := mustNew(t, p, captcha.PurposeLogin, browserA)
		x := solution(t, db, ch.ID)
		const n = 20
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			tokens  []string
			used    int
			unknown []error
		)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				tok, err := p.Verify(t.Context(), ch.ID, browserA, captchatest.HumanDrag(float64(x), uint64(i)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					tokens = append(tokens, tok)
				case errors.Is(err, captcha.ErrUsed):
					used++
				default:
					unknown = append(unknown, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(unknown) > 0 {
			t.Fatalf("unexpected errors: %v", unknown)
		}
		if len(tokens) != 1 || used != n-1 {
			t.Fatalf("%d successes and %d ErrUsed of %d concurrent correct Verifys, want 1 and %d", len(tokens), used, n, n-1)
		}

		// And the token, redeemed 20 times at once, passes once.
		var ok, spent int
		for range n {
			wg.Go(func() {
				err := p.Redeem(t.Context(), tokens[0], captcha.PurposeLogin, browserA)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, captcha.ErrUsed):
					spent++
				default:
					unknown = append(unknown, err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || spent != n-1 || len(unknown) > 0 {
			t.Fatalf("concurrent Redeem: %d ok, %d ErrUsed, errors %v", ok, spent, unknown)
		}
	})
}
