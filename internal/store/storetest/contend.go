package storetest

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hall/internal/store"
)

// LockWaitDeadline bounds how long Contend looks for the second writer waiting on
// PostgreSQL. It is a failure bound, not a pause: Contend goes on as soon as it sees
// the wait.
const LockWaitDeadline = 10 * time.Second

// Contend shows that the database itself puts a second writer behind a first one,
// whatever the goroutine schedule: goroutines started together may well run one
// after the other and let a missing lock go unnoticed, so instead the first
// writer's transaction is held open while the second writer runs against it.
//
// first runs inside a transaction on db, which stays open until the second writer
// has been seen shut out:
//   - on PostgreSQL, second(db) runs in another goroutine and must be seen in
//     pg_stat_activity waiting for a lock (wait_event_type 'Lock') in a statement
//     containing waitsIn, before the first commits; finishing first, or not waiting
//     within LockWaitDeadline, fails the test, since then nothing serialized the two;
//   - on SQLite the one-writer lock is what serializes writers: second runs on
//     another handle on the same file, as a second hall process would, that does not
//     wait for the lock (busy_timeout 0), and must be refused with SQLITE_BUSY while
//     the first is open.
//
// Then the first commits (its failure fails the test) and Contend returns the
// second writer's answer: on PostgreSQL that of the call that waited, on SQLite
// that of a second call of second on the other handle, now that the lock is free.
// second builds whatever service it calls on the handle it is given.
func Contend(t testing.TB, db *store.DB, first func(ctx context.Context, tx *store.Tx) error,
	second func(db *store.DB) error, waitsIn string) error {
	t.Helper()
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	released := false
	let := func() {
		if !released {
			released = true
			close(release)
		}
	}
	defer let() // a failed assertion below must not leave the first transaction open
	go func() {
		firstDone <- db.Tx(ctx, func(tx *store.Tx) error {
			if err := first(ctx, tx); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-firstDone:
		t.Fatalf("the first writer failed: %v", err)
	}
	commit := func() {
		t.Helper()
		let()
		if err := <-firstDone; err != nil {
			t.Fatalf("the first writer could not commit: %v", err)
		}
	}

	if db.Engine == store.Postgres {
		secondDone := make(chan error, 1)
		go func() { secondDone <- second(db) }()
		waitingForLock(t, db, waitsIn, secondDone)
		commit()
		return <-secondDone
	}

	other := otherWriter(t, db)
	if err := second(other); !isBusy(err) {
		t.Fatalf("a second writer ran while the first held its transaction open: got %v, want SQLITE_BUSY", err)
	}
	commit()
	return second(other)
}

// waitingForLock polls pg_stat_activity until a session of db's database other than
// the poller's waits for a lock in a statement containing waitsIn. It fails the test
// when done yields first (the second writer finished without waiting) or after
// LockWaitDeadline.
func waitingForLock(t testing.TB, db *store.DB, waitsIn string, done <-chan error) {
	t.Helper()
	ctx := context.Background()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(LockWaitDeadline)
	defer deadline.Stop()
	for {
		var event, query string
		err := db.QueryRow(ctx, `SELECT wait_event, query FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			  AND wait_event_type = 'Lock' AND strpos(query, ?) > 0
			LIMIT 1`, waitsIn).Scan(&event, &query)
		switch {
		case err == nil:
			t.Logf("the second writer waits for a lock (%s) in: %s", event, query)
			return
		case !errors.Is(err, sql.ErrNoRows):
			t.Fatalf("read pg_stat_activity: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("the second writer finished (%v) while the first held its transaction open: nothing made it wait", err)
		case <-deadline.C:
			t.Fatalf("the second writer was not seen waiting for a lock in %q within %s", waitsIn, LockWaitDeadline)
		case <-tick.C:
		}
	}
}

// otherWriter opens a second handle on db's SQLite file whose writer gives up at
// once when another connection holds the write lock.
func otherWriter(t testing.TB, db *store.DB) *store.DB {
	t.Helper()
	ctx := context.Background()
	other, err := store.Open(ctx, "sqlite:"+db.Where, "")
	if err != nil {
		t.Fatalf("open a second handle on %s: %v", db.Where, err)
	}
	other.UseKeys(db.Keys())
	t.Cleanup(func() { _ = other.Close() }) // test cleanup; a close error changes no result
	// The writer pool keeps its one connection, so the setting stays.
	if _, err := other.Exec(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatalf("busy_timeout: %v", err)
	}
	return other
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
