package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Page is one browser tab in its own incognito browser context. Its helpers
// fail the test with the step, the reason and the URL of the page. A Page is
// not safe for use by several goroutines at once; use one Page per goroutine.
type Page struct {
	t      testing.TB
	b      *Browser
	cfg    pageConfig
	name   string // for the files of screenshots
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	console   []string
	dialogs   []string
	mainFrame cdp.FrameID
	loading   bool
	navSeq    int
	status    int64
	opened    map[string]bool // the URLs given to Open
	closed    bool
	audited   int  // the navSeq of the last document checked by CheckEveryPage
	auditing  bool // a check of CheckEveryPage runs
}

// Rect is the box of an element in CSS pixels, relative to the viewport.
type Rect struct {
	X, Y, Width, Height float64
}

// Center returns the middle of the box.
func (r Rect) Center() (x, y float64) { return r.X + r.Width/2, r.Y + r.Height/2 }

var (
	pageCountMu sync.Mutex
	pageCount   = map[string]int{}
)

// NewPage opens a new tab in a new incognito browser context, so that it
// shares no cookies or storage with any other page; in a browser of its own
// ([Launch]) the tab opens in the profile's browser context instead, whose
// preferences (the client certificate to present) incognito would not keep. The
// page closes at the cleanup of t.
func (b *Browser) NewPage(t testing.TB, opts ...Option) *Page {
	t.Helper()
	cfg := pageConfig{timeout: defaultTimeout()}
	for _, o := range opts {
		o(&cfg)
	}
	if b.own {
		return b.newPage(t, cfg, b.inst.ctx)
	}
	return b.newPage(t, cfg, b.inst.ctx, chromedp.WithNewBrowserContext())
}

// NewTab opens a second tab in the browser context of p, so that it shares the
// cookies of p, as a person who opens a link in a new tab. It has the options
// of p, and it closes at the cleanup of t or when p closes.
func (p *Page) NewTab(t testing.TB) *Page {
	t.Helper()
	return p.b.newPage(t, p.cfg, p.ctx)
}

func (b *Browser) newPage(t testing.TB, cfg pageConfig, parent context.Context, ctxOpts ...chromedp.ContextOption) *Page {
	t.Helper()
	p := &Page{t: t, b: b, cfg: cfg}
	pageCountMu.Lock()
	pageCount[t.Name()]++
	p.name = fmt.Sprintf("%s-page%d", sanitize(t.Name()), pageCount[t.Name()])
	pageCountMu.Unlock()

	ctxOpts = append(ctxOpts, chromedp.WithListener(p.onEvent))
	p.ctx, p.cancel = chromedp.NewContext(parent, ctxOpts...)

	// The first action attaches the tab and binds it to p.ctx, so it must
	// run without a timeout. A goroutine bounds it.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(p.ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(startTimeout):
		err = fmt.Errorf("no answer after %s", startTimeout)
	}
	if err != nil {
		p.cancel()
		t.Fatalf("browsertest: opening a new page: %v", err)
	}
	p.mu.Lock()
	p.mainFrame = cdp.FrameID(chromedp.FromContext(p.ctx).Target.TargetID)
	p.mu.Unlock()

	if cfg.mobile {
		ctx, cancel := context.WithTimeout(p.ctx, startTimeout)
		defer cancel()
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
					UserAgent:      mobileUserAgent(b.inst.userAgent),
					AcceptLanguage: "zh-CN,zh",
					Platform:       "Linux armv8l",
				})
				return err
			}),
		); err != nil {
			p.cancel()
			t.Fatalf("browsertest: emulating a phone: %v", err)
		}
	}
	b.mu.Lock()
	b.pages = append(b.pages, p)
	b.mu.Unlock()
	t.Cleanup(p.cleanup)
	return p
}

var chromeVersion = regexp.MustCompile(`Chrome/([0-9.]+)`)

func mobileUserAgent(desktop string) string {
	v := "120.0.0.0"
	if m := chromeVersion.FindStringSubmatch(desktop); m != nil {
		v = m[1]
	}
	return "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + v + " Mobile Safari/537.36"
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func sanitize(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	if len(s) > 150 {
		s = s[:150]
	}
	return s
}

// onEvent runs in the loop of the tab, in the order of the events. It must
// return fast and run no command.
func (p *Page) onEvent(ev any) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			p.addConsole("console." + string(e.Type) + ": " + argsText(e.Args) + stackPlace(e.StackTrace))
		}
	case *runtime.EventExceptionThrown:
		p.addConsole("uncaught exception: " + exceptionText(e.ExceptionDetails))
	case *log.EventEntryAdded:
		if en := e.Entry; en != nil && en.Level == log.EntryLevelError && !p.ignoredLog(en) {
			s := "browser log (" + string(en.Source) + "): " + en.Text
			if en.URL != "" && !strings.Contains(en.Text, en.URL) {
				s += " [" + en.URL + "]"
			}
			p.addConsole(s)
		}
	case *page.EventJavascriptDialogOpening:
		p.mu.Lock()
		p.dialogs = append(p.dialogs, string(e.Type)+": "+e.Message)
		p.mu.Unlock()
		accept := !p.cfg.dismiss
		go func() {
			ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
			defer cancel()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept, PromptText: e.DefaultPrompt}) // the dialog may already be gone; the test checks what the page shows next
		}()
	case *page.EventFrameStartedLoading:
		p.mu.Lock()
		if e.FrameID == p.mainFrame {
			p.loading = true
			p.navSeq++
		}
		p.mu.Unlock()
	case *page.EventFrameStoppedLoading:
		p.mu.Lock()
		if e.FrameID == p.mainFrame {
			p.loading = false
		}
		p.mu.Unlock()
	}
}

// ignoredLog reports whether a log entry is no fault of the page: the
// browser's own request of /favicon.ico, or the HTTP error status of a
// document that the test opened itself with Open (see Status).
func (p *Page) ignoredLog(en *log.Entry) bool {
	if en.Source != log.EntrySourceNetwork || en.URL == "" {
		return false
	}
	if u, err := url.Parse(en.URL); err == nil && u.Path == "/favicon.ico" {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opened[en.URL]
}

func (p *Page) addConsole(s string) {
	p.mu.Lock()
	p.console = append(p.console, s)
	p.mu.Unlock()
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, objectText(a))
	}
	return strings.Join(parts, " ")
}

func objectText(o *runtime.RemoteObject) string {
	if o == nil {
		return "null"
	}
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	if o.Description != "" {
		return o.Description
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	return string(o.Type)
}

func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s:%d:%d)", f.URL, f.LineNumber+1, f.ColumnNumber+1)
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	s := d.Text
	if d.Exception != nil {
		desc, _, _ := strings.Cut(objectText(d.Exception), "\n    at ")
		s = strings.TrimSpace(s + " " + desc)
	}
	if d.URL != "" {
		s += fmt.Sprintf(" (%s:%d:%d)", d.URL, d.LineNumber+1, d.ColumnNumber+1)
	} else {
		s += stackPlace(d.StackTrace)
	}
	return s
}

// ConsoleErrors returns the console errors (console.error, a failed
// console.assert, an error of the browser log such as a CSP violation or a
// failed resource) and the uncaught exceptions of the page so far.
func (p *Page) ConsoleErrors() []string {
	p.sync()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.console...)
}

// Dialogs returns the alert, confirm and prompt dialogs that the page opened,
// as "type: message". The page answered them with OK, or with cancel when it
// has the option [DismissDialogs].
func (p *Page) Dialogs() []string {
	p.sync()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// sync makes sure that the listener saw every event that the browser sent
// before now: the events come before the answer to a command.
func (p *Page) sync() {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	_ = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void]("0")) // a round trip only to let pending events land; a dead page fails the next real step
}

// Context returns the chromedp context of the tab, for the rare step that
// needs chromedp itself. Give each action a timeout.
func (p *Page) Context() context.Context { return p.ctx }

// Close closes the tab and its browser context. The cleanup of the test
// calls it; a second call does nothing.
func (p *Page) Close() {
	p.mu.Lock()
	closed := p.closed
	p.closed = true
	p.mu.Unlock()
	if !closed {
		p.cancel()
	}
}

func (p *Page) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *Page) cleanup() {
	if p.isClosed() {
		return
	}
	defer p.Close()
	if msgs := p.unexpectedConsole(); len(msgs) > 0 {
		p.t.Errorf("browsertest: the page logged %d console error(s) or uncaught exception(s) "+
			"(pass browsertest.AllowConsoleErrors() to NewPage to allow them):\n\t%s\n\tpage: %s",
			len(msgs), strings.Join(msgs, "\n\t"), p.currentURL())
	}
	if p.t.Failed() {
		path, err := p.saveScreenshot("failure")
		if err != nil {
			p.t.Logf("browsertest: could not save the screenshot of the failed test: %v", err)
		} else {
			p.t.Logf("browsertest: screenshot of the page at the failure (%s): %s", p.currentURL(), path)
		}
	}
}

func (p *Page) unexpectedConsole() []string {
	if p.cfg.allowAll {
		return nil
	}
	var out []string
outer:
	for _, m := range p.ConsoleErrors() {
		for _, s := range p.cfg.allowSubstrs {
			if strings.Contains(m, s) {
				continue outer
			}
		}
		out = append(out, m)
	}
	return out
}

// fatalf fails the test with the step, the message and the URL of the page.
func (p *Page) fatalf(step, format string, args ...any) {
	p.t.Helper()
	p.t.Fatalf("browsertest: %s: %s\n\tpage: %s", step, fmt.Sprintf(format, args...), p.currentURL())
}

// currentURL returns the URL of the page, or a note when there is none.
func (p *Page) currentURL() string {
	if p.isClosed() {
		return "(closed)"
	}
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Evaluate[string]("location.href"))
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return u
}

// stepCtx returns the context of one helper, with its timeout.
func (p *Page) stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, p.cfg.timeout)
}

// permanentError stops a poll at once.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// poll calls f until it reports done, returns a permanentError, or ctx ends.
// It returns the last error that f gave, which explains the timeout better
// than the timeout itself.
func (p *Page) poll(ctx context.Context, f func(ctx context.Context) (bool, error)) error {
	start := time.Now()
	var last error
	for {
		done, err := f(ctx)
		if done {
			return nil
		}
		var pe permanentError
		if errors.As(err, &pe) {
			return pe.error
		}
		if err != nil && (ctx.Err() == nil || last == nil) {
			last = err
		}
		select {
		case <-ctx.Done():
			if last == nil || errors.Is(last, context.DeadlineExceeded) {
				return fmt.Errorf("timed out after %s", time.Since(start).Round(100*time.Millisecond))
			}
			return fmt.Errorf("gave up after %s: %w", time.Since(start).Round(100*time.Millisecond), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitIdle waits, within ctx, until the main frame does not load, so that a
// step does not act on a page that is about to go away, and then checks a new
// document when CheckEveryPage is on. It never fails: the step that follows
// reports the problem.
func (p *Page) waitIdle(ctx context.Context) {
	for {
		p.mu.Lock()
		loading := p.loading
		p.mu.Unlock()
		if !loading {
			state, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.readyState"))
			if err == nil && state != "loading" {
				p.auditIfNew()
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Millisecond):
		}
	}
}

func (p *Page) seq() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.navSeq
}

// settleTime is how long an action waits for a navigation to start. Chromium
// reports the start of the navigation of a form or a link 5-30 ms after the
// click; a later navigation is caught by the waitIdle of the next step.
const settleTime = 150 * time.Millisecond

// settle waits a moment after an action for a navigation that the action
// started, and then until the new page is there.
func (p *Page) settle(ctx context.Context, seq0 int) {
	deadline := time.Now().Add(settleTime)
	for time.Now().Before(deadline) {
		if p.seq() != seq0 {
			p.waitIdle(ctx)
			return
		}
		time.Sleep(15 * time.Millisecond)
	}
}

// evalJSON evaluates expr, waits for a promise, and decodes the result.
func (p *Page) evalJSON(ctx context.Context, expr string, out any) error {
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if out == nil || raw == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// locate evaluates expr, which gives an element or a string that says why
// there is none. It retries until the element is there.
func (p *Page) locate(ctx context.Context, expr string) (*runtime.RemoteObject, error) {
	var el *runtime.RemoteObject
	err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		obj, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](expr))
		if err != nil {
			var ee *chromedp.ExceptionError
			if errors.As(err, &ee) && strings.Contains(err.Error(), "SyntaxError") {
				return false, permanentError{err}
			}
			return false, err
		}
		if obj.Type == runtime.RemoteObjectTypeObject && obj.Subtype == runtime.RemoteObjectSubtypeNode {
			el = obj
			return true, nil
		}
		var msg string
		if obj.Type != runtime.RemoteObjectTypeString || json.Unmarshal(obj.Value, &msg) != nil {
			msg = "unexpected result " + objectText(obj)
		}
		return false, errors.New(msg)
	})
	return el, err
}

// callOn calls the function declaration fn with the element as this, and
// decodes its result into out.
func (p *Page) callOn(ctx context.Context, el *runtime.RemoteObject, fn string, out any, args ...any) error {
	var cargs []*runtime.CallArgument
	for _, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		cargs = append(cargs, &runtime.CallArgument{Value: b})
	}
	res, err := chromedp.Call(ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
		FunctionDeclaration: fn,
		ObjectID:            el.ObjectID,
		Arguments:           cargs,
		ReturnByValue:       new(true),
		AwaitPromise:        new(true),
	})
	if err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return &chromedp.ExceptionError{ExceptionDetails: res.ExceptionDetails}
	}
	if out == nil || res.Result == nil || len(res.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(res.Result.Value, out)
}

// Open loads url, which can be relative to the current page, and waits for
// its load event. It fails on a network error, not on an HTTP error status:
// see [Page.Status]. The error status of this document is no console error
// either (other failed requests of the page are).
func (p *Page) Open(rawURL string) {
	p.t.Helper()
	step := fmt.Sprintf("Open(%q)", rawURL)
	target := rawURL
	if u, err := url.Parse(rawURL); err == nil && !u.IsAbs() {
		base, err := url.Parse(p.currentURL())
		if err == nil && base.IsAbs() {
			target = base.ResolveReference(u).String()
		}
	}
	p.mu.Lock()
	if p.opened == nil {
		p.opened = map[string]bool{}
	}
	p.opened[target] = true
	p.mu.Unlock()
	ctx, cancel := p.stepCtx()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(target))
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	p.mu.Lock()
	p.status = 0
	if resp != nil {
		p.status = resp.Status
	}
	p.mu.Unlock()
	p.waitIdle(ctx)
}

// Status returns the HTTP status of the document of the last [Page.Open], or
// 0 when the browser reported none.
func (p *Page) Status() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int(p.status)
}

// URL returns the URL of the page.
func (p *Page) URL() string {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	var u string
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		err := p.evalJSON(ctx, "location.href", &u)
		return err == nil, err
	}); err != nil {
		p.fatalf("URL()", "%v", err)
	}
	return u
}

// Back goes back in the history, as the back button, and waits for the page.
// The page can come from the back/forward cache, which fires no load event.
func (p *Page) Back() {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	h, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil {
		p.fatalf("Back()", "%v", err)
	}
	if h.CurrentIndex <= 0 || int(h.CurrentIndex) >= len(h.Entries) {
		p.fatalf("Back()", "there is no page to go back to")
	}
	prev := h.Entries[h.CurrentIndex-1]
	if _, err := chromedp.Call(ctx, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: prev.ID}); err != nil {
		p.fatalf("Back()", "%v", err)
	}
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		var r struct{ URL, State string }
		if err := p.evalJSON(ctx, "({URL: location.href, State: document.readyState})", &r); err != nil {
			return false, err
		}
		if r.URL != prev.URL || r.State == "loading" {
			return false, fmt.Errorf("the page is %s (%s), want %s", r.URL, r.State, prev.URL)
		}
		return true, nil
	}); err != nil {
		p.fatalf("Back()", "%v", err)
	}
	p.waitIdle(ctx)
}

// Reload reloads the page and waits for it.
func (p *Page) Reload() {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		p.fatalf("Reload()", "%v", err)
	}
	p.waitIdle(ctx)
}

// elementInfo describes a form control.
type elementInfo struct {
	Tag      string `json:"tag"`
	Type     string `json:"type"`
	Disabled bool   `json:"disabled"`
	ReadOnly bool   `json:"readOnly"`
	Checked  bool   `json:"checked"`
	Value    string `json:"value"`
	Desc     string `json:"desc"`
}

var infoFn = jsFunc("", `return {tag: this.tagName.toLowerCase(), type: (this.type || '').toLowerCase(),
  disabled: !!this.disabled, readOnly: !!this.readOnly, checked: !!this.checked,
  value: this.value == null ? '' : String(this.value), desc: L.describe(this)};`)

func (p *Page) info(ctx context.Context, el *runtime.RemoteObject) (elementInfo, error) {
	var in elementInfo
	err := p.callOn(ctx, el, infoFn, &in)
	return in, err
}

// byLabel finds the control of a label, and waits until it is enabled.
func (p *Page) byLabel(ctx context.Context, label string) (*runtime.RemoteObject, elementInfo, error) {
	var el *runtime.RemoteObject
	var in elementInfo
	err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		var err error
		el, err = p.locate(ctx, jsExpr("return L.byLabel("+js(label)+");"))
		if err != nil {
			return false, permanentError{err}
		}
		in, err = p.info(ctx, el)
		if err != nil {
			return false, err
		}
		if in.Disabled {
			return false, fmt.Errorf("the field %s is disabled", in.Desc)
		}
		return true, nil
	})
	return el, in, err
}

// valueTypes are the input types that take a value in a fixed format, which
// a person enters with a picker. Fill sets their value as the picker does.
var valueTypes = map[string]bool{
	"date": true, "time": true, "datetime-local": true, "month": true,
	"week": true, "color": true, "range": true,
}

// Fill finds the input, textarea or select whose <label> has the text label
// (whitespace, a leading "*" and a trailing ":" or "：" do not count), clicks
// it and types value in place of its content. For a select it chooses the
// option with the text value; for a date, time, color or range input it sets
// the value as a picker does; for a file input value is the path of the file.
func (p *Page) Fill(label, value string) {
	p.t.Helper()
	step := fmt.Sprintf("Fill(%q, %q)", label, value)
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	el, in, err := p.byLabel(ctx, label)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	switch {
	case in.Tag == "select":
		if err := p.selectOption(ctx, el, value); err != nil {
			p.fatalf(step, "%v", err)
		}
		return
	case in.Tag == "input" && (in.Type == "checkbox" || in.Type == "radio"):
		p.fatalf(step, "the label names a %s %s; use Check or Uncheck", in.Type, in.Desc)
	case in.Tag == "input" && in.Type == "file":
		if _, err := chromedp.Call(ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{value}, ObjectID: el.ObjectID}); err != nil {
			p.fatalf(step, "setting the file: %v", err)
		}
		return
	case in.ReadOnly:
		p.fatalf(step, "the field %s is read-only", in.Desc)
	case in.Tag == "input" && valueTypes[in.Type]:
		var got string
		err := p.callOn(ctx, el, jsFunc("v", `this.focus();
  this.value = v;
  this.dispatchEvent(new Event('input', {bubbles: true}));
  this.dispatchEvent(new Event('change', {bubbles: true}));
  return this.value;`), &got, value)
		if err != nil {
			p.fatalf(step, "%v", err)
		}
		if got != value {
			p.fatalf(step, "the %s input %s does not take the value %q (it holds %q)", in.Type, in.Desc, value, got)
		}
		return
	}

	seq0 := p.seq()
	if err := p.clickElement(ctx, el); err != nil {
		p.fatalf(step, "clicking the field: %v", err)
	}
	var focused bool
	if err := p.callOn(ctx, el, jsFunc("", `if (document.activeElement !== this) this.focus();
  if (typeof this.select === 'function') this.select();
  else if (this.isContentEditable) document.getSelection().selectAllChildren(this);
  return document.activeElement === this;`), &focused); err != nil {
		p.fatalf(step, "%v", err)
	}
	if !focused {
		p.fatalf(step, "the field %s does not take the focus", in.Desc)
	}
	if err := p.typeText(ctx, value); err != nil {
		p.fatalf(step, "typing: %v", err)
	}
	if in.Tag == "input" || in.Tag == "textarea" {
		var got string
		if err := p.callOn(ctx, el, jsFunc("", "return this.value;"), &got); err != nil {
			p.fatalf(step, "%v", err)
		}
		if got != value && !(in.Tag == "textarea" && strings.ReplaceAll(got, "\r\n", "\n") == value) {
			p.fatalf(step, "after typing, the field %s holds %q instead of %q (maxlength, a pattern or a script changed it)", in.Desc, got, value)
		}
	}
	if strings.ContainsAny(value, "\r\n") {
		p.settle(ctx, seq0) // Enter can submit the form
	}
}

// typeText types s on the keyboard into the focused element. ASCII goes key
// by key; other text, such as Chinese, goes as an input method commits it.
// An empty s deletes the selection.
func (p *Page) typeText(ctx context.Context, s string) error {
	if s == "" {
		return chromedp.Do(ctx, chromedp.KeyEvent("\b"))
	}
	for s != "" {
		i := 0
		for i < len(s) && s[i] < utf8.RuneSelf {
			i++
		}
		if i > 0 {
			if err := chromedp.Do(ctx, chromedp.KeyEvent(s[:i])); err != nil {
				return err
			}
			s = s[i:]
			continue
		}
		for i < len(s) && s[i] >= utf8.RuneSelf {
			i++
		}
		if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: s[:i]}); err != nil {
			return err
		}
		s = s[i:]
	}
	return nil
}

func (p *Page) selectOption(ctx context.Context, el *runtime.RemoteObject, text string) error {
	return p.poll(ctx, func(ctx context.Context) (bool, error) {
		var msg string
		err := p.callOn(ctx, el, jsFunc("want", `if (this.tagName !== 'SELECT') return 'the field ' + L.describe(this) + ' is not a <select>';
  const opts = [...this.options];
  const o = opts.find((o) => L.norm(o.text) === L.norm(want));
  if (!o) return 'the select ' + L.describe(this) + ' has no option with the text "' + L.norm(want) + '"; its options are ' + JSON.stringify(opts.map((o) => L.norm(o.text)));
  if (o.disabled) return 'the option "' + L.norm(want) + '" is disabled';
  this.focus();
  if (this.multiple) o.selected = true; else this.selectedIndex = o.index;
  this.dispatchEvent(new Event('input', {bubbles: true}));
  this.dispatchEvent(new Event('change', {bubbles: true}));
  return '';`), &msg, text)
		if err != nil {
			return false, err
		}
		if msg != "" {
			return false, errors.New(msg)
		}
		return true, nil
	})
}

// Select chooses the option with the visible text optionText in the <select>
// whose label is label.
func (p *Page) Select(label, optionText string) {
	p.t.Helper()
	step := fmt.Sprintf("Select(%q, %q)", label, optionText)
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	el, in, err := p.byLabel(ctx, label)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	if in.Tag != "select" {
		p.fatalf(step, "the label names %s, not a <select>", in.Desc)
	}
	seq0 := p.seq()
	if err := p.selectOption(ctx, el, optionText); err != nil {
		p.fatalf(step, "%v", err)
	}
	p.settle(ctx, seq0)
}

// Check ticks the checkbox, or chooses the radio button, whose label is label,
// with a click on it (or on its label when the box itself is hidden). A box
// that is ticked already stays so.
func (p *Page) Check(label string) {
	p.t.Helper()
	p.setChecked(fmt.Sprintf("Check(%q)", label), label, true)
}

// Uncheck clears the checkbox whose label is label with a click.
func (p *Page) Uncheck(label string) {
	p.t.Helper()
	p.setChecked(fmt.Sprintf("Uncheck(%q)", label), label, false)
}

func (p *Page) setChecked(step, label string, want bool) {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	el, in, err := p.byLabel(ctx, label)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	if in.Tag != "input" || (in.Type != "checkbox" && in.Type != "radio") {
		p.fatalf(step, "the label names %s, not a checkbox or a radio button", in.Desc)
	}
	if in.Checked == want {
		return
	}
	if in.Type == "radio" && !want {
		p.fatalf(step, "a radio button cannot be cleared with a click; choose another one")
	}
	seq0 := p.seq()
	target := el
	var visible bool
	if err := p.callOn(ctx, el, jsFunc("", "return L.visible(this);"), &visible); err != nil {
		p.fatalf(step, "%v", err)
	}
	if !visible {
		lbl, err := chromedp.Call(ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			FunctionDeclaration: jsFunc("", "return [...this.labels].find(L.visible);"),
			ObjectID:            el.ObjectID,
		})
		if err != nil || lbl.Result == nil || lbl.Result.ObjectID == "" {
			p.fatalf(step, "the checkbox %s and its labels are hidden (%v)", in.Desc, err)
		}
		target = lbl.Result
	}
	if err := p.clickElement(ctx, target); err != nil {
		p.fatalf(step, "%v", err)
	}
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		in, err := p.info(ctx, el)
		if err != nil {
			return false, err
		}
		if in.Checked != want {
			return false, fmt.Errorf("the click did not change %s (a script may prevent it)", in.Desc)
		}
		return true, nil
	}); err != nil {
		p.fatalf(step, "%v", err)
	}
	p.settle(ctx, seq0)
}

// Click clicks, with the mouse, the visible button (button, input type
// submit/button/reset/image, role=button) whose text is text, or a link
// with that text when no button has it. It fails when nothing or more than
// one element matches, and waits for a navigation that the click starts.
func (p *Page) Click(text string) {
	p.t.Helper()
	p.clickBy(fmt.Sprintf("Click(%q)", text), jsExpr("return L.clickable("+js(text)+", false);"))
}

// ClickLink clicks the visible link whose text is text.
func (p *Page) ClickLink(text string) {
	p.t.Helper()
	p.clickBy(fmt.Sprintf("ClickLink(%q)", text), jsExpr("return L.clickable("+js(text)+", true);"))
}

// ClickCSS clicks the first element that matches the CSS selector, for a
// control that has no text, such as an icon.
func (p *Page) ClickCSS(css string) {
	p.t.Helper()
	p.clickBy(fmt.Sprintf("ClickCSS(%q)", css), jsExpr("return L.query("+js(css)+");"))
}

func (p *Page) clickBy(step, expr string) {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	el, err := p.locate(ctx, expr)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	seq0 := p.seq()
	if err := p.clickElement(ctx, el); err != nil {
		p.fatalf(step, "%v", err)
	}
	p.settle(ctx, seq0)
}

var clickPointFn = jsFunc("", `if (!this.isConnected) return {err: 'the element was removed from the page'};
  this.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
  const r = this.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return {err: L.describe(this) + ' has no size'};
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  const ok = hit && (hit === this || this.contains(hit) || [...(this.labels || [])].some((l) => l.contains(hit)));
  if (!ok) return {err: L.describe(this) + ' is covered by ' + L.describe(hit)};
  return {x: x, y: y};`)

// clickElement scrolls the element into view, waits until nothing covers
// its middle, and clicks there with the mouse.
func (p *Page) clickElement(ctx context.Context, el *runtime.RemoteObject) error {
	var pt struct {
		X, Y float64
		Err  string
	}
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		pt.Err = ""
		if err := p.callOn(ctx, el, clickPointFn, &pt); err != nil {
			return false, err
		}
		if pt.Err != "" {
			return false, errors.New(pt.Err)
		}
		return true, nil
	}); err != nil {
		return err
	}
	return p.mouse(ctx,
		input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: pt.X, Y: pt.Y},
		input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMousePressed, X: pt.X, Y: pt.Y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
		input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: pt.X, Y: pt.Y, Button: input.MouseButtonLeft, ClickCount: 1},
	)
}

func (p *Page) mouse(ctx context.Context, evs ...input.DispatchMouseEventParams) error {
	for _, ev := range evs {
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, ev); err != nil {
			return err
		}
	}
	return nil
}

// Press types keys on the keyboard into the focused element, for example
// "\r" for Enter or kb.Tab from the package github.com/chromedp/chromedp/kb.
func (p *Page) Press(keys string) {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	seq0 := p.seq()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keys)); err != nil {
		p.fatalf(fmt.Sprintf("Press(%q)", keys), "%v", err)
	}
	p.settle(ctx, seq0)
}

// WaitText waits until the visible text of the page contains text. Runs of
// whitespace count as one space.
func (p *Page) WaitText(text string) {
	p.t.Helper()
	step := fmt.Sprintf("WaitText(%q)", text)
	ctx, cancel := p.stepCtx()
	defer cancel()
	var body string
	err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		var r struct {
			Has  bool   `json:"has"`
			Body string `json:"body"`
		}
		err := p.evalJSON(ctx, jsExpr("const b = L.bodyText(); const w = L.norm("+js(text)+"); return {has: b.includes(w), body: b.slice(0, 600)};"), &r)
		if err != nil {
			return false, err
		}
		body = r.Body
		return r.Has, nil
	})
	if err != nil {
		p.fatalf(step, "the text did not appear (%v); the page shows: %q", err, body)
	}
}

// HasText reports whether the visible text of the page contains text now.
func (p *Page) HasText(text string) bool {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	var has bool
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		err := p.evalJSON(ctx, jsExpr("return L.bodyText().includes(L.norm("+js(text)+"));"), &has)
		return err == nil, err
	}); err != nil {
		p.fatalf(fmt.Sprintf("HasText(%q)", text), "%v", err)
	}
	return has
}

// HasLink reports whether the page shows a link whose text is text now, as
// [Page.ClickLink] finds one: for a link that must not be there, such as a
// pager's 下一页 on the last page, where the same words stay as plain text.
func (p *Page) HasLink(text string) bool {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	var has bool
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		err := p.evalJSON(ctx, jsExpr("const w = L.norm("+js(text)+"); return [...document.querySelectorAll(L.LINKS)].some((a) => L.visible(a) && L.textOf(a) === w);"), &has)
		return err == nil, err
	}); err != nil {
		p.fatalf(fmt.Sprintf("HasLink(%q)", text), "%v", err)
	}
	return has
}

// WaitURL waits until the URL of the page contains substr.
func (p *Page) WaitURL(substr string) {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	var u string
	err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		if err := p.evalJSON(ctx, "location.href", &u); err != nil {
			return false, err
		}
		return strings.Contains(u, substr), nil
	})
	if err != nil {
		p.fatalf(fmt.Sprintf("WaitURL(%q)", substr), "the URL stayed %q (%v)", u, err)
	}
	p.waitIdle(ctx)
}

// element waits for the first element that matches css.
func (p *Page) element(ctx context.Context, css string) (*runtime.RemoteObject, error) {
	p.waitIdle(ctx)
	return p.locate(ctx, jsExpr("return L.query("+js(css)+");"))
}

// Text waits for the first element that matches the CSS selector css and
// returns its visible text, trimmed.
func (p *Page) Text(css string) string {
	p.t.Helper()
	step := fmt.Sprintf("Text(%q)", css)
	ctx, cancel := p.stepCtx()
	defer cancel()
	el, err := p.element(ctx, css)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	var s string
	if err := p.callOn(ctx, el, "function() { return this.innerText ?? this.textContent ?? ''; }", &s); err != nil {
		p.fatalf(step, "%v", err)
	}
	return strings.TrimSpace(s)
}

// Attr waits for the first element that matches css and returns its
// attribute name, or "" when it has none.
func (p *Page) Attr(css, name string) string {
	p.t.Helper()
	step := fmt.Sprintf("Attr(%q, %q)", css, name)
	ctx, cancel := p.stepCtx()
	defer cancel()
	el, err := p.element(ctx, css)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	var s *string
	if err := p.callOn(ctx, el, "function(n) { return this.getAttribute(n); }", &s, name); err != nil {
		p.fatalf(step, "%v", err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// Links returns the absolute URLs of all <a href> of the page, in order.
func (p *Page) Links() []string {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	var links []string
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		err := p.evalJSON(ctx, "[...document.querySelectorAll('a[href]')].map((a) => a.href)", &links)
		return err == nil, err
	}); err != nil {
		p.fatalf("Links()", "%v", err)
	}
	return links
}

// Rect scrolls the first element that matches css into view when it is not,
// and returns its box relative to the viewport, for [Page.MouseDrag].
func (p *Page) Rect(css string) Rect {
	p.t.Helper()
	step := fmt.Sprintf("Rect(%q)", css)
	ctx, cancel := p.stepCtx()
	defer cancel()
	el, err := p.element(ctx, css)
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	var r Rect
	if err := p.callOn(ctx, el, `function() {
  this.scrollIntoView({block: 'nearest', inline: 'nearest', behavior: 'instant'});
  const r = this.getBoundingClientRect();
  return {X: r.left, Y: r.top, Width: r.width, Height: r.height};
}`, &r); err != nil {
		p.fatalf(step, "%v", err)
	}
	return r
}

// MouseDrag presses the left mouse button at (fromX, fromY), moves the mouse
// to (toX, toY) in steps moves, and releases it, with real input events
// (mousePressed, mouseMoved, mouseReleased) in viewport CSS pixels and a short
// pause between the moves, as a hand drags a slider.
func (p *Page) MouseDrag(fromX, fromY, toX, toY float64, steps int) {
	p.t.Helper()
	step := fmt.Sprintf("MouseDrag(%.0f,%.0f → %.0f,%.0f)", fromX, fromY, toX, toY)
	ctx, cancel := p.stepCtx()
	defer cancel()
	steps = max(steps, 1)
	evs := []input.DispatchMouseEventParams{
		{Type: input.DispatchMouseEventTypeMouseMoved, X: fromX, Y: fromY},
		{Type: input.DispatchMouseEventTypeMousePressed, X: fromX, Y: fromY, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
	}
	for i := 1; i <= steps; i++ {
		f := float64(i) / float64(steps)
		evs = append(evs, input.DispatchMouseEventParams{
			Type: input.DispatchMouseEventTypeMouseMoved,
			X:    fromX + (toX-fromX)*f, Y: fromY + (toY-fromY)*f,
			Button: input.MouseButtonLeft, Buttons: 1,
		})
	}
	evs = append(evs, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: toX, Y: toY, Button: input.MouseButtonLeft, ClickCount: 1})
	seq0 := p.seq()
	for i, ev := range evs {
		if err := p.mouse(ctx, ev); err != nil {
			if i > 1 {
				// Do not leave the button down.
				rctx, rcancel := context.WithTimeout(p.ctx, 2*time.Second)
				_ = p.mouse(rctx, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: toX, Y: toY, Button: input.MouseButtonLeft, ClickCount: 1}) // best effort on the way out of a failed drag; its error is the one reported
				rcancel()
			}
			p.fatalf(step, "%v", err)
		}
		if ev.Type == input.DispatchMouseEventTypeMouseMoved && i > 1 {
			time.Sleep(12 * time.Millisecond)
		}
	}
	p.settle(ctx, seq0)
}

// ImagePNG waits until the first element that matches css is visible (and,
// for an <img>, loaded), and returns a PNG screenshot of it, for example to
// decode a QR code.
func (p *Page) ImagePNG(css string) []byte {
	p.t.Helper()
	step := fmt.Sprintf("ImagePNG(%q)", css)
	ctx, cancel := p.stepCtx()
	defer cancel()
	var clip page.Viewport
	if err := p.poll(ctx, func(ctx context.Context) (bool, error) {
		el, err := p.element(ctx, css)
		if err != nil {
			return false, permanentError{err}
		}
		var r struct {
			Err                 string
			X, Y, Width, Height float64
		}
		if err := p.callOn(ctx, el, jsFunc("", `if (!L.visible(this)) return {Err: L.describe(this) + ' is not visible'};
  if (this.tagName === 'IMG' && !(this.complete && this.naturalWidth > 0)) return {Err: 'the image ' + L.describe(this) + ' has not loaded'};
  this.scrollIntoView({block: 'nearest', inline: 'nearest', behavior: 'instant'});
  const r = this.getBoundingClientRect();
  return {X: r.left + window.scrollX, Y: r.top + window.scrollY, Width: r.width, Height: r.height};`), &r); err != nil {
			return false, err
		}
		if r.Err != "" {
			return false, errors.New(r.Err)
		}
		clip = page.Viewport{X: r.X, Y: r.Y, Width: r.Width, Height: r.Height, Scale: 1}
		return true, nil
	}); err != nil {
		p.fatalf(step, "%v", err)
	}
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &clip,
		FromSurface:           new(true),
		CaptureBeyondViewport: new(true),
	})
	if err != nil {
		p.fatalf(step, "%v", err)
	}
	return res.Data
}

// fullScreenshot captures the whole page, beyond the viewport, as PNG.
func (p *Page) fullScreenshot(ctx context.Context) ([]byte, error) {
	m, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	params := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng, FromSurface: new(true)}
	if cs := m.CSSContentSize; cs != nil && cs.Width > 0 && cs.Height > 0 {
		params.CaptureBeyondViewport = new(true)
		params.Clip = &page.Viewport{X: 0, Y: 0, Width: cs.Width, Height: min(cs.Height, 16384), Scale: 1}
	}
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, params)
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

func (p *Page) saveScreenshot(suffix string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.timeout)
	defer cancel()
	png, err := p.fullScreenshot(ctx)
	if err != nil {
		return "", err
	}
	dir := artifactsDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	path := filepath.Join(dir, p.name+"-"+sanitize(suffix)+".png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// Screenshot saves a full-page PNG of the page to $HALL_TEST_ARTIFACTS
// (default <os.TempDir()>/hall-test-artifacts) as <test>-page<N>-<name>.png,
// logs the path and returns it.
func (p *Page) Screenshot(name string) string {
	p.t.Helper()
	path, err := p.saveScreenshot(name)
	if err != nil {
		p.fatalf(fmt.Sprintf("Screenshot(%q)", name), "%v", err)
	}
	p.t.Logf("browsertest: screenshot %s", path)
	return path
}

// Eval evaluates the JavaScript expression expr in the page, waits for the
// promise that it gives, and decodes the result into a T.
//
//	n := browsertest.Eval[int](p, "document.querySelectorAll('li').length")
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := p.stepCtx()
	defer cancel()
	p.waitIdle(ctx)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fatalf(fmt.Sprintf("Eval(%q)", shorten(expr, 80)), "%v", err)
	}
	return v
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
