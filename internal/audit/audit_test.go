package audit

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

var testKey = []byte("test audit key, 32 bytes long!!!")

// clock returns a clock that starts at a non-UTC time with nanoseconds and advances one
// minute and one nanosecond per call, so that time-zone and precision handling show.
func clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Minute + time.Nanosecond)
		return t
	}
}

func mustVerifyOK(t *testing.T, l *Log, want int64) {
	t.Helper()
	res, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !res.OK || res.Count != want {
		t.Fatalf("Verify = %+v (%s), want OK with %d", res, res, want)
	}
}

func TestAppendVerifyRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := clock()
		l := New(db, testKey, now)
		mustVerifyOK(t, l, 0)
		entries := []Entry{
			{PersonID: 7, UnitID: 42, Role: "legal_rep", Action: "login.password", Target: "person:7",
				Result: Success, ClientIP: "203.0.113.9", RequestID: "r-1", Detail: map[string]string{"method": "密码"}},
			{Action: "login.password", Result: Failure, ClientIP: "2001:db8::1",
				Detail: map[string]string{"reason": "wrong <password> & \"quotes\"", "n": ""}},
			{StaffID: 3, Role: "reviewer", Action: "admin.unit.lock", Target: strings.Repeat("目", 200),
				Result: Denied, RequestID: "bad\xff\x00id"},
		}
		for i, e := range entries {
			seq, err := l.Record(ctx, e)
			if err != nil || seq != int64(i+1) {
				t.Fatalf("Record #%d = %d, %v", i, seq, err)
			}
		}
		mustVerifyOK(t, l, 3)

		got, total, err := l.List(ctx, Filter{})
		if err != nil || total != 3 || len(got) != 3 {
			t.Fatalf("List = %d entries, total %d, %v", len(got), total, err)
		}
		replay := clock()
		for i, e := range entries {
			g := got[len(got)-1-i]
			wantAt := replay().UTC().Truncate(time.Microsecond)
			if !g.At.Equal(wantAt) || g.At.Location() != time.UTC {
				t.Errorf("#%d At = %v, want %v UTC", i, g.At, wantAt)
			}
			if g.Seq != int64(i+1) || g.PersonID != e.PersonID || g.UnitID != e.UnitID || g.StaffID != e.StaffID ||
				g.Role != e.Role || g.Action != e.Action || g.Result != e.Result || g.ClientIP != e.ClientIP {
				t.Errorf("#%d = %+v, want %+v", i, g, e)
			}
			if len(g.Hash) != 64 || (i == 0 && g.PrevHash != genesisHash) || (i > 0 && g.PrevHash != got[len(got)-i].Hash) {
				t.Errorf("#%d hashes: prev %q hash %q", i, g.PrevHash, g.Hash)
			}
		}
		if d := got[1].Detail; d["reason"] != `wrong <password> & "quotes"` || d["n"] != "" || len(d) != 2 {
			t.Errorf("detail = %q", d)
		}
		if g := got[0]; g.RequestID != "bad\uFFFDid" || len(g.Target) > maxTarget || !strings.HasPrefix(g.Target, "目目") ||
			len(g.Target)%3 != 0 || g.Detail == nil || len(g.Detail) != 0 {
			t.Errorf("cleaned entry = %q / %q / %v", g.RequestID, g.Target, g.Detail)
		}
	})
}

func TestAppendInCallerTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, clock())
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := l.Append(ctx, tx, Entry{Action: "grant.add", Result: Success}); err != nil {
				return err
			}
			return boom // the change fails after its audit row was appended
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v", err)
		}
		if _, total, err := l.List(ctx, Filter{Action: "grant."}); err != nil || total != 0 {
			t.Fatalf("after rollback: %d rows, %v", total, err)
		}
		mustVerifyOK(t, l, 0)

		err = db.Tx(ctx, func(tx *store.Tx) error {
			for want := int64(1); want <= 2; want++ {
				if seq, err := l.Append(ctx, tx, Entry{Action: "grant.add", Result: Success}); err != nil || seq != want {
					t.Errorf("Append = %d, %v; want %d", seq, err, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seq, err := l.Record(ctx, Entry{Action: "grant.use", Result: Success}); err != nil || seq != 3 {
			t.Fatalf("Record = %d, %v", seq, err)
		}
		mustVerifyOK(t, l, 3)
	})
}

func TestConcurrentRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, nil)
		const n = 50
		seqs := make(chan int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				seq, err := l.Record(ctx, Entry{UnitID: int64(i%5 + 1), Action: "login.password", Result: Success})
				if err != nil {
					t.Errorf("Record: %v", err)
				}
				seqs <- seq
			})
		}
		wg.Wait()
		close(seqs)
		seen := map[int64]bool{}
		for s := range seqs {
			if s < 1 || s > n || seen[s] {
				t.Errorf("seq %d out of range or repeated", s)
			}
			seen[s] = true
		}
		mustVerifyOK(t, l, n)
	})
}

func TestInvalidEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, nil)
		many := map[string]string{}
		for i := range maxDetailKeys + 1 {
			many[strings.Repeat("k", i+1)] = "v"
		}
		for name, e := range map[string]Entry{
			"no action":     {Result: Success},
			"upper action":  {Action: "Login", Result: Success},
			"space action":  {Action: "login password", Result: Success},
			"long action":   {Action: strings.Repeat("a", maxAction+1), Result: Success},
			"no result":     {Action: "login.password"},
			"bad result":    {Action: "login.password", Result: "ok"},
			"negative id":   {Action: "login.password", Result: Success, UnitID: -1},
			"password key":  {Action: "login.password", Result: Success, Detail: map[string]string{"New_Password": "x"}},
			"sms code key":  {Action: "login.sms", Result: Success, Detail: map[string]string{"otp": "123456"}},
			"token key":     {Action: "session.new", Result: Success, Detail: map[string]string{"session_token": "x"}},
			"empty key":     {Action: "login.password", Result: Success, Detail: map[string]string{"": "x"}},
			"NUL key":       {Action: "login.password", Result: Success, Detail: map[string]string{"\x00": "x"}},
			"duplicate key": {Action: "login.password", Result: Success, Detail: map[string]string{"a\x00": "1", "a": "2"}},
			"too many keys": {Action: "login.password", Result: Success, Detail: many},
		} {
			if _, err := l.Record(ctx, e); !errors.Is(err, ErrInvalidEntry) {
				t.Errorf("%s: Record = %v, want ErrInvalidEntry", name, err)
			}
		}
		if _, err := l.Append(ctx, nil, Entry{Action: "a", Result: Success}); err == nil {
			t.Error("Append without a transaction succeeded")
		}
		mustVerifyOK(t, l, 0)
	})
}

func TestWrongKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, nil)
		for range 3 {
			if _, err := l.Record(ctx, Entry{Action: "login.password", Result: Success}); err != nil {
				t.Fatal(err)
			}
		}
		for name, key := range map[string][]byte{"other key": []byte("another key"), "no key": nil} {
			res, err := New(db, key, nil).Verify(ctx)
			if err != nil || res.OK || res.BrokenAt != 1 || res.Reason != ReasonHash || res.Count != 0 {
				t.Errorf("%s: Verify = %+v, %v; want broken at 1: hash mismatch", name, res, err)
			}
		}
		// Without a key the chain is plain SHA-256 and verifies with no key only.
		plain := New(db, nil, nil)
		if _, err := plain.Record(ctx, Entry{Action: "login.password", Result: Success}); err != nil {
			t.Fatal(err)
		}
		if res, _ := plain.Verify(ctx); res.OK || res.BrokenAt != 1 {
			t.Errorf("mixed chain: %s", res)
		}
	})
}

// TestVerifyDuringAppends checks that appends committing while Verify walks never make
// it report a broken chain.
func TestVerifyDuringAppends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := New(db, testKey, nil)
		for range 20 {
			if _, err := l.Record(ctx, Entry{Action: "login.password", Result: Success}); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 25 {
					if _, err := l.Record(ctx, Entry{Action: "login.sms", Result: Failure}); err != nil {
						t.Errorf("Record: %v", err)
					}
				}
			})
		}
		go func() { wg.Wait(); close(done) }()
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			res, err := l.Verify(ctx)
			if err != nil || !res.OK || res.Count < 20 {
				t.Fatalf("Verify during appends = %s, %v", res, err)
			}
		}
		mustVerifyOK(t, l, 120)
	})
}
