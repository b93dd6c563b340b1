package account

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/services"
	"hall/internal/web/webtest"
)

// The scan of what the hall kept after a person typed ID numbers and mobiles, shared
// by the scan over HTTP (TestLogScanNoTypedIdentifier) and the one in Chromium
// (TestBrowserLogScanNoTypedIdentifier).

// capturedLog returns a log destination and the server option that gives the hall a
// logger, built as cmd/hall builds it (text, debug level), writing to it.
func capturedLog(t testing.TB) (*webtest.LogBuffer, func(*services.Services)) {
	logs := &webtest.LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return logs, func(svc *services.Services) {
		b, err := services.Build(svc.Config, svc.DB, logger, nil)
		if err != nil {
			t.Fatalf("services: %v", err)
		}
		*svc = *b
	}
}

// wantNoTypedIdentifier fails t for every identifier of typed (normalised: ASCII
// digits, upper-case X) that is whole, in any spelling flatten undoes, in the
// process log, in the audit log's details and targets, or in one of pages (the
// value attributes of inputs aside: what the person typed given back to them in
// their own form).
func wantNoTypedIdentifier(t *testing.T, ts *webtest.TestServer, logs *webtest.LogBuffer, pages, typed []string) {
	t.Helper()
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
	if len(details) == 0 || !strings.Contains(logs.String(), "msg=http") || len(pages) == 0 {
		t.Fatal("nothing was audited, logged or answered: the scan would see nothing")
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
