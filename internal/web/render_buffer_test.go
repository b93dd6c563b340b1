package web_test

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"hall/internal/web/webtest"
)

// TestRenderedPagesShareNoBytes: pages are rendered into pooled buffers; each response
// is one whole page of its own, also when pages of different lengths are rendered one
// after another and at the same time.
func TestRenderedPagesShareNoBytes(t *testing.T) {
	ts := webtest.NewTestServer(t)
	// Each request without a cookie is a new visitor with its own CSRF token.
	token := regexp.MustCompile(`(name="csrf_token" value="|name="csrf-token" content=")[^"]*"`)
	get := func(target string) string { return token.ReplaceAllString(ts.Get(t, target).Body.String(), `${1}"`) }
	targets := []string{"/catalog", "/", "/themes", "/help", "/catalog"}
	want := map[string]string{}
	for _, target := range targets {
		want[target] = get(target)
	}
	check := func(target, body string) string {
		switch {
		case strings.Count(body, "<!doctype html>")+strings.Count(body, "<!DOCTYPE html>") != 1:
			return target + ": not exactly one document"
		case !strings.HasSuffix(strings.TrimSpace(body), "</html>"):
			return target + ": the page does not end with </html>"
		case body != want[target]:
			return target + ": the page differs from its first rendering"
		}
		return ""
	}
	for _, target := range append(targets, targets...) {
		if msg := check(target, get(target)); msg != "" {
			t.Error(msg)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				target := targets[(g+k)%len(targets)]
				if msg := check(target, get(target)); msg != "" {
					errs <- msg
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}
