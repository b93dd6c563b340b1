package admin

import (
	"net/url"
	"testing"

	"hall/internal/cases"
)

// FuzzQueueQuery: whatever the queue's address says, it reads as a known state
// and a page from 1 to maxQueuePage, and the address of that page reads back as
// the same.
func FuzzQueueQuery(f *testing.F) {
	f.Add("accepted", "3")
	f.Add("", "")
	f.Add("deleted", "-1")
	f.Add("submitted", "9223372036854775807")
	f.Add("returned&page=2", "0x10")
	f.Fuzz(func(t *testing.T, state, page string) {
		st, n := queueQuery(url.Values{"state": {state}, "page": {page}})
		if !st.Valid() || (cases.State(state).Valid() && st != cases.State(state)) || n < 1 || n > maxQueuePage {
			t.Fatalf("%q %q read as %q page %d", state, page, st, n)
		}
		u, err := url.Parse(queueURL(st, n))
		if err != nil || u.Path != "/admin/cases/" {
			t.Fatalf("%q: %v", queueURL(st, n), err)
		}
		if st2, n2 := queueQuery(u.Query()); st2 != st || n2 != n {
			t.Fatalf("%q reads back as %q page %d", u, st2, n2)
		}
	})
}
