// Package browsertest drives a real headless Chromium (Debian's package
// "chromium") with chromedp, so that tests can use the pages of the hall as a
// person would: open a URL, fill fields by their visible <label>, click
// buttons by their text, wait for text, drag a slider, read a QR code image.
//
// One Chromium process is shared by all tests of a test binary. It starts
// lazily on the first [New] and stops at [Shutdown] (call it from TestMain, or
// use [Main]); if nobody calls Shutdown, the browser dies with the test binary
// and the next start removes its profile directory. Every [Page] lives in its
// own incognito browser context, so pages never share cookies or storage. A
// test that needs a browser set up otherwise (a client certificate to present)
// starts one of its own with [Launch].
//
//	func TestLogin(t *testing.T) {
//		b := browsertest.New(t)
//		p := b.NewPage(t)
//		p.Open(srv.URL + "/login")
//		p.Fill("手机号", "13800000000")
//		p.Click("登录")
//		p.WaitText("欢迎")
//	}
//
// Every helper fails the test (t.Fatal) with the step, the reason and the URL
// of the page. At cleanup a page fails the test when the page logged a console
// error or threw an uncaught exception (see [AllowConsoleErrors]), and it saves
// a full-page screenshot to $HALL_TEST_ARTIFACTS when the test failed.
//
// Chromium is /usr/bin/chromium, or $CHROMIUM_PATH. When it is missing the
// test is skipped, except when CI is set, where it fails.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// DefaultTimeout is the time that one page helper may take, unless the page
// has the option [Timeout] or $HALL_BROWSERTEST_TIMEOUT holds a duration such
// as "30s".
const DefaultTimeout = 10 * time.Second

// startTimeout bounds the start of the browser and the opening of a page.
const startTimeout = 60 * time.Second

// profilePrefix names the user data directories that this package makes in
// os.TempDir(). The pid of the test binary follows it, so that a later start
// can remove the directories of binaries that died without Shutdown.
const profilePrefix = "hall-browsertest-"

// Browser is a handle on the shared headless Chromium of the test binary.
type Browser struct {
	inst *instance
	// own marks a browser of its own (Launch): its pages open in the profile's
	// browser context, where its preferences apply, not in incognito ones.
	own bool

	mu    sync.Mutex
	pages []*Page
}

// instance is the running browser process.
type instance struct {
	allocCtx    context.Context
	allocCancel context.CancelFunc
	ctx         context.Context // the first tab; children share its browser
	cancel      context.CancelFunc
	dir         string // user data directory
	home        string // HOME of a browser of its own (Launch), removed with it
	out         *capWriter
	userAgent   string
}

var (
	sharedMu  sync.Mutex
	shared    *instance
	sharedErr error // the error of a failed start, until Shutdown
)

// ExecPath returns the Chromium binary that the package starts:
// $CHROMIUM_PATH, /usr/bin/chromium, or chromium from $PATH. It returns "" when
// none exists.
func ExecPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		// #nosec G703 -- CHROMIUM_PATH is the tester's own choice of browser.
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// inCI reports whether the environment variable CI asks for strict mode.
func inCI() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// New returns the shared headless Chromium, and starts it when it does not run
// yet. It skips the test when Chromium is missing, and fails it when CI is set.
// At the cleanup of t it closes the pages that were opened through this handle
// and are still open; the process itself stays for the next test (see
// [Shutdown]).
func New(t testing.TB) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		where := "/usr/bin/chromium"
		if p := os.Getenv("CHROMIUM_PATH"); p != "" {
			where = p + " ($CHROMIUM_PATH)"
		}
		msg := fmt.Sprintf("browsertest: Chromium not found at %s; install the Debian package chromium (scripts/test does) or set CHROMIUM_PATH", where)
		if inCI() {
			t.Fatal(msg + " [CI is set, so a missing browser is a failure]")
		}
		t.Skip(msg + " [skipping the browser test]")
	}
	inst, err := start(path)
	if err != nil {
		t.Fatalf("browsertest: starting Chromium (%s): %v", path, err)
	}
	b := &Browser{inst: inst}
	t.Cleanup(b.closePages)
	return b
}

// closePages closes the pages of b that are still open.
func (b *Browser) closePages() {
	b.mu.Lock()
	pages := b.pages
	b.pages = nil
	b.mu.Unlock()
	for _, p := range pages {
		p.Close()
	}
}

// start returns the running instance, and starts one when there is none.
func start(path string) (*instance, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		return shared, nil
	}
	if sharedErr != nil {
		return nil, fmt.Errorf("an earlier start failed: %w", sharedErr)
	}
	inst, err := launch(path, launchConfig{})
	if err != nil {
		sharedErr = err
		return nil, err
	}
	shared = inst
	return inst, nil
}

// launch starts a browser with the profile and environment of cfg.
func launch(path string, cfg launchConfig) (*instance, error) {
	removeStaleProfiles()
	dir, err := os.MkdirTemp("", profilePrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, err
	}
	if err := cfg.prepare(dir); err != nil {
		_ = os.RemoveAll(dir) // best-effort cleanup of a temporary browser profile
		return nil, err
	}
	out := &capWriter{max: 64 << 10}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(dir),
		chromedp.CombinedOutput(out),
	)
	if cfg.home != "" {
		opts = append(opts, chromedp.Env("HOME="+cfg.home))
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	inst := &instance{allocCtx: allocCtx, allocCancel: allocCancel, ctx: ctx, cancel: cancel, dir: dir, home: cfg.home, out: out}

	// The first action binds the browser to ctx, so it runs without a
	// timeout; a goroutine bounds it instead.
	done := make(chan error, 1)
	go func() {
		if err := chromedp.Do(ctx); err != nil {
			done <- err
			return
		}
		v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
		if err == nil {
			inst.userAgent = v.UserAgent
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(startTimeout):
		err = fmt.Errorf("no answer after %s", startTimeout)
	}
	if err != nil {
		inst.stop()
		if s := strings.TrimSpace(out.String()); s != "" {
			err = fmt.Errorf("%w\nChromium output:\n%s", err, s)
		}
		return nil, err
	}
	return inst, nil
}

func (inst *instance) stop() {
	done := make(chan struct{})
	go func() {
		inst.cancel()
		inst.allocCancel()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
	}
	_ = os.RemoveAll(inst.dir) // best-effort cleanup of a temporary browser profile
	if inst.home != "" {
		_ = os.RemoveAll(inst.home) // best-effort cleanup of the browser's own home
	}
}

// removeStaleProfiles removes the profile directories of test binaries that
// no longer run.
func removeStaleProfiles() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), profilePrefix+"*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), profilePrefix)
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(m) // best-effort cleanup of a temporary browser profile
		}
	}
}

// Shutdown stops the shared browser and removes its profile directory. Call
// it from TestMain after m.Run. A later [New] starts a new browser.
func Shutdown() {
	sharedMu.Lock()
	inst := shared
	shared, sharedErr = nil, nil
	sharedMu.Unlock()
	if inst != nil {
		inst.stop()
	}
}

// Main is a TestMain that runs the tests and then stops the shared browser:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// capWriter keeps the first max bytes that the browser prints.
type capWriter struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (w *capWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

func (w *capWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// Option changes how [Browser.NewPage] makes a page.
type Option func(*pageConfig)

type pageConfig struct {
	mobile       bool
	allowAll     bool
	allowSubstrs []string
	timeout      time.Duration
	dismiss      bool
	audit        bool
}

// Mobile makes the page a phone: a 390×844 viewport with device scale 2,
// mobile layout (the viewport meta tag counts), touch support and a mobile
// User-Agent. Use it for the companion app.
func Mobile() Option { return func(c *pageConfig) { c.mobile = true } }

// AllowConsoleErrors stops the page from failing the test because of console
// errors and exceptions. With no argument every message is allowed; with
// arguments only the messages that contain one of them are.
func AllowConsoleErrors(substrs ...string) Option {
	return func(c *pageConfig) {
		if len(substrs) == 0 {
			c.allowAll = true
		}
		c.allowSubstrs = append(c.allowSubstrs, substrs...)
	}
}

// Timeout sets the time that one helper of the page may take.
func Timeout(d time.Duration) Option { return func(c *pageConfig) { c.timeout = d } }

// DismissDialogs makes the page answer alert, confirm and prompt dialogs with
// "cancel". By default it accepts them, as a person who clicks OK.
func DismissDialogs() Option { return func(c *pageConfig) { c.dismiss = true } }

func defaultTimeout() time.Duration {
	if s := os.Getenv("HALL_BROWSERTEST_TIMEOUT"); s != "" {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			return d
		}
	}
	return DefaultTimeout
}

// artifactsDir is where screenshots go.
func artifactsDir() string {
	if d := os.Getenv("HALL_TEST_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "hall-test-artifacts")
}
