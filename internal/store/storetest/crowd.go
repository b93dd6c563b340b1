package storetest

import (
	"context"
	"errors"
	"sync"
)

// errChangeFailed is the cause of the cancellation of CrowdAndChange's context when
// its change fails.
var errChangeFailed = errors.New("storetest: the change failed")

// CrowdAndChange races a change against a crowd: workers goroutines each run attempt
// again and again until it returns an error for which refused reports true (the
// change has landed, and every later attempt is refused); once workers attempts have
// succeeded, change runs once among them. It returns the errors of attempts that
// failed otherwise and the change's, including ctx's when it ends first (so a
// deadlock ends the race with ctx's error rather than hanging the test). The caller
// then checks that nothing an attempt wrote outlives the change. When the change
// fails, the attempts' context is cancelled at once and the crowd stops: no attempt
// will be refused by a change that did not land, and the errors the cancellation
// causes are not reported, only the change's.
func CrowdAndChange(ctx context.Context, workers int, attempt func(ctx context.Context, worker int) error,
	refused func(error) bool, change func(ctx context.Context) error) []error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	succeeded := make(chan struct{}, workers)
	errs := make(chan error, workers+1)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if errors.Is(context.Cause(ctx), errChangeFailed) {
					return
				}
				err := attempt(ctx, i)
				switch {
				case errors.Is(context.Cause(ctx), errChangeFailed):
					return
				case err == nil:
					select {
					case succeeded <- struct{}{}:
					default: // the change has what it waits for
					}
				case refused(err):
					return
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Once some attempts are in, so that the change lands among them.
		for range workers {
			select {
			case <-succeeded:
			case <-ctx.Done():
				errs <- ctx.Err()
				return
			}
		}
		if err := change(ctx); err != nil {
			errs <- err
			cancel(errChangeFailed)
		}
	}()
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}
