package unitcenter

import (
	"net/url"
	"strings"
	"testing"

	"hall/internal/cases"
	"hall/internal/web"
)

// FuzzCaseQuery: whatever the address of 单位办件 says, the filter holds only a
// known item and state, dates that read as YYYY-MM-DD (a dropped one is noted),
// a page from 1 to maxCasesPage; and the address of that page with the
// conditions kept reads back as the same filter.
func FuzzCaseQuery(f *testing.F) {
	items := map[string]string{cases.ItemEnrolment: "用人单位用工参保登记", cases.ItemLeave: "退工停保登记"}
	f.Add(cases.ItemEnrolment, "submitted", "2026-04-01", "2026-04-13", "2")
	f.Add("", "", "", "", "")
	f.Add("SB-999", "done", "2026-4-1", "2026-02-30", "-3")
	f.Add(cases.ItemLeave, "returned", "0000-01-01", "9999-12-31", "9223372036854775807")
	f.Add("", "approved", "2026-04-13T00:00", " 2026-04-13", "1e3")
	f.Fuzz(func(t *testing.T, item, state, from, to, page string) {
		q := url.Values{"item": {item}, "state": {state}, "from": {from}, "to": {to}, "page": {page}}
		d, flt := caseQuery(q, items)
		if flt.Page < 1 || flt.Page > maxCasesPage || flt.PerPage != casesPerPage {
			t.Fatalf("page %d, per page %d", flt.Page, flt.PerPage)
		}
		if flt.ItemCode != d.Item || (d.Item != "" && (d.Item != item || items[d.Item] == "")) {
			t.Fatalf("item %q from %q: filter %q", d.Item, item, flt.ItemCode)
		}
		if string(flt.State) != d.State || (d.State != "" && (d.State != state || !flt.State.Valid())) {
			t.Fatalf("state %q from %q: filter %q", d.State, state, flt.State)
		}
		for _, c := range []struct{ typed, kept string }{{from, d.From}, {to, d.To}} {
			if c.kept != "" && c.kept != c.typed {
				t.Fatalf("date %q kept as %q", c.typed, c.kept)
			}
			if c.typed != "" && c.kept == "" && d.FilterNote == "" && d.ToError == "" {
				t.Fatalf("date %q dropped without a note", c.typed)
			}
		}
		if (d.From == "") != flt.From.IsZero() || (d.From != "" && flt.From.In(web.Shanghai).Format("2006-01-02") != d.From) {
			t.Fatalf("from %q: filter %v", d.From, flt.From)
		}
		if !flt.From.IsZero() && !flt.To.IsZero() && !flt.To.After(flt.From) {
			t.Fatalf("a reversed range %v..%v is kept", flt.From, flt.To)
		}
		if (d.To == "") != flt.To.IsZero() || (d.To != "" && flt.To.In(web.Shanghai).AddDate(0, 0, -1).Format("2006-01-02") != d.To) {
			t.Fatalf("to %q: filter %v", d.To, flt.To)
		}

		link := d.pageURL(flt.Page)
		u, err := url.Parse(link)
		if err != nil || u.Path != "/unit/cases" || strings.ContainsAny(link, " \n<>\"") {
			t.Fatalf("page address %q: %v", link, err)
		}
		d2, flt2 := caseQuery(u.Query(), items)
		if d2.Item != d.Item || d2.State != d.State || d2.From != d.From || d2.To != d.To || d2.FilterNote != "" || d2.ToError != "" ||
			flt2.Page != flt.Page || flt2.ItemCode != flt.ItemCode || flt2.State != flt.State ||
			!flt2.From.Equal(flt.From) || !flt2.To.Equal(flt.To) {
			t.Fatalf("%q reads back as %+v %+v, want %+v %+v", link, d2, flt2, d, flt)
		}
	})
}
