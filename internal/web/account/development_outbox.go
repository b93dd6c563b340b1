package account

import (
	"encoding/json"
	"hall/internal/web"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hall/internal/sms"
)

// The development SMS outbox (DESIGN.md "External systems"): in development mode
// nothing is texted; every message lands in sms_outbox, and developers and browser
// tests read the codes here. In production mode (s.DevOutbox == nil) the page does
// not exist.

// outboxPerPage is the page size of /dev/outbox.
const outboxPerPage = 20

// outboxJSON is the JSON Form of the page.
type outboxJSON struct {
	Messages []outboxMessage `json:"messages"`
	Total    int             `json:"total"`
	Page     int             `json:"page"`
	PerPage  int             `json:"per_page"`
}

type outboxMessage struct {
	ID        int64     `json:"id"`
	Mobile    string    `json:"mobile"`
	Purpose   string    `json:"purpose"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	// Unreadable: the row did not open under the data keys (sms.OutboxMessage);
	// mobile is empty and text says so, the other fields are the row's.
	Unreadable bool `json:"unreadable"`
}

// outboxData is what the HTML Page shows.
type outboxData struct {
	Messages []outboxRow
	Total    int
	Page     int
	Pages    int
	Pager    web.Pager
}

type outboxRow struct {
	Time, Mobile, Purpose, Text string
	Unreadable                  bool
}

// pageParam reads a page number from a query value: 1 for anything that is not a
// positive number, and at most maxPage, so a crafted value cannot ask for an offset
// that overflows.
func pageParam(s string) int {
	const maxPage = 1 << 20
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// outboxShow is GET /dev/outbox: newest first, paged, HTML or JSON by Accept.
func (s *handler) outboxShow(w http.ResponseWriter, r *http.Request) error {
	if s.DevOutbox == nil {
		return s.NotFound(w, r)
	}
	page := pageParam(r.URL.Query().Get("page"))
	msgs, total, err := s.DevOutbox.List(r.Context(), sms.Page{Page: page, PerPage: outboxPerPage})
	if err != nil {
		return err
	}
	w.Header().Add("Vary", "Accept")
	if web.WantsJSON(r.Header.Get("Accept")) {
		out := outboxJSON{Messages: []outboxMessage{}, Total: total, Page: page, PerPage: outboxPerPage}
		for _, m := range msgs {
			out.Messages = append(out.Messages, outboxMessage{ID: m.ID, Mobile: m.Mobile, Purpose: m.Purpose,
				Text: m.Text, CreatedAt: m.CreatedAt.UTC(), Unreadable: m.Unreadable})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		return json.NewEncoder(w).Encode(out)
	}
	d := outboxData{Total: total, Page: page, Pages: (total + outboxPerPage - 1) / outboxPerPage}
	for _, m := range msgs {
		d.Messages = append(d.Messages, outboxRow{Time: m.CreatedAt.In(web.Shanghai).Format("2006-01-02 15:04:05"),
			Mobile: m.Mobile, Purpose: m.Purpose, Text: m.Text, Unreadable: m.Unreadable})
	}
	link := func(n int) string { return "/dev/outbox?page=" + strconv.Itoa(n) }
	d.Pager = web.NewPager(page, d.Pages, link)
	if page > 1 {
		// Past the end, back leads to the last page rather than to another empty one.
		d.Pager.Prev = link(min(page-1, max(d.Pages, 1)))
	}
	return s.Render(w, r, http.StatusOK, "development-outbox", "短信发件箱（开发环境）", "", d)
}
