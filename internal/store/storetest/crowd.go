package storetest

import (
	"context"
	"sync"
)

// CrowdAndChange races a change against a crowd: workers goroutines each run attempt
// again and again until it returns an error for which refused reports true (the
// change has landed, and every later attempt is refused); once workers attempts have
// succeeded, change runs once among them. It returns the errors of attempts that
// failed otherwise and the change's, including ctx's when it ends first (so a
// deadlock ends the race with ctx's error rather than hanging the test). The caller
// then checks that nothing an attempt wrote outlives the change.
func CrowdAndChange(ctx context.Context, workers int, attempt func(ctx context.Context, worker int) error,
	refused func(error) bool, change func(ctx context.Context) error) []error {
	succeeded := make(chan struct{}, workers)
	errs := make(chan error, workers+1)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				err := attempt(ctx, i)
				switch {
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
