package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestStaffLoginBusy: with every admission of the hasher taken, the back office's
// login answers 429 at once with Retry-After and 系统繁忙, hashing nothing and
// writing neither a throttle counter nor an audit entry; once admissions end, the
// login goes through.
func TestStaffLoginBusy(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	var releases []func()
	for range ts.Hasher.Bound() {
		release, err := ts.Hasher.Admit(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	hashes := ts.Hasher.Stats().Hashes
	counters, entries := webtest.RowCount(t, ts, "throttle_counters"), webtest.RowCount(t, ts, "audit_log")
	for _, login := range []string{tm.clerk.Staff.Login, "no.such.person"} {
		rec := newStaffClient(ts).Post(t, "/admin/login", url.Values{"login": {login}, "password": {staffPassword}, "code": {"000000"}})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
			!strings.Contains(rec.Body.String(), web.MsgBusy) {
			t.Errorf("%s while saturated: %d, Retry-After %q, want 429 with %q", login, rec.Code,
				rec.Header().Get("Retry-After"), web.MsgBusy)
		}
	}
	if got := ts.Hasher.Stats().Hashes; got != hashes {
		t.Errorf("%d hashes while refusing, want none", got-hashes)
	}
	if got := webtest.RowCount(t, ts, "throttle_counters"); got != counters {
		t.Errorf("throttle counters %d → %d while refusing, want no write", counters, got)
	}
	if got := webtest.RowCount(t, ts, "audit_log"); got != entries {
		t.Errorf("audit entries %d → %d while refusing, want none", entries, got)
	}
	for _, release := range releases {
		release()
	}
	newStaffClient(ts).login(t, tm.clerk)
}
