package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hall/internal/cases"
	"hall/internal/counter"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/web/webtest"
)

// TestUnreadableRecordPage: a domain's refusal of a record whose sealed values do not
// open (sealed.RecordUnreadable, wrapped or not) is answered in one place, whichever
// page meets it: 500 with the domain's sentence, whom a user asks (the counter) on the
// hall's pages and what staff have checked (the data keys) in the back office — never
// the generic 系统繁忙 that a failure of the database gets.
func TestUnreadableRecordPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	refusals := map[string]error{
		"case":    fmt.Errorf("read case 7: %w", cases.ErrCaseUnreadable),
		"request": counter.ErrUnreadable,
		"appeal":  fmt.Errorf("appeal 3: %w", counter.ErrAppealUnreadable),
		"scan":    fmt.Errorf("%w: %w", scans.ErrTampered, sealed.ErrAuthentication),
	}
	for name, refusal := range refusals {
		ts.Handle("GET /unreadable-test/"+name, func(http.ResponseWriter, *http.Request) error { return refusal })
		ts.HandleAdmin("GET /admin/unreadable-test/"+name, func(http.ResponseWriter, *http.Request) error { return refusal })
	}
	want := map[string]string{"case": cases.ErrCaseUnreadable.Msg, "request": counter.ErrUnreadable.Msg,
		"appeal": counter.ErrAppealUnreadable.Msg, "scan": scans.ErrTampered.Msg}
	for name, msg := range want {
		hall := ts.Get(t, "/unreadable-test/"+name)
		body := hall.Body.String()
		if hall.Code != http.StatusInternalServerError || !strings.Contains(body, msg+"，请联系经办窗口") ||
			strings.Contains(body, "系统繁忙") || !strings.Contains(body, "<h1>数据无法读取</h1>") || strings.Contains(body, "数据密钥") {
			t.Errorf("%s on a hall page: %d %q; want 500 saying %q and whom to ask", name, hall.Code, body, msg)
		}
		rec := httptest.NewRecorder()
		ts.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/unreadable-test/"+name, nil))
		body = rec.Body.String()
		if rec.Code != http.StatusInternalServerError || !strings.Contains(body, msg+"，请联系系统管理员核查数据密钥") ||
			strings.Contains(body, "系统繁忙") || !strings.Contains(body, "<h1>数据无法读取</h1>") || strings.Contains(body, "经办窗口") {
			t.Errorf("%s in the back office: %d %q; want 500 saying %q and to have the keys checked", name, rec.Code, body, msg)
		}
	}
}
