package person

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestKeyRotationUnderLoad: while a rotation re-seals the persons under a new data
// key, a batch at a time, logins by ID number and by mobile keep succeeding — each
// batch waits until logins have run against the half-rotated table — and afterwards
// every value is under the new key, so the old one can go: with the new key alone
// every person still logs in, and a second rotation finds nothing to do.
func TestKeyRotationUnderLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var logins []string
		for range 8 {
			_, in := f.register(t)
			logins = append(logins, in.IDNumber, in.Mobile)
		}
		newKey := storetest.BeginRotation(t, db)

		var done, failed atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					login := logins[i%len(logins)]
					if _, err := f.svc.Authenticate(ctx, login, testPassword); err != nil {
						failed.Add(1)
						t.Errorf("login %s during the rotation: %v", ident.MaskText(login), err)
					}
					done.Add(1)
				}
			}()
		}
		batches := 0
		sum, err := db.RotateKeys(ctx, 3, func(p store.RotationProgress) {
			batches++
			// Let logins run against the table as this batch left it.
			for seen := done.Load(); done.Load() < seen+4 && failed.Load() == 0; {
				runtime.Gosched()
			}
		})
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if sum.Resealed != 8 || sum.Unreadable != 0 || batches < 3 {
			t.Fatalf("rotation: %+v in %d batches; want the 8 persons re-sealed in at least 3", sum, batches)
		}

		storetest.EndRotation(t, db, newKey)
		for _, login := range logins {
			if _, err := f.svc.Authenticate(ctx, login, testPassword); err != nil {
				t.Errorf("login %s with the new key alone: %v", ident.MaskText(login), err)
			}
		}
		again, err := db.RotateKeys(ctx, 3, nil)
		if err != nil || again.Resealed != 0 {
			t.Errorf("a second rotation: %+v, %v; want nothing re-sealed", again, err)
		}
	})
}

// TestRegistrationSeesRowsUnderPreviousKeys: while a rotation has not re-indexed a
// person (their row still carries the previous key's indexes), registering their
// ID number or mobile again is refused as taken — the check searches the indexes of
// every key — so the §9 uniqueness holds between rows indexed under different keys.
func TestRegistrationSeesRowsUnderPreviousKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, first := f.register(t)
		storetest.BeginRotation(t, db)
		sameID := f.validInput()
		sameID.IDNumber = first.IDNumber
		if _, err := f.svc.Register(context.Background(), sameID); !errors.Is(err, ErrIDTaken) {
			t.Errorf("the ID number of a row under the previous key: %v, want %v", err, ErrIDTaken)
		}
		sameMobile := f.validInput()
		sameMobile.Mobile = first.Mobile
		sameMobile.SMSCode = f.codes.issue(PurposeRegister, sameMobile.Binding, sameMobile.Mobile, "246810")
		if _, err := f.svc.Register(context.Background(), sameMobile); !errors.Is(err, ErrMobileTaken) {
			t.Errorf("the mobile of a row under the previous key: %v, want %v", err, ErrMobileTaken)
		}
		if n := count(t, db, "persons"); n != 1 {
			t.Errorf("%d persons, want 1", n)
		}
	})
}
