package main

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/ident"
)

// coreExport is a core social-insurance system's export for the tests of
// `hall import insurance URL` and of serve's scheduled pull: it answers
// {URL}/employees.csv with one generated employee to a request carrying key in
// X-API-Key (401 otherwise, 404 for the other files), and counts every request.
// A request waits until gate is closed when gate is not nil, so that a test can
// hold a run in progress. The server is closed when the test ends.
func coreExport(t *testing.T, key string, gate <-chan struct{}) (url string, asked *atomic.Int32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	uscc := ident.GenerateUSCC(rng, "320102")
	id := ident.GenerateResidentID(rng, "320106", time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC), true)
	employees := "统一社会信用代码,证件号码,姓名,人员身份\n" + uscc + "," + id + ",王伟,工人\n"
	asked = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		if r.Header.Get("X-API-Key") != key {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/export/employees.csv" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write([]byte(employees))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/export", asked
}
