package web

import (
	"encoding/json"
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

// acctOutboxPerPage is the page size of /dev/outbox.
const acctOutboxPerPage = 20

// acctOutboxJSON is the JSON form of the page.
type acctOutboxJSON struct {
	Messages []acctOutboxMessage `json:"messages"`
	Total    int                 `json:"total"`
	Page     int                 `json:"page"`
	PerPage  int                 `json:"per_page"`
}

type acctOutboxMessage struct {
	ID        int64     `json:"id"`
	Mobile    string    `json:"mobile"`
	Purpose   string    `json:"purpose"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// acctOutboxData is what the HTML page shows.
type acctOutboxData struct {
	Messages   []acctOutboxRow
	Total      int
	Page       int
	Pages      int
	Prev, Next string
}

type acctOutboxRow struct {
	Time, Mobile, Purpose, Text string
}

// acctPageParam reads a page number from a query value: 1 for anything that is not a
// positive number, and at most maxPage, so a crafted value cannot ask for an offset
// that overflows.
func acctPageParam(s string) int {
	const maxPage = 1 << 20
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// acctOutboxShow is GET /dev/outbox: newest first, paged, HTML or JSON by Accept.
func (s *Server) acctOutboxShow(w http.ResponseWriter, r *http.Request) error {
	if s.DevOutbox == nil {
		return s.notFound(w, r)
	}
	page := acctPageParam(r.URL.Query().Get("page"))
	msgs, total, err := s.DevOutbox.List(r.Context(), sms.Page{Page: page, PerPage: acctOutboxPerPage})
	if err != nil {
		return err
	}
	w.Header().Add("Vary", "Accept")
	if acctWantsJSON(r.Header.Get("Accept")) {
		out := acctOutboxJSON{Messages: []acctOutboxMessage{}, Total: total, Page: page, PerPage: acctOutboxPerPage}
		for _, m := range msgs {
			out.Messages = append(out.Messages, acctOutboxMessage{ID: m.ID, Mobile: m.Mobile, Purpose: m.Purpose,
				Text: m.Text, CreatedAt: m.CreatedAt.UTC()})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		return json.NewEncoder(w).Encode(out)
	}
	d := acctOutboxData{Total: total, Page: page, Pages: (total + acctOutboxPerPage - 1) / acctOutboxPerPage}
	for _, m := range msgs {
		d.Messages = append(d.Messages, acctOutboxRow{Time: m.CreatedAt.In(shanghai).Format("2006-01-02 15:04:05"),
			Mobile: m.Mobile, Purpose: m.Purpose, Text: m.Text})
	}
	if page > 1 {
		d.Prev = "/dev/outbox?page=" + strconv.Itoa(min(page-1, max(d.Pages, 1)))
	}
	if page < d.Pages {
		d.Next = "/dev/outbox?page=" + strconv.Itoa(page+1)
	}
	return s.render(w, r, http.StatusOK, "acct-outbox", "短信发件箱（开发环境）", "", d)
}
