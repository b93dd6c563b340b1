package unitcenter

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hall/internal/insurance"
	"hall/internal/services"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// rightsCast is unit A with insurance data, its legal rep and an agent granted
// SB-001 only; and unit B, whose agent is granted rights.ItemCode (SB-007), with
// its legal rep. Options change the services as webtest.NewTestServer's do.
type rightsCast struct {
	ts                  *webtest.TestServer
	a                   webtest.AgentFixture
	rep, agentWithout   *webtest.Client
	otherRep, agentWith *webtest.Client
	from, to            string // a period with payments
	next                string // a month after this one
}

func rightsNewCast(t *testing.T, opts ...func(*services.Services)) *rightsCast {
	t.Helper()
	ts := webtest.NewTestServer(t, opts...)
	c := &rightsCast{ts: ts}
	sign := func(fx webtest.AgentFixture, rep bool) *webtest.Client {
		cl := webtest.NewClient(ts)
		if rep {
			webtest.SignIn(t, cl, webtest.UnitSubject(fx.Rep, fx.Unit, unit.RoleLegalRep))
		} else {
			webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
			webtest.SignIn(t, cl, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
		}
		return cl
	}
	c.a = webtest.Invite(t, ts, 301, "SB-001")
	webtest.LoadInsurance(t, ts, c.a.Unit, 8, 5)
	c.rep, c.agentWithout = sign(c.a, true), sign(c.a, false)
	b := webtest.Invite(t, ts, 302, "SB-007")
	c.otherRep, c.agentWith = sign(b, true), sign(b, false)
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	c.from, c.to, c.next = last.Add(-2).String(), last.String(), last.Add(2).String()
	return c
}

// rightsForm is the U3 form with every type the demo unit pays.
func rightsForm(from, to string, types ...string) url.Values {
	return url.Values{"from": {from}, "to": {to}, "types": types}
}

// TestRightsFormErrors: refused input comes back (422) with each message beside its
// field, the typed months kept, and nothing issued.
func TestRightsFormErrors(t *testing.T) {
	c := rightsNewCast(t)
	cases := []struct {
		name  string
		form  url.Values
		field string // id of the message
		want  string
	}{
		{"no start month", rightsForm("", c.to, "pension"), "e-from", "请选择查询起始年月"},
		{"no end month", rightsForm(c.from, "", "pension"), "e-to", "请选择查询截止年月"},
		{"start after end", rightsForm(c.to, c.from, "pension"), "e-from", "起始年月不能晚于截止年月"},
		{"a future month", rightsForm(c.from, c.next, "pension"), "e-to", "截止年月不能晚于本月"},
		{"malformed month", rightsForm("2025/13", c.to, "pension"), "e-from", "起始年月格式应为"},
		{"no type", rightsForm(c.from, c.to), "e-types", "请至少选择一个险种"},
		{"a type the unit is not in", rightsForm(c.from, c.to, "public_pension"), "e-types", "本单位未参加"},
		{"an unknown type", rightsForm(c.from, c.to, "nonsense"), "e-types", "所选险种无效"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.rep.Post(t, "/unit/rights", tc.form)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", rec.Code)
			}
			doc := webtest.ParseHTML(t, rec.Body.String())
			if msg := doc.Must(t, "#"+tc.field).TextContent(); !strings.Contains(msg, tc.want) {
				t.Errorf("%s says %q, want %q", tc.field, msg, tc.want)
			}
			if v := doc.Must(t, "#f-from").AttrOr("value"); v != tc.form.Get("from") {
				t.Errorf("start month shown as %q, want %q", v, tc.form.Get("from"))
			}
		})
	}
	if recs, err := c.ts.Rights.List(t.Context(), c.a.Unit.ID, 0, 10); err != nil || len(recs) != 0 {
		t.Errorf("records after refused forms: %d (%v), want none", len(recs), err)
	}
}

// TestRightsIssueAndDownload: the legal rep issues a record, the list links it,
// and its download is the signed PDF as an attachment with a Chinese file name.
func TestRightsIssueAndDownload(t *testing.T) {
	c := rightsNewCast(t)
	doc := c.rep.Page(t, "/unit/rights", http.StatusOK)
	for typ, label := range map[string]string{"pension": "企业基本养老保险", "injury": "工伤保险", "unemployment": "失业保险"} {
		if got := doc.Must(t, "label[for=rights-type-"+typ+"]").TextContent(); got != label {
			t.Errorf("the form offers %q for %s, want %q", got, typ, label)
		}
	}
	rec := c.rep.Post(t, "/unit/rights", rightsForm(c.from, c.to, "pension", "injury"))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/unit/rights?issued=") {
		t.Fatalf("issue: %d to %q, want 303 to the list", rec.Code, rec.Header().Get("Location"))
	}
	doc = c.rep.Page(t, rec.Header().Get("Location"), http.StatusOK)
	link := doc.Must(t, "[data-rights-issued] a").AttrOr("href")
	if !regexp.MustCompile(`^/unit/rights/\d+/file$`).MatchString(link) {
		t.Fatalf("download link %q", link)
	}
	if n := len(doc.All("table.data tbody tr")); n != 1 {
		t.Errorf("list has %d rows, want 1", n)
	}
	file := c.rep.Get(t, link)
	if file.Code != http.StatusOK {
		t.Fatalf("download: %d", file.Code)
	}
	h := file.Header()
	if h.Get("Content-Type") != "application/pdf" {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	cd := h.Get("Content-Disposition")
	wantName := url.PathEscape("社会保险权益记录单_" + c.a.Unit.Name)
	if !strings.HasPrefix(cd, `attachment; filename="rights-record-`+c.from+"-"+c.to+`.pdf"; filename*=UTF-8''`) ||
		!strings.Contains(cd, wantName) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !bytes.HasPrefix(file.Body.Bytes(), []byte("%PDF-")) {
		t.Errorf("download is not a PDF: %q", file.Body.Bytes()[:min(16, file.Body.Len())])
	}
	// The unit's other roles see it; the other unit's legal rep does not.
	if got := c.otherRep.Get(t, link); got.Code != http.StatusNotFound {
		t.Errorf("another unit's legal rep downloads it: %d, want 404", got.Code)
	}
	if got := c.rep.Get(t, "/unit/rights/999999/file"); got.Code != http.StatusNotFound {
		t.Errorf("unknown record: %d, want 404", got.Code)
	}
}

// TestRightsAgentGrant: an agent without SB-007 is refused every route (403) and
// issues nothing; one with the grant sees the page.
func TestRightsAgentGrant(t *testing.T) {
	c := rightsNewCast(t)
	for _, rec := range []*http.Response{
		c.agentWithout.Get(t, "/unit/rights").Result(),
		c.agentWithout.Post(t, "/unit/rights", rightsForm(c.from, c.to, "pension")).Result(),
		c.agentWithout.Get(t, "/unit/rights/1/file").Result(),
	} {
		if rec.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s by an agent without the grant: %d, want 403", rec.Request.Method, rec.Request.URL, rec.StatusCode)
		}
	}
	if recs, err := c.ts.Rights.List(t.Context(), c.a.Unit.ID, 0, 10); err != nil || len(recs) != 0 {
		t.Errorf("records: %d (%v), want none", len(recs), err)
	}
	c.agentWith.Page(t, "/unit/rights", http.StatusOK)
}

func TestAttachmentDisposition(t *testing.T) {
	cases := []struct{ ascii, name, want string }{
		{"a.pdf", "a.pdf", `attachment; filename="a.pdf"; filename*=UTF-8''a.pdf`},
		{"r.pdf", "权益单 1.pdf", `attachment; filename="r.pdf"; filename*=UTF-8''%E6%9D%83%E7%9B%8A%E5%8D%95%201.pdf`},
		{"r.pdf", `a"b;c%d`, `attachment; filename="r.pdf"; filename*=UTF-8''a%22b%3Bc%25d`},
	}
	for _, tc := range cases {
		if got := attachmentDisposition(tc.ascii, tc.name); got != tc.want {
			t.Errorf("attachmentDisposition(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
