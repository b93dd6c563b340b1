package account

import (
	"bytes"
	"context"
	"fmt"
	"hall/internal/web/webtest"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/services"
)

// TestLogScanNoTypedIdentifier runs the flows where a person types an ID number or a
// Mobile (registration with its SMS code, login by ID number, by mobile and by SMS
// code, unit login, a refused login, the start of password recovery, and the same
// values typed into a URL's query string) with the values written in the ways people
// write them, then scans what the hall kept: the process log, the audit details, and
// every page it answered (except the form fields that give the person back what they
// typed into their own form). No full ID number or mobile may be in any of them, in
// any spelling.
func TestLogScanNoTypedIdentifier(t *testing.T) {
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := webtest.NewTestServer(t, func(svc *services.Services) {
		// The server's logger, built as cmd/hall builds it, writing to logs.
		b, err := services.Build(svc.Config, svc.DB, logger, nil)
		if err != nil {
			t.Fatalf("services: %v", err)
		}
		*svc = *b
	})
	w := webtest.NewWorld(ts, 1616)
	var pages []string
	keep := func(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		pages = append(pages, rec.Body.String())
		return rec
	}
	var typed []string // every identifier typed, normalised

	// Registration: the mobile as "+86 136 2050 5873", the ID number full-width.
	id, mobile := w.IDNumber(), w.Mobile()
	typed = append(typed, id, mobile)
	c := webtest.NewClient(ts)
	keep(c.Get(t, "/register"))
	form := w.RegisterForm("欧阳娜娜")
	form.Set("id_number", fullWidth(id))
	form.Set("mobile", "+86 "+grouped(mobile, " ", 3, 4))
	send := webtest.CloneForm(form)
	send.Set("action", actionSendCode)
	webtest.WantStatus(t, "send code", keep(c.Post(t, "/register", send)), http.StatusOK)
	form.Set("sms_code", webtest.LatestCode(t, ts, mobile))
	webtest.WantRedirect(t, "注册", keep(c.Post(t, "/register", form)), "/me?notice=registered")
	keep(c.Get(t, "/me?notice=registered"))

	// Login by ID number (lower-case x, full-width) and by mobile (hyphens, 86 in
	// front).
	for _, login := range []string{fullWidth(strings.ToLower(id)), "86" + grouped(mobile, "-", 3, 4)} {
		c := webtest.NewClient(ts)
		rec := keep(c.Post(t, "/login/person", url.Values{"login": {login}, "password": {webtest.Password}}))
		webtest.WantStatus(t, "login "+ident.MaskText(login), rec, http.StatusSeeOther)
		keep(c.Get(t, "/me"))
	}

	// Unit login by the legal rep's mobile, full-width.
	u, rep := w.UnitWithRep(t, "示范市青禾科技有限公司", "陈立新")
	typed = append(typed, rep.IDNumber, rep.Mobile)
	c = webtest.NewClient(ts)
	webtest.WantRedirect(t, "unit login", keep(c.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {fullWidth(rep.Mobile)},
		"password": {webtest.Password}})), "/unit/")
	keep(c.Get(t, "/unit/"))

	// Login by SMS code, the legal rep's mobile typed with spaces (the registered
	// Mobile had a code a moment ago and waits for its resend interval).
	c = webtest.NewClient(ts)
	spaced := grouped(rep.Mobile, " ", 3, 4)
	webtest.WantStatus(t, "send login code", keep(c.Post(t, "/login/sms", url.Values{"mobile": {spaced}, "action": {actionSendCode}})), http.StatusOK)
	code := webtest.LatestCode(t, ts, rep.Mobile)
	webtest.WantRedirect(t, "login by code", keep(c.Post(t, "/login/sms", url.Values{"mobile": {spaced}, "sms_code": {code}, "action": {"login"}})), "/me")

	// Refused logins: a wrong password, an unknown ID number with spaces, an unknown
	// Mobile with a country code and a wrong password for a unit.
	stranger, strangerMobile := w.IDNumber(), w.Mobile()
	typed = append(typed, stranger, strangerMobile)
	c = webtest.NewClient(ts)
	for _, f := range []url.Values{
		{"login": {id}, "password": {"Wrong-Pass-2026"}},
		{"login": {grouped(stranger, " ", 6, 8)}, "password": {webtest.Password}},
		{"login": {"+86" + strangerMobile}, "password": {webtest.Password}},
	} {
		webtest.WantStatus(t, "refused login", keep(c.Post(t, "/login/person", f)), http.StatusUnprocessableEntity)
	}
	webtest.WantStatus(t, "refused unit login", keep(c.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {rep.IDNumber},
		"password": {"Wrong-Pass-2026"}})), http.StatusUnprocessableEntity)

	// Recovery started for the registered person, the ID number full-width.
	c = webtest.NewClient(ts)
	keep(c.Get(t, "/recover?tab=person"))
	rec := keep(c.Post(t, "/recover", url.Values{"kind": {"person"}, "id_type": {string(ident.IDTypeResident)},
		"id_number": {fullWidth(id)}, "name": {"欧阳娜娜"}}))
	keep(c.Get(t, webtest.Redirected(t, rec)))

	// The same values typed into a URL: query strings reach the access log.
	for _, q := range []string{
		"/login?tab=person&login=" + url.QueryEscape("+86 "+grouped(mobile, " ", 3, 4)),
		"/login?tab=person&login=" + grouped(mobile, "%20", 3, 4),
		"/login?tab=person&login=" + url.QueryEscape(fullWidth(mobile)),
		"/recover?tab=person&id_number=" + url.QueryEscape(grouped(id, " ", 6, 8)),
	} {
		keep(c.Get(t, q))
	}
	// A search for a number: the catalog's "没有名称包含“…”的事项" gives the search
	// box's text back to the person who typed it, like the field itself, so only
	// the log is scanned for it.
	webtest.WantStatus(t, "search", c.Get(t, "/catalog?q="+url.QueryEscape(fullWidth(stranger))), http.StatusOK)

	// The scan.
	var details []string
	for page := 1; ; page++ {
		entries, total, err := ts.Audit.List(context.Background(), audit.Filter{Page: page, PerPage: audit.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			for k, v := range e.Detail {
				details = append(details, e.Action+" "+k+"="+v)
			}
			details = append(details, e.Target)
		}
		if page*audit.MaxPerPage >= total {
			break
		}
	}
	if len(details) == 0 || !strings.Contains(logs.String(), "msg=http") {
		t.Fatal("nothing was audited or logged: the scan would see nothing")
	}
	where := map[string]string{"process log": logs.String(), "audit details": strings.Join(details, "\n")}
	for i, p := range pages {
		where[fmt.Sprintf("page %d", i+1)] = withoutTypedValues(p)
	}
	for name, text := range where {
		flat := flatten(text)
		for _, n := range typed {
			if strings.Contains(flat, n) {
				at := strings.Index(flat, n)
				t.Errorf("%s holds %s in full: …%s…", name, ident.MaskText(n), flat[max(0, at-80):min(len(flat), at+len(n)+40)])
			}
		}
	}
}

// lockedBuffer is a log destination that handlers may write to from several
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fullWidth writes s as a Chinese input method in full-width mode does.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7F {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// grouped splits s into groups of the given sizes (the rest last) joined by sep:
// grouped("13620505873", "-", 3, 4) is "136-2050-5873".
func grouped(s, sep string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), sep)
}

// typedValue finds the value attribute of an input: what the person typed into their
// own form, given back to them.
var typedValue = regexp.MustCompile(`(<input\b[^>]*?)\svalue="[^"]*"`)

func withoutTypedValues(page string) string { return typedValue.ReplaceAllString(page, "$1") }

// flatten writes text so that any spelling of a number shows as its plain
// characters: percent escapes decoded, full-width folded, separators (space, '+',
// '-', the ideographic space) removed, letters upper-cased.
func flatten(text string) string {
	text = percentEscape.ReplaceAllStringFunc(text, func(m string) string {
		if u, err := url.PathUnescape(m); err == nil {
			return u
		}
		return m
	})
	text = ident.Fold(text)
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '+' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, text))
}

var percentEscape = regexp.MustCompile(`(?:%[0-9A-Fa-f]{2})+`)
