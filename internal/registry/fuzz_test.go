package registry

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hall/internal/store/storetest"
)

// FuzzImport feeds arbitrary bytes to Import. Invariants: no panic; either the file
// loads (no errors, counts add up to the rows) or Import returns ErrInvalidFile with
// at least one listed error and the table is exactly as before. One SQLite database
// serves every input of a fuzz worker; the clock moves on for every input, so any
// write by a failed import would show in MAX(updated_at).
func FuzzImport(f *testing.F) {
	es := testEntries(70, 3)
	good := entriesFile(f, es)
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes(good)
	badRows := [][]string{row(es[0]), row(es[1])}
	badRows[1][0] = flipLast(badRows[1][0])
	for _, seed := range [][]byte{
		good, append([]byte("\xEF\xBB\xBF"), good...), gb,
		csvFile(f, zhHeader, badRows...), csvFile(f, enHeader, row(es[2])),
		csvFile(f, zhHeader), nil, []byte("\xFF\xFE"), []byte("uscc\n\"a"), []byte(",,,\n,,,"),
		csvFile(f, zhHeader, row(es[0]), row(es[0])),
	} {
		f.Add(seed)
	}
	db := storetest.SQLite(f)
	clk := newClock()
	tb := NewTable(db, clk.Now)
	ctx := context.Background()
	state := func(t *testing.T) (int, time.Time) {
		var n int
		var at string
		if err := db.QueryRow(ctx, "SELECT COUNT(*), COALESCE(CAST(MAX(updated_at) AS TEXT), '') FROM registry_entries").Scan(&n, &at); err != nil {
			t.Fatal(err)
		}
		parsed, _ := time.Parse("2006-01-02 15:04:05.999999999-07:00", at)
		return n, parsed
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		clk.Advance(time.Second)
		n0, at0 := state(t)
		rep, err := tb.Import(ctx, bytes.NewReader(data))
		n1, at1 := state(t)
		switch {
		case err == nil:
			if rep.Failed() || rep.Rows == 0 || rep.Inserted+rep.Updated+rep.Unchanged != rep.Rows {
				t.Fatalf("loaded with report %+v", rep)
			}
			if n1 != n0+rep.Inserted {
				t.Fatalf("%d rows → %d after %d inserts", n0, n1, rep.Inserted)
			}
		case errors.Is(err, ErrInvalidFile):
			if !rep.Failed() || rep.Inserted+rep.Updated+rep.Unchanged != 0 {
				t.Fatalf("failed with report %+v", rep)
			}
			if n1 != n0 || !at1.Equal(at0) {
				t.Fatalf("failed import changed the table: %d→%d rows, %v→%v", n0, n1, at0, at1)
			}
			for _, e := range rep.Errors {
				if e.Line < 1 || e.Msg == "" {
					t.Fatalf("bad line error %+v", e)
				}
			}
		default:
			t.Fatalf("Import error %v is neither nil nor ErrInvalidFile", err)
		}
	})
}

// FuzzDecodeEntry checks the HTTP adapter's parser: no panic, and whatever it
// accepts is a normalised, valid entry.
func FuzzDecodeEntry(f *testing.F) {
	e := activeEntry(80)
	f.Add([]byte(`{"uscc":"` + e.USCC + `","name":"江苏恒睿科技有限公司","unit_type":"企业","legal_rep_id_type":"居民身份证",` +
		`"legal_rep_id_number":"` + e.LegalRepIDNumber + `","legal_rep_name":"王伟","registered_at":"2015-03-07","status":"存续",` +
		`"updated_at":"2024-05-01T08:00:00+08:00"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"uscc":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeEntry(body, testNow)
		if err != nil {
			return
		}
		again, err := Normalize(got, testNow)
		if err != nil || !sameContent(again, got) || !again.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("accepted entry does not re-validate: %v", err)
		}
	})
}
