package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The QR login scenarios (SPEC L2): qr-login runs whole 扫码登录 cycles, qr-idle holds
// many login pages waiting for a scan.
//
// A cycle is what a PC browser and a phone do: the PC opens the unit login's 扫码登录
// tab (a new ticket) and asks its long poll once (answered at once: waiting); the
// phone, signed in to the app, opens the ticket's link (the scan) and presses 确认登录
// for its first usable unit; the PC's poll, asked with the state it saw, answers
// confirmed at once, and the PC signs in (POST /login/qr, 303). One cycle is one
// ticket created, scanned, confirmed and consumed, and two polls answered.
//
// Tickets are counted per client address (300 per 10 minutes, qrlogin.AddrLimits).
// A load from one machine would meet that limit within seconds, so each PC visitor
// names an address of its own from 198.18.0.0/15 (RFC 2544's benchmarking range) in
// X-Forwarded-For: start the hall with --trusted-proxies 127.0.0.1/32 for it to
// believe them, as it believes a real reverse proxy.

// qrAddresses numbers the PC visitors' addresses.
var qrAddresses atomic.Uint32

// nextQRAddress is a new address in 198.18.0.0/15 (131,072 of them, then again).
func nextQRAddress() string {
	n := qrAddresses.Add(1) % (1 << 17)
	return fmt.Sprintf("198.%d.%d.%d", 18+n>>16, n>>8&0xff, n&0xff)
}

var (
	// qrTicketField is the 扫码登录 form's ticket.
	qrTicketField = regexp.MustCompile(`<input type="hidden" name="ticket" value="([^"]+)">`)
	// qrUsableUnit is an enabled unit choice on the app's confirmation screen
	// (a disabled one has the attribute after its value).
	qrUsableUnit = regexp.MustCompile(`name="unit" type="radio" value="([0-9]+)">`)
)

// errQRRateLimited is a login page that showed no code because the address made too
// many tickets: the hall does not believe the tool's addresses.
var errQRRateLimited = errors.New("the login page shows no QR code: too many tickets for one address — start the hall with --trusted-proxies 127.0.0.1/32")

// qrVisitor is one PC browser on the 扫码登录 tab.
type qrVisitor struct {
	c      *http.Client
	addr   string
	ticket string
	csrf   string
}

// visitorGet sends a GET as visitor v, from its address.
func (t *target) visitorGet(ctx context.Context, v *qrVisitor, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Forwarded-For", v.addr)
	return send(v.c, req)
}

// postForm posts form as c, from addr when it is not "".
func (t *target) postForm(ctx context.Context, c *http.Client, addr, path string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	return send(c, req)
}

// openQRTab is a new PC visitor opening the unit login's 扫码登录 tab: a new ticket.
// A 200 without a code is the address limit (errQRRateLimited).
func (t *target) openQRTab(ctx context.Context) (*qrVisitor, outcome, error) {
	v := &qrVisitor{c: t.client(true), addr: nextQRAddress()}
	status, body, err := t.visitorGet(ctx, v, "/login?tab=unit&method=qr")
	if kind, what := classify(status, http.StatusOK, err); kind != outcomeOK {
		return nil, kind, fmt.Errorf("GET the 扫码登录 tab: %s", what)
	}
	m := qrTicketField.FindSubmatch(body)
	if m == nil {
		if strings.Contains(string(body), "二维码刷新过于频繁") {
			return nil, outcomeRefused, errQRRateLimited
		}
		return nil, outcomeError, errors.New("the 扫码登录 tab shows no ticket" + alertOf(body))
	}
	v.ticket = string(m[1])
	if c := csrfMeta.FindSubmatch(body); c != nil {
		v.csrf = string(c[1])
	}
	return v, outcomeOK, nil
}

// poll asks the visitor's long poll with the state seen and returns the state.
func (t *target) poll(ctx context.Context, v *qrVisitor, seen string) (int, string, error) {
	status, body, err := t.visitorGet(ctx, v, "/login/qr/wait?ticket="+url.QueryEscape(v.ticket)+"&seen="+seen)
	if err != nil {
		return 0, "", err
	}
	m := qrState.FindSubmatch(body)
	if m == nil {
		return status, "", fmt.Errorf("long poll answered %d %.80q", status, body)
	}
	return status, string(m[1]), nil
}

var qrState = regexp.MustCompile(`"state":"([a-z_]+)"`)

// appSignIn signs c in to the companion app with a's person's login and password.
func (t *target) appSignIn(ctx context.Context, c *http.Client, a Account) error {
	status, _, err := t.postForm(ctx, c, "", "/app/login", url.Values{"login": {a.Login}, "password": {a.Password}})
	if err != nil {
		return fmt.Errorf("app sign-in as %s: %w", a.Login, err)
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("app sign-in as %s: answered %d, want 303", a.Login, status)
	}
	return nil
}

// qrPhones signs a phone in to the app for every distinct person of the unit
// accounts whose password is also their personal one (legal representatives: the
// README's demo rows); those whose is not (a unit password) are skipped.
func qrPhones(ctx context.Context, t *target, accounts []Account) ([]*http.Client, error) {
	var phones []*http.Client
	seen := map[string]bool{}
	for _, a := range pick(accounts, true) {
		if seen[a.Login] {
			continue
		}
		seen[a.Login] = true
		c := t.client(true)
		if err := t.appSignIn(ctx, c, a); err == nil {
			phones = append(phones, c)
		}
	}
	if len(phones) == 0 {
		return nil, errors.New("bench: no unit account signs in to the app with its password (qr-login needs a legal rep's)")
	}
	return phones, nil
}

// qrLoginWorker runs whole cycles with one phone.
type qrLoginWorker struct {
	t     *target
	phone *http.Client
}

func (w *qrLoginWorker) do(ctx context.Context) (outcome, time.Duration, string) {
	start := time.Now()
	kind, err := w.cycle(ctx)
	if err != nil {
		return kind, time.Since(start), err.Error()
	}
	return outcomeOK, time.Since(start), ""
}

// cycle is one ticket from the tab to the sign-in; a refusal or error says which
// step failed.
func (w *qrLoginWorker) cycle(ctx context.Context) (outcome, error) {
	t := w.t
	v, kind, err := t.openQRTab(ctx)
	if err != nil {
		return kind, err
	}
	step := func(what string, status, want int, err error, body []byte) (outcome, error) {
		if kind, msg := classify(status, want, err); kind != outcomeOK {
			return kind, fmt.Errorf("%s: %s%s", what, msg, alertOf(body))
		}
		return outcomeOK, nil
	}
	if kind, err := t.pollFor(ctx, v, "", "waiting"); err != nil {
		return kind, fmt.Errorf("first poll: %w", err)
	}
	link := "/app/qr/" + v.ticket
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+link, nil)
	if err != nil {
		return outcomeError, err
	}
	status, screen, err := send(w.phone, req)
	if kind, err := step("scan", status, http.StatusOK, err, screen); err != nil {
		return kind, err
	}
	unit := qrUsableUnit.FindSubmatch(screen)
	if unit == nil {
		return outcomeError, errors.New("scan: the app offers no usable unit" + alertOf(screen))
	}
	form := url.Values{"decision": {"confirm"}, "unit": {string(unit[1])}}
	if c := csrfMeta.FindSubmatch(screen); c != nil {
		form.Set("csrf_token", string(c[1]))
	}
	status, body, err := t.postForm(ctx, w.phone, "", link, form)
	if kind, err := step("确认登录", status, http.StatusOK, err, body); err != nil {
		return kind, err
	}
	if kind, err := t.pollFor(ctx, v, "waiting", "confirmed"); err != nil {
		return kind, fmt.Errorf("poll after 确认登录: %w", err)
	}
	form = url.Values{"tab": {"unit"}, "ticket": {v.ticket}, "csrf_token": {v.csrf}}
	status, body, err = t.postForm(ctx, v.c, v.addr, "/login/qr", form)
	return step("sign-in", status, http.StatusSeeOther, err, body)
}

// pollFor asks v's long poll with the state seen and wants the answer want: a 429
// or 503 is a refusal, any other answer an error.
func (t *target) pollFor(ctx context.Context, v *qrVisitor, seen, want string) (outcome, error) {
	status, state, err := t.poll(ctx, v, seen)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		return outcomeRefused, fmt.Errorf("answered %d", status)
	}
	if kind, what := classify(status, http.StatusOK, err); kind != outcomeOK {
		return kind, errors.New(what)
	}
	if state != want {
		return outcomeError, fmt.Errorf("state %q, want %q", state, want)
	}
	return outcomeOK, nil
}

// qrIdle is a qr-idle level: n login pages whose tabs were opened — Created
// tickets, in Took, by CreateClients visitors at once — each long-polling from the
// moment its tab was open; MostOpen is the most polls that were open at once.
type qrIdle struct {
	Created       int
	Took          time.Duration
	CreateClients int
	MostOpen      int
}

// qrCreateClients is how many visitors open their tab at once.
const qrCreateClients = 16

// holdQRIdle opens n 扫码登录 tabs, qrCreateClients at a time (timed: the
// tickets-created rate), and each page starts its long poll as soon as its tab is
// open, as qr-login.js does once the page has loaded, and asks again whenever it
// answers, until hold after the last tab opened. The polls therefore arrive as the
// tabs open, not all in the same instant after the last one. A poll still open at
// the end is left unanswered and not counted. The most polls open at once is
// sampled every 100 ms from the first tab on. A failed tab ends the level: err is
// its error, with the polls of the pages opened so far stopped.
func holdQRIdle(ctx context.Context, t *target, n int, hold time.Duration) (idle *qrIdle, recs []*recorder, err error) {
	idle = &qrIdle{CreateClients: qrCreateClients}
	pollCtx, stopPolls := context.WithCancel(ctx)
	defer stopPolls()
	var open atomic.Int64
	var pages sync.WaitGroup
	var mu sync.Mutex // recs, err
	page := func(v *qrVisitor) {
		defer pages.Done()
		rec := &recorder{}
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
		for pollCtx.Err() == nil {
			start := time.Now()
			open.Add(1)
			status, state, perr := t.poll(pollCtx, v, "waiting")
			open.Add(-1)
			if pollCtx.Err() != nil {
				return
			}
			kind, what := classify(status, http.StatusOK, perr)
			if kind == outcomeOK && state != "waiting" {
				kind, what = outcomeError, "a waiting page's ticket is "+state
			}
			rec.record(kind, time.Since(start), what)
			if kind == outcomeRefused {
				time.Sleep(2 * time.Second) // the script's pause after a 503
			}
		}
	}
	sampled := make(chan int)
	go func() {
		most := 0
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-pollCtx.Done():
				sampled <- most
				return
			case <-tick.C:
				most = max(most, int(open.Load()))
			}
		}
	}()
	var next atomic.Int64
	var openers sync.WaitGroup
	start := time.Now()
	for range qrCreateClients {
		openers.Add(1)
		go func() {
			defer openers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				v, _, oerr := t.openQRTab(ctx)
				if oerr != nil {
					mu.Lock()
					err = cmp.Or(err, oerr)
					mu.Unlock()
					next.Store(int64(n)) // the other openers stop after their tab
					return
				}
				pages.Add(1)
				go page(v)
			}
		}()
	}
	openers.Wait()
	idle.Took, idle.Created = time.Since(start), n
	if err == nil && ctx.Err() == nil {
		select {
		case <-time.After(hold):
		case <-ctx.Done():
		}
	}
	stopPolls()
	pages.Wait()
	idle.MostOpen = <-sampled
	if err != nil {
		return nil, nil, err
	}
	return idle, recs, ctx.Err()
}
