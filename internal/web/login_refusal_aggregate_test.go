package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/config"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestRefusalAggregator: one record per key and period, with the count of the
// refusals left out since the last record; a flood from ever new addresses is held
// to the budget, the refusals over it counted in the next record; memory stays
// bounded.
func TestRefusalAggregator(t *testing.T) {
	t0 := time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC)
	steps := []struct {
		key         string
		at          time.Duration
		wantRecord  bool
		wantRepeats int
	}{
		{"paused\x00a", 0, true, 0},
		{"paused\x00a", time.Second, false, 0},
		{"paused\x00a", 30 * time.Second, false, 0},
		{"captcha_required\x00a", 31 * time.Second, true, 0}, // another reason
		{"paused\x00b", 32 * time.Second, true, 0},           // another address
		{"paused\x00a", RefusalAuditEvery - time.Nanosecond, false, 0},
		{"paused\x00a", RefusalAuditEvery, true, 3},
		{"paused\x00a", RefusalAuditEvery + time.Second, false, 0},
		{"paused\x00a", 3 * RefusalAuditEvery, true, 1},
	}
	var a refusalAggregator
	for i, s := range steps {
		rec, rep, others := a.note(s.key, t0.Add(s.at))
		if rec != s.wantRecord || rep != s.wantRepeats || others != 0 {
			t.Errorf("step %d (%q at %s): record %v repeats %d others %d, want %v %d 0", i, s.key, s.at, rec, rep, others, s.wantRecord, s.wantRepeats)
		}
	}

	// A flood from ever new addresses: the budget's worth is recorded in a period,
	// the rest left out and counted in the first record of the next period; the
	// memory never exceeds its bound.
	var b refusalAggregator
	flood := refusalAuditMaxKeys + 500
	recorded := 0
	for i := range flood {
		at := t0.Add(time.Duration(i) * time.Millisecond) // 10.5 s: one period
		if rec, _, _ := b.note(fmt.Sprintf("paused\x00%d", i), at); rec {
			recorded++
		}
		if len(b.seen) > refusalAuditMaxKeys {
			t.Fatalf("%d addresses remembered, bound %d", len(b.seen), refusalAuditMaxKeys)
		}
	}
	if recorded != refusalAuditBudget {
		t.Errorf("a flood of %d addresses in one period: %d recorded, want the budget %d", flood, recorded, refusalAuditBudget)
	}
	rec, _, others := b.note("paused\x00next period", t0.Add(RefusalAuditEvery+time.Minute))
	if !rec || others != flood-refusalAuditBudget {
		t.Errorf("the next period's first record: %v with others %d, want %d", rec, others, flood-refusalAuditBudget)
	}
}

// TestAuditRefusalBothEngines: AuditRefusal writes one denied record per action,
// reason and client address a minute, with the count left out, into a chain that
// stays intact, on SQLite and PostgreSQL.
func TestAuditRefusalBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC)
		cfg := config.Defaults()
		cfg.DataDir = t.TempDir()
		cfg.AuditKey = "test-audit-key"
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		svc, err := services.Build(cfg, db, nil, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(svc)
		if err != nil {
			t.Fatal(err)
		}
		refuse := func(reason, remote string) {
			r := httptest.NewRequest(http.MethodPost, "/login/person", nil)
			r.RemoteAddr = remote
			s.AuditRefusal(r, "login.refused", reason, map[string]string{"reason": reason, "form": r.URL.Path})
		}
		for range 3 {
			refuse("paused", "203.0.113.5:1000")
		}
		refuse("paused", "203.0.113.6:1000")
		refuse("captcha_required", "203.0.113.5:1000")
		// One IPv6 client holds its /64: new addresses in it are one client.
		refuse("paused", "[2001:db8:1:2::a]:1000")
		refuse("paused", "[2001:db8:1:2:ffff::b]:1000")
		now = now.Add(RefusalAuditEvery)
		refuse("paused", "203.0.113.5:1000")
		es, n, err := s.Audit.List(t.Context(), audit.Filter{Action: "login.refused"})
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 {
			t.Fatalf("%d records, want 5 (three clients, two reasons, one a minute later)", n)
		}
		if es[0].Detail["repeats"] != "2" || es[0].ClientIP != "203.0.113.5" || es[0].Result != audit.Denied {
			t.Errorf("the record a minute later: %+v, want repeats 2", es[0])
		}
		res, err := s.Audit.Verify(t.Context())
		if err != nil || !res.OK || res.Count != 5 {
			t.Errorf("chain after the records: %+v %v", res, err)
		}
	})
}
