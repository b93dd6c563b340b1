package auth

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

type fixture struct {
	db    *store.DB
	ss    *Sessions
	clock *clock
	rnd   *rand.Rand
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, rnd: rand.New(rand.NewPCG(3, 4)),
		clock: storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 987654321, time.FixedZone("CST", 8*3600)))}
	var err error
	f.ss, err = NewSessions(db, SessionConfig{}, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// person inserts an invented person and returns its id.
func (f *fixture) person(t *testing.T) int64 {
	t.Helper()
	var id int64
	err := f.db.Tx(context.Background(), func(tx *store.Tx) (err error) {
		id, err = person.Insert(context.Background(), tx, person.Row{IDType: "resident",
			IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, true), Name: "测试",
			Mobile: ident.GenerateMobile(f.rnd), CreatedAt: f.clock.Now().UTC()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) create(t *testing.T, s Subject) (string, Session) {
	t.Helper()
	tok, sess, err := f.ss.Create(context.Background(), s, Meta{ClientAddr: "203.0.113.5", UserAgent: "Mozilla/5.0 test"})
	if err != nil {
		t.Fatalf("Create(%+v): %v", s, err)
	}
	return tok, sess
}

func (f *fixture) mustLive(t *testing.T, tok string) Session {
	t.Helper()
	s, err := f.ss.Lookup(context.Background(), tok)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	return s
}

func (f *fixture) mustDead(t *testing.T, tok string) {
	t.Helper()
	if s, err := f.ss.Lookup(context.Background(), tok); !errors.Is(err, ErrNoSession) {
		t.Fatalf("Lookup = %+v, %v; want ErrNoSession", s, err)
	}
}

func TestCreateLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)
		tok, s := f.create(t, Subject{PersonID: pid})
		if len(tok) != 43 || !wellFormed(tok) {
			t.Fatalf("token %q", tok)
		}
		now := f.clock.Now().UTC().Truncate(time.Microsecond)
		if s.ID != hashToken(tok) || s.Subject != (Subject{PersonID: pid}) || s.Subject.Kind() != KindPerson ||
			!s.CreatedAt.Equal(now) || !s.IdleExpiresAt.Equal(now.Add(30*time.Minute)) ||
			!s.AbsoluteExpiresAt.Equal(now.Add(12*time.Hour)) {
			t.Fatalf("Create = %+v", s)
		}
		got := f.mustLive(t, tok)
		if got != s {
			t.Fatalf("Lookup = %+v\nwant     %+v", got, s)
		}

		unit := int64(4711)
		utok, us := f.create(t, Subject{PersonID: pid, UnitID: unit, Role: RoleAgent})
		if utok == tok || us.Subject.Kind() != KindUnit {
			t.Fatalf("unit session %+v", us)
		}
		if got := f.mustLive(t, utok); got.Subject != (Subject{PersonID: pid, UnitID: unit, Role: RoleAgent}) {
			t.Fatalf("unit Lookup = %+v", got.Subject)
		}

		for _, bad := range []string{"", "x", tok[:42], tok + "A", strings.Repeat("A", 43) + "=", "!" + tok[1:],
			strings.Repeat("A", 43)} {
			f.mustDead(t, bad)
		}
		assertTokenNotStored(t, db, tok, utok)
		var kind string
		if err := db.QueryRow(ctx, "SELECT kind FROM sessions WHERE token_hash = ?", us.ID).Scan(&kind); err != nil || kind != "unit" {
			t.Fatalf("kind = %q, %v", kind, err)
		}
	})
}

// assertTokenNotStored reads every column of every session row as text and
// checks that no token appears in it.
func assertTokenNotStored(t *testing.T, db *store.DB, tokens ...string) {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT * FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		n++
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			for _, tok := range tokens {
				if strings.Contains(v.String, tok) || strings.Contains(v.String, tok[:16]) {
					t.Fatalf("column %s holds the token: %q", cols[i], v.String)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no session rows to check")
	}
}

func TestIdleExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tok, _ := f.create(t, Subject{PersonID: f.person(t)})
		lastSeen := func() time.Time {
			var ts time.Time
			if err := db.QueryRow(ctx, "SELECT last_seen_at FROM sessions WHERE token_hash = ?", hashToken(tok)).Scan(&ts); err != nil {
				t.Fatal(err)
			}
			return ts.UTC()
		}
		created := lastSeen()

		// Within a minute: no write.
		f.clock.Add(30 * time.Second)
		s := f.mustLive(t, tok)
		if !lastSeen().Equal(created) || !s.IdleExpiresAt.Equal(created.Add(30*time.Minute)) {
			t.Fatalf("touched after 30 s: last seen %v, idle until %v", lastSeen(), s.IdleExpiresAt)
		}
		// After a minute: written, and the idle deadline moves.
		f.clock.Add(31 * time.Second)
		s = f.mustLive(t, tok)
		now := f.clock.Now().UTC().Truncate(time.Microsecond)
		if !lastSeen().Equal(now) || !s.LastSeenAt.Equal(now) || !s.IdleExpiresAt.Equal(now.Add(30*time.Minute)) {
			t.Fatalf("not touched after 61 s: last seen %v, session %+v", lastSeen(), s)
		}
		// Activity every 29 minutes keeps it alive well past 30 minutes.
		for range 4 {
			f.clock.Add(29 * time.Minute)
			f.mustLive(t, tok)
		}
		// Then 30 minutes of silence end it.
		f.clock.Add(30 * time.Minute)
		f.mustDead(t, tok)
		f.clock.Add(-time.Microsecond) // the deadline itself is exclusive
		f.mustLive(t, tok)
	})
}

func TestAbsoluteExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, s := f.create(t, Subject{PersonID: f.person(t), UnitID: 9, Role: RoleLegalRep})
		for f.clock.Now().Add(20 * time.Minute).Before(s.AbsoluteExpiresAt) {
			f.clock.Add(20 * time.Minute)
			got := f.mustLive(t, tok)
			if got.IdleExpiresAt.After(got.AbsoluteExpiresAt) {
				t.Fatalf("idle deadline %v after absolute %v", got.IdleExpiresAt, got.AbsoluteExpiresAt)
			}
		}
		f.clock.Add(s.AbsoluteExpiresAt.Sub(f.clock.Now()) - time.Second)
		if got := f.mustLive(t, tok); !got.IdleExpiresAt.Equal(s.AbsoluteExpiresAt) {
			t.Fatalf("near the end, idle deadline %v, want the absolute %v", got.IdleExpiresAt, s.AbsoluteExpiresAt)
		}
		f.clock.Add(time.Second)
		f.mustDead(t, tok)
	})
}

// TestLookupEnded: the session a token named is read back after it ended or timed
// out (to explain the sign-out), while Lookup refuses it; an unknown or malformed
// token is ErrNoSession.
func TestLookupEnded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)
		ended, _ := f.create(t, Subject{PersonID: pid})
		idle, _ := f.create(t, Subject{PersonID: pid})
		live, _ := f.create(t, Subject{PersonID: pid})
		if err := f.ss.End(ctx, ended); err != nil {
			t.Fatal(err)
		}
		f.mustDead(t, ended)
		for _, tok := range []string{ended, live} {
			s, err := f.ss.LookupEnded(ctx, tok)
			if err != nil || s.Subject.PersonID != pid {
				t.Errorf("LookupEnded = %+v, %v", s, err)
			}
		}
		f.clock.Add(DefaultIdle + time.Minute)
		f.mustDead(t, idle)
		if s, err := f.ss.LookupEnded(ctx, idle); err != nil || s.Subject.PersonID != pid {
			t.Errorf("LookupEnded of an idle session = %+v, %v", s, err)
		}
		for _, tok := range []string{"", "short", strings.Repeat("A", 43)} {
			if _, err := f.ss.LookupEnded(ctx, tok); !errors.Is(err, ErrNoSession) {
				t.Errorf("LookupEnded(%q) = %v, want ErrNoSession", tok, err)
			}
		}
	})
}
