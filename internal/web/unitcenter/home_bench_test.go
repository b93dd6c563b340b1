package unitcenter

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hall/internal/unit"
)

// BenchmarkUnitCenterPages measures signed-in unit-center pages through the whole
// server (middleware, visitor layer with its session and membership reads,
// handler, render) on SQLite, with parallel clients, against QUALITY.md's bar for
// user-center pages. pages/s is the throughput of the run.
//
//	go test -run '^$' -bench BenchmarkUnitCenterPages -benchtime 3s ./internal/web/
func BenchmarkUnitCenterPages(b *testing.B) {
	ts := webtest.NewTestServer(b)
	w := webtest.NewWorld(ts, 7)
	u, rep := w.UnitWithRep(b, "示范基准测试有限公司", "基准甲")
	agent := w.Person(b, "基准乙")
	now := ts.Now().UTC()
	until := now.AddDate(0, 1, 0)
	m := w.Member(b, unit.Membership{UnitID: u.ID, PersonID: agent.ID, Role: unit.RoleAgent,
		Status: unit.StatusActive, ValidFrom: &now, ValidUntil: &until}, "Unit#2026bench")
	if _, err := ts.DB.Exec(b.Context(), `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, 'SB-001', ?, ?)`,
		m.ID, rep.ID, now); err != nil {
		b.Fatal(err)
	}

	for _, tc := range []struct {
		name, path string
		who        func(c *webtest.Client)
	}{
		{"home-legal-rep", "/unit/", func(c *webtest.Client) { webtest.SignIn(b, c, webtest.UnitSubject(rep, u, unit.RoleLegalRep)) }},
		{"items-agent", "/unit/items", func(c *webtest.Client) { webtest.SignIn(b, c, webtest.UnitSubject(agent, u, unit.RoleAgent)) }},
		{"item-agent", "/unit/items/SB-001", func(c *webtest.Client) { webtest.SignIn(b, c, webtest.UnitSubject(agent, u, unit.RoleAgent)) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := webtest.NewClient(ts)
			tc.who(c)
			webtest.WantStatus(b, tc.path, c.Get(b, tc.path), http.StatusOK) // also sets the binding cookie
			var cookies []*http.Cookie
			for _, ck := range c.Cookies {
				cookies = append(cookies, &http.Cookie{Name: ck.Name, Value: ck.Value})
			}
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest(http.MethodGet, tc.path, nil)
					r.RemoteAddr = c.Remote
					for _, ck := range cookies {
						r.AddCookie(ck)
					}
					rec := httptest.NewRecorder()
					ts.ServeHTTP(rec, r)
					if rec.Code != http.StatusOK {
						b.Errorf("GET %s: %d", tc.path, rec.Code)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
		})
	}
}
