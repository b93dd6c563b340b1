package account

import (
	"context"
	"encoding/json"
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hall/internal/services"
	"hall/internal/sms"
)

func TestOutbox(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 7, 1, 16, 30, 0, 0, time.UTC)) // 00:30 next day in shanghai
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 41)
	var mobiles []string
	for i := range 25 {
		m := w.Mobile()
		mobiles = append(mobiles, m)
		if err := ts.DevOutbox.Send(context.Background(), sms.Message{Mobile: m, Text: fmt.Sprintf("【示范省人社】测试短信%d", i), Purpose: "login"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}

	// HTML: newest first, 20 a page, the development label, times in Asia/Shanghai.
	doc := ts.GetHTML(t, "/dev/outbox", http.StatusOK)
	webtest.CheckPage(t, ts, "/dev/outbox", doc)
	if doc.Must(t, ".acct-dev-label").TextContent() != "开发环境" {
		t.Error("no 开发环境 label")
	}
	rows := doc.All("table.acct-outbox tbody tr")
	if len(rows) != outboxPerPage {
		t.Fatalf("%d rows on page 1", len(rows))
	}
	first := rows[0]
	if got := first.Must(t, "td[data-label=手机号码]").TextContent(); got != mobiles[24] {
		t.Errorf("first row %s, want the newest message", got)
	}
	if got := first.Must(t, "td[data-label=时间]").TextContent(); got != "2026-07-02 00:30:24" {
		t.Errorf("time %q, want Asia/Shanghai", got)
	}
	if doc.First("a[rel=next][href='/dev/outbox?page=2']") == nil {
		t.Error("no link to page 2")
	}
	doc = ts.GetHTML(t, "/dev/outbox?page=2", http.StatusOK)
	if n := len(doc.All("table.acct-outbox tbody tr")); n != 5 {
		t.Errorf("%d rows on page 2", n)
	}
	ts.GetHTML(t, "/dev/outbox?page=abc", http.StatusOK)

	// JSON with Accept: application/json.
	r := httptest.NewRequest(http.MethodGet, "/dev/outbox?page=2", nil)
	r.Header.Set("Accept", "application/json")
	rec := ts.Do(t, r)
	webtest.WantStatus(t, "JSON", rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"messages", "total", "page"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var out struct {
		Messages []map[string]any `json:"messages"`
		Total    int              `json:"total"`
		Page     int              `json:"page"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Total != 25 || out.Page != 2 || len(out.Messages) != 5 {
		t.Fatalf("total %d page %d messages %d", out.Total, out.Page, len(out.Messages))
	}
	m := out.Messages[0]
	for _, k := range []string{"id", "mobile", "purpose", "text", "created_at", "unreadable"} {
		if _, ok := m[k]; !ok {
			t.Errorf("message lacks %q", k)
		}
	}
	if m["mobile"] != mobiles[4] || m["purpose"] != "login" || m["text"] != "【示范省人社】测试短信4" {
		t.Errorf("message %v", m)
	}
	if at, err := time.Parse(time.RFC3339, fmt.Sprint(m["created_at"])); err != nil || !at.Equal(time.Date(2026, 7, 1, 16, 30, 4, 0, time.UTC)) {
		t.Errorf("created_at %v (%v)", m["created_at"], err)
	}
	if v := rec.Header().Get("Vary"); !strings.Contains(v, "Accept") {
		t.Errorf("Vary %q", v)
	}
}

// TestOutboxUnreadableRow: a row whose sealed columns do not open (here its text
// replaced by its own sealed mobile) is listed with its time and purpose, which are
// not sealed, and marked unreadable on the page and in the JSON form.
func TestOutboxUnreadableRow(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 42)
	ctx := context.Background()
	readable, broken := w.Mobile(), w.Mobile()
	if err := ts.DevOutbox.Send(ctx, sms.Message{Mobile: readable, Text: "【示范省人社】可读", Purpose: "login"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := ts.DevOutbox.Send(ctx, sms.Message{Mobile: broken, Text: "【示范省人社】改动", Purpose: "mobile-change"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.DB.Exec(ctx, "UPDATE sms_outbox SET text = mobile WHERE id = (SELECT MAX(id) FROM sms_outbox)"); err != nil {
		t.Fatal(err)
	}

	doc := ts.GetHTML(t, "/dev/outbox", http.StatusOK)
	rows := doc.All("table.acct-outbox tbody tr")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	bad, good := rows[0], rows[1]
	if _, ok := bad.Attr("data-unreadable"); !ok {
		t.Error("the changed row is not marked unreadable")
	}
	if _, ok := good.Attr("data-unreadable"); ok {
		t.Error("the readable row is marked unreadable")
	}
	for label, want := range map[string]string{"时间": "2026-07-01 16:01:00", "用途": "mobile-change", "手机号码": "", "短信内容": sms.UnreadableText} {
		if got := bad.Must(t, "td[data-label="+label+"]").TextContent(); got != want {
			t.Errorf("unreadable row's %s: %q, want %q", label, got, want)
		}
	}
	if got := good.Must(t, "td[data-label=短信内容]").TextContent(); got != "【示范省人社】可读" {
		t.Errorf("readable row's text %q", got)
	}

	r := httptest.NewRequest(http.MethodGet, "/dev/outbox", nil)
	r.Header.Set("Accept", "application/json")
	rec := ts.Do(t, r)
	webtest.WantStatus(t, "JSON", rec, http.StatusOK)
	var out struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 {
		t.Fatalf("%d messages, want 2", len(out.Messages))
	}
	m := out.Messages[0]
	if m["unreadable"] != true || m["purpose"] != "mobile-change" || m["mobile"] != "" || m["text"] != sms.UnreadableText {
		t.Errorf("unreadable message %v", m)
	}
	if at, err := time.Parse(time.RFC3339, fmt.Sprint(m["created_at"])); err != nil || !at.Equal(time.Date(2026, 7, 1, 8, 1, 0, 0, time.UTC)) {
		t.Errorf("unreadable message's created_at %v (%v)", m["created_at"], err)
	}
	if m := out.Messages[1]; m["unreadable"] != false || m["mobile"] != readable {
		t.Errorf("readable message %v", m)
	}
}

func TestOutboxEmptyAndProduction(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/dev/outbox", http.StatusOK)
	if doc.First(".empty") == nil {
		t.Error("no empty state")
	}
	r := httptest.NewRequest(http.MethodGet, "/dev/outbox", nil)
	r.Header.Set("Accept", "application/json")
	if body := strings.TrimSpace(ts.Do(t, r).Body.String()); !strings.HasPrefix(body, `{"messages":[]`) {
		t.Errorf("empty JSON %s", body)
	}

	prod := webtest.NewTestServer(t, func(s *services.Services) { s.DevOutbox = nil })
	prod.GetHTML(t, "/dev/outbox", http.StatusNotFound)
	r = httptest.NewRequest(http.MethodGet, "/dev/outbox", nil)
	r.Header.Set("Accept", "application/json")
	if rec := prod.Do(t, r); rec.Code != http.StatusNotFound {
		t.Errorf("JSON without an outbox: %d", rec.Code)
	}
}

func TestWantsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/json":                       true,
		"application/json; charset=utf-8":        true,
		"text/html,application/json;q=0.9":       false,
		"application/json, text/html;q=0.5":      true,
		"text/html":                              false,
		"":                                       false,
		"*/*":                                    false,
		"application/json;q=0":                   false,
		"application/json;q=abc":                 false,
		"text/html;q=0.1, application/json":      true,
		"application/xhtml+xml,application/json": true,
	} {
		if got := web.WantsJSON(accept); got != want {
			t.Errorf("%q: %v, want %v", accept, got, want)
		}
	}
}

func TestPageParam(t *testing.T) {
	for s, want := range map[string]int{"": 1, "1": 1, "7": 7, " 3 ": 3, "0": 1, "-2": 1, "x": 1, "99999999999999999999": 1, "2000000": 1 << 20} {
		if got := pageParam(s); got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	}
}

func FuzzWantsJSON(f *testing.F) {
	for _, s := range []string{"application/json", "text/html,*/*;q=0.8", "application/json;q=1.5", ";;;,,,", "a/b;q="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := web.WantsJSON(s)
		if got && !strings.Contains(strings.ToLower(s), "application/json") {
			t.Fatalf("%q asks for JSON without naming it", s)
		}
	})
}

func FuzzPageParam(f *testing.F) {
	for _, s := range []string{"1", "-1", "1e9", "0x10", "９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n := pageParam(s); n < 1 || n > 1<<20 {
			t.Fatalf("%q → %d", s, n)
		}
	})
}

func FuzzNext(f *testing.F) {
	for _, s := range []string{"/me", "//evil", "/\\evil", "https://x", "/unit/?a=b", "", "/%2F%2Fevil", "/\t/evil", "/\n/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := nextPath(s)
		if got == "" {
			return
		}
		if got != s || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") ||
			strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
			t.Fatalf("%q → %q leaves the site", s, got)
		}
	})
}
