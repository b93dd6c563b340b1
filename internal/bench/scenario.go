package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"hall/internal/throttle"
)

// Scenario is what the clients of a level do.
type Scenario struct {
	Name string
	// Login is the login path each request posts to ("/login/unit" or
	// "/login/person"); empty for page scenarios.
	Login string
	// Paths are the pages requested in turn by a page scenario; mix requests all of
	// them with logins in the background.
	Paths []string
	Mix   bool
	// QR is a 扫码登录 scenario (qr.go): "login" runs whole cycles, "idle" holds
	// waiting login pages (its clients are the pages).
	QR string
	// Rights produces rights records and downloads them (rights.go).
	Rights bool
}

// Scenario names ParseScenario knows, for help texts.
const ScenarioNames = "unit-login, person-login, page:PATH (e.g. page:/unit/, page:/unit/items, page:/unit/agents, page:/, page:/catalog), mix, info-tabs, rights-record, qr-login, qr-idle"

// mixPaths are the pages of the mix scenario: the signed-in unit-center pages and the
// public ones.
var mixPaths = []string{"/unit/", "/unit/items", "/unit/agents", "/", "/catalog"}

// InfoTabPaths are the pages of the info-tabs scenario: the first page of each
// insurance tab of 单位信息 (SPEC U2), in the page's order, newest first as the
// page opens them. A test checks them against the tabs the hall's page links.
var InfoTabPaths = []string{
	"/unit/info?tab=enrolments", "/unit/info?tab=bases", "/unit/info?tab=exemptions", "/unit/info?tab=overage",
	"/unit/info?tab=changes", "/unit/info?tab=reaching", "/unit/info?tab=payments", "/unit/info?tab=pensioners",
	"/unit/info?tab=projects", "/unit/info?tab=subsidiaries",
}

// ParseScenario reads a scenario name.
func ParseScenario(name string) (Scenario, error) {
	switch name {
	case "unit-login":
		return Scenario{Name: name, Login: "/login/unit"}, nil
	case "person-login":
		return Scenario{Name: name, Login: "/login/person"}, nil
	case "mix":
		return Scenario{Name: name, Paths: mixPaths, Mix: true}, nil
	case "qr-login":
		return Scenario{Name: name, QR: "login"}, nil
	case "qr-idle":
		return Scenario{Name: name, QR: "idle"}, nil
	case "info-tabs":
		return Scenario{Name: name, Paths: InfoTabPaths}, nil
	case "rights-record":
		return Scenario{Name: name, Rights: true}, nil
	}
	if path, ok := strings.CutPrefix(name, "page:"); ok && strings.HasPrefix(path, "/") {
		return Scenario{Name: name, Paths: []string{path}}, nil
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (want one of %s)", name, ScenarioNames)
}

// signedIn tells whether a page needs a session, and which kind: the unit center a
// unit login's, the personal center a personal one's. Public pages are requested
// without one, as a visitor would.
func signedIn(path string) (need, unit bool) {
	switch {
	case path == "/unit" || strings.HasPrefix(path, "/unit/"):
		return true, true
	case path == "/me" || strings.HasPrefix(path, "/me/"):
		return true, false
	}
	return false, false
}

// worker sends one request at a time and says how it went.
type worker interface {
	do(ctx context.Context) (outcome, time.Duration, string)
}

// target is the hall under load: its base URL and the connections to it, shared by
// every worker (as a browser's connection pool is per host).
type target struct {
	base      string
	transport *http.Transport
}

func newTarget(base string) *target {
	return &target{base: strings.TrimRight(base, "/"), transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// requestTimeout bounds one request: longer than any wait the hall imposes on purpose.
const requestTimeout = 30 * time.Second

// client is an HTTP client that does not follow redirects (a login answers 303, and
// a page that redirects to the login page is an error, not a success), with a cookie
// jar when jar is true.
func (t *target) client(jar bool) *http.Client {
	c := &http.Client{Transport: t.transport, Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if jar {
		c.Jar, _ = cookiejar.New(nil) // New never fails without options
	}
	return c
}

// send sends req as a browser on the hall's own pages would (Sec-Fetch-Site:
// same-origin, which passes the cross-origin check) and reads the whole answer.
func send(c *http.Client, req *http.Request) (status int, body []byte, err error) {
	status, _, body, err = sendFull(c, req)
	return status, body, err
}

// sendFull is send with the answer's header.
func sendFull(c *http.Client, req *http.Request) (status int, header http.Header, body []byte, err error) {
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("User-Agent", "hall-bench")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// classify turns an answer into an outcome: want is the expected status.
func classify(status, want int, err error) (outcome, string) {
	switch {
	case err != nil:
		return outcomeError, err.Error()
	case status == want:
		return outcomeOK, ""
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return outcomeRefused, ""
	}
	return outcomeError, fmt.Sprintf("HTTP %d (want %d)", status, want)
}

// alertText finds the first message a page shows beside a field or above a form.
var alertText = regexp.MustCompile(`role="alert"[^>]*>\s*([^<]{1,300})`)

// alertOf is the page's first alert, to say why an answer was not the one expected
// (a refused login shows the throttle's or the captcha's message).
func alertOf(body []byte) string {
	if m := alertText.FindSubmatch(body); m != nil {
		return ": " + strings.TrimSpace(string(m[1]))
	}
	return ""
}

// loginForm is the form of a password login.
func loginForm(a Account, csrf string) url.Values {
	v := url.Values{"login": {a.Login}, "password": {a.Password}}
	if a.Unit() {
		v.Set("account", a.Account)
	}
	if csrf != "" {
		v.Set("csrf_token", csrf)
	}
	return v
}

// loginPath is the form's address for a.
func loginPath(a Account) string {
	if a.Unit() {
		return "/login/unit"
	}
	return "/login/person"
}

// postLogin posts a login form and returns its answer.
func (t *target) postLogin(ctx context.Context, c *http.Client, a Account, csrf string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+loginPath(a), strings.NewReader(loginForm(a, csrf).Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(c, req)
}

// loginWorker logs in to one account again and again, each time as a new visitor
// (no cookies). It keeps its account so that the logins in flight per account stay
// at most ceil(clients / accounts): the account throttle counts an attempt in
// flight against its account and asks for the captcha from maxInFlightPerAccount
// on (see internal/throttle), which a benchmark of correct logins must not reach.
type loginWorker struct {
	t       *target
	c       *http.Client
	account Account
}

func (w *loginWorker) do(ctx context.Context) (outcome, time.Duration, string) {
	start := time.Now()
	status, body, err := w.t.postLogin(ctx, w.c, w.account, "")
	kind, what := classify(status, http.StatusSeeOther, err)
	if kind == outcomeError {
		what += alertOf(body)
	}
	return kind, time.Since(start), what
}

// pageWorker requests pages in turn with its own cookies (its session, once signed
// in).
type pageWorker struct {
	t     *target
	c     *http.Client
	paths []string
	next  int
}

func (w *pageWorker) do(ctx context.Context) (outcome, time.Duration, string) {
	path := w.paths[w.next%len(w.paths)]
	w.next++
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.t.base+path, nil)
	if err != nil {
		return outcomeError, 0, err.Error()
	}
	status, body, err := send(w.c, req)
	kind, what := classify(status, http.StatusOK, err)
	if kind == outcomeError {
		what = "GET " + path + ": " + what + alertOf(body)
	}
	return kind, time.Since(start), what
}

// csrfMeta is the layout's token for scripts; a page's forms carry the same token.
var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

// signIn signs c in as a browser does: it opens the login page (which sets the
// browser binding cookie and shows the CSRF token) and posts the form with the token.
func (t *target) signIn(ctx context.Context, c *http.Client, a Account) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+"/login", nil)
	if err != nil {
		return err
	}
	status, body, err := send(c, req)
	if err != nil {
		return fmt.Errorf("sign in: GET /login: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("sign in: GET /login answered %d", status)
	}
	var csrf string
	if m := csrfMeta.FindSubmatch(body); m != nil {
		csrf = string(m[1])
	}
	status, _, err = t.postLogin(ctx, c, a, csrf)
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", a.Login, err)
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("sign in as %s %s: answered %d, want 303 (wrong password, or throttled?)", a.Account, a.Login, status)
	}
	return nil
}

// errNoAccount is the refusal of a scenario that needs a kind of account the list
// does not have.
var errNoAccount = errors.New("bench: no account of the kind the scenario needs (see --accounts)")

// maxInFlightPerAccount is how many logins of one account may be in flight before
// the hall's account throttle wants the captcha (its attempts count until their
// outcome is known).
var maxInFlightPerAccount = throttle.DefaultConfig().Scopes[throttle.ScopeLoginAccount].CaptchaAfter

// loginAccounts are the accounts s logs in with (nil for a page scenario).
func loginAccounts(s Scenario, accounts []Account) []Account {
	if s.Login == "" {
		return nil
	}
	return pick(accounts, s.Login == "/login/unit")
}

// newWorkers builds n workers for s, signing in those whose pages need a session;
// rights-record workers ask for records of rightsMonths months.
func newWorkers(ctx context.Context, t *target, s Scenario, accounts []Account, n, rightsMonths int) ([]worker, error) {
	out := make([]worker, 0, n)
	if s.Rights {
		accts := pick(accounts, true)
		if len(accts) == 0 {
			return nil, errNoAccount
		}
		for i := range n {
			w, err := t.newRightsWorker(ctx, accts[i%len(accts)], rightsMonths)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		return out, nil
	}
	if s.QR == "login" {
		phones, err := qrPhones(ctx, t, accounts)
		if err != nil {
			return nil, err
		}
		for i := range n {
			out = append(out, &qrLoginWorker{t: t, phone: phones[i%len(phones)]})
		}
		return out, nil
	}
	if s.Login != "" {
		accts := loginAccounts(s, accounts)
		if len(accts) == 0 {
			return nil, errNoAccount
		}
		for i := range n {
			out = append(out, &loginWorker{t: t, c: t.client(false), account: accts[i%len(accts)]})
		}
		return out, nil
	}
	need, unit := false, false
	for _, p := range s.Paths {
		if n, u := signedIn(p); n {
			need, unit = true, u
		}
	}
	accts := pick(accounts, unit)
	if need && len(accts) == 0 {
		return nil, errNoAccount
	}
	for i := range n {
		w := &pageWorker{t: t, c: t.client(true), paths: s.Paths, next: i}
		if need {
			if err := t.signIn(ctx, w.c, accts[i%len(accts)]); err != nil {
				return nil, err
			}
		}
		out = append(out, w)
	}
	return out, nil
}
