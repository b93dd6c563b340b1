package storetest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"hall/internal/store"
)

// recorder is a testing.TB whose Fatalf records the failure and ends the goroutine,
// so that a test can see Contend fail.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// contend runs Contend under a recorder and returns its result and failure.
func contend(t *testing.T, db *store.DB, first func(context.Context, *store.Tx) error, second func(*store.DB) error) (failure string, err error) {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		err = Contend(r, db, first, second, "INSERT INTO unit_number_seq")
	}()
	<-done
	return r.failure, err
}

func insertSeq(region string) func(context.Context, *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO unit_number_seq (region, next) VALUES (?, 1)`, region)
		return err
	}
}

// TestContend: a second writer that collides with the first is seen shut out and
// its refusal returned; one that does not collide fails the test.
func TestContend(t *testing.T) {
	Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		other := func(region string) func(*store.DB) error {
			return func(h *store.DB) error {
				return h.Tx(ctx, func(tx *store.Tx) error { return insertSeq(region)(ctx, tx) })
			}
		}

		failure, err := contend(t, db, insertSeq("320102"), other("320102"))
		if failure != "" || !store.IsUniqueViolation(err) {
			t.Fatalf("colliding writers: failure %q, second writer's answer %v, want a unique violation", failure, err)
		}

		// On PostgreSQL a second writer on another row does not wait; on SQLite
		// every writer is shut out, so the one that slips through writes nothing.
		second := other("110101")
		if db.Engine == store.SQLite {
			second = func(*store.DB) error { return nil }
		}
		failure, _ = contend(t, db, insertSeq("440305"), second)
		if !strings.Contains(failure, "while the first held its transaction open") {
			t.Fatalf("a second writer that was not shut out: failure %q", failure)
		}
	})
}
