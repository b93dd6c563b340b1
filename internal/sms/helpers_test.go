package sms

import (
	"context"
	"errors"
	"math/rand/v2"
	"regexp"
	"sync"
	"testing"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
	"hall/internal/sealed/sealedtest"
	"hall/internal/store"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at 2026-03-02 10:00 Asia/Shanghai (02:00 UTC).
func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, chinatime.Zone)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// mobiles returns n distinct invented mobile numbers.
func mobiles(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		m := ident.GenerateMobile(r)
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// fixture is a code service with the development outbox and a fake clock.
type fixture struct {
	db     *store.DB
	codes  *Codes
	outbox *Outbox
	clock  *fakeClock
}

func newFixture(t *testing.T, db *store.DB, cfg CodeConfig) *fixture {
	t.Helper()
	clock := newClock()
	ob := NewOutbox(db, sealedtest.Keys(), clock.Now)
	if cfg.Key == nil {
		cfg.Key = []byte("test-key-0123456789abcdef")
	}
	return &fixture{db: db, codes: NewCodes(db, ob, cfg, clock.Now), outbox: ob, clock: clock}
}

var codeInText = regexp.MustCompile(`验证码为(\d{6})，`)

// lastCode returns the code in the newest outbox message to mobile.
func (f *fixture) lastCode(t *testing.T, mobile string) string {
	t.Helper()
	m, err := f.outbox.Latest(context.Background(), mobile)
	if err != nil {
		t.Fatalf("Latest(%s): %v", mobile, err)
	}
	sub := codeInText.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	return sub[1]
}

// sentTo is the number of outbox messages to mobile (the table holds the mobile
// sealed, so it is counted through the outbox's blind index).
func (f *fixture) sentTo(t *testing.T, mobile string) int {
	t.Helper()
	ms, err := f.outbox.SentTo(context.Background(), mobile)
	if err != nil {
		t.Fatalf("SentTo(%s): %v", mobile, err)
	}
	return len(ms)
}

// issue issues a code and returns it, failing the test on error.
func (f *fixture) issue(t *testing.T, r Request) (Issued, string) {
	t.Helper()
	is, err := f.codes.Issue(context.Background(), r)
	if err != nil {
		t.Fatalf("Issue(%s, %s): %v", r.Purpose, r.Mobile, err)
	}
	return is, f.lastCode(t, r.Mobile)
}

// wrong returns a code different from code.
func wrong(code string) string {
	b := []byte(code)
	b[5] = '0' + (b[5]-'0'+1)%10
	return string(b)
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Fatalf("%s: unexpected error %v", what, got)
		}
		return
	}
	if !errors.Is(got, want) {
		t.Fatalf("%s: got error %v, want %v", what, got, want)
	}
}

// count returns SELECT COUNT(*) FROM table WHERE cond.
func count(t *testing.T, db *store.DB, table, cond string, args ...any) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM " + table
	if cond != "" {
		q += " WHERE " + cond
	}
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
