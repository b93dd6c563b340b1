package storetest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"hall/internal/store"
)

// failures is a testing.TB that records Errorf and Fatalf instead of failing, Fatalf
// ending the goroutine, so that a test can see HoldsNone fail.
type failures struct {
	testing.TB
	said []string
}

func (f *failures) Helper() {}
func (f *failures) Errorf(format string, args ...any) {
	f.said = append(f.said, fmt.Sprintf(format, args...))
}
func (f *failures) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

// holdsNone runs HoldsNone under failures and returns what it said.
func holdsNone(t *testing.T, db *store.DB, table string, values ...string) []string {
	f := &failures{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		HoldsNone(f, db, table, values...)
	}()
	<-done
	return f.said
}

// TestHoldsNone: a value a column holds, whole or within it, fails HoldsNone naming
// the table and column; values no column holds, or an empty one, pass; an empty
// table fails, since it shows nothing.
func TestHoldsNone(t *testing.T) {
	Each(t, func(t *testing.T, db *store.DB) {
		if said := holdsNone(t, db, "unit_number_seq", "320102"); len(said) != 1 || !strings.Contains(said[0], "no row") {
			t.Errorf("an empty table: %q, want its failure", said)
		}
		if _, err := db.Exec(context.Background(), `INSERT INTO unit_number_seq (region, next) VALUES ('320102', 7)`); err != nil {
			t.Fatal(err)
		}
		if said := holdsNone(t, db, "unit_number_seq", "320102", "2010"); len(said) != 2 ||
			!strings.Contains(said[0], "unit_number_seq.region") || !strings.Contains(said[1], "unit_number_seq.region") {
			t.Errorf("values the region holds: %q, want two failures naming unit_number_seq.region", said)
		}
		if said := holdsNone(t, db, "unit_number_seq", "110101", ""); len(said) != 0 {
			t.Errorf("values no column holds: %q, want none", said)
		}
	})
}
