package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"hall/internal/bench"
	"hall/internal/demo"
	"hall/internal/services"
	"hall/internal/web/site"
)

// benchHall is the hall as `hall serve --demo` runs it (same wiring, SQLite in a
// temporary directory, the demo data), on an httptest listener: one for every bench
// test of a package run, started on first use (benchServerWithServices) and closed
// by TestMain. The tests measure the tool's behaviour, not the hall's, so they can
// share a hall; what one leaves behind (sessions, rights records) they do not
// assert on, except TestBenchRightsAndTabs, which counts only the records made
// after its start. Each bench test before had a hall of its own, and loading the
// demo under the race detector took most of its two to three minutes.
var benchHall struct {
	once sync.Once
	dir  string
	app  *app
	ts   *httptest.Server
	err  error
}

// benchServer is benchHall, started on first use.
func benchServer(t *testing.T) *httptest.Server {
	t.Helper()
	ts, _ := benchServerWithServices(t)
	return ts
}

// benchServerWithServices is benchServer with the services behind it, for a test
// that looks at what the load left in the database.
func benchServerWithServices(t *testing.T) (*httptest.Server, *services.Services) {
	t.Helper()
	benchHall.once.Do(func() { benchHall.err = startBenchHall() })
	if benchHall.err != nil {
		t.Fatalf("the bench tests' hall: %v", benchHall.err)
	}
	return benchHall.ts, benchHall.app.Services
}

// startBenchHall starts benchHall over a copy of the demo's data directory, loading
// the demo as `hall serve --demo` does at start (it finds every set present).
func startBenchHall() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hall-bench-")
	if err != nil {
		return err
	}
	benchHall.dir = dir
	if err := copyDemoTemplate(dir); err != nil {
		return err
	}
	cfg, err := parseConfig("serve", []string{"--data-dir", dir, "--log-level", "error"})
	if err != nil {
		return err
	}
	if benchHall.app, err = openApp(ctx, cfg, newLogger(cfg)); err != nil {
		return err
	}
	if _, err := demo.Load(ctx, benchHall.app.deps()); err != nil {
		return err
	}
	srv, err := site.New(benchHall.app.Services)
	if err != nil {
		return err
	}
	srv.SetReady()
	benchHall.ts = httptest.NewServer(srv)
	return nil
}

// stopBenchHall stops benchHall, if it was started (from TestMain, once every test
// has run).
func stopBenchHall() {
	if benchHall.ts != nil {
		benchHall.ts.Close()
	}
	if benchHall.app != nil {
		_ = benchHall.app.Close() // the tests are over; nothing to report to
	}
	if benchHall.dir != "" {
		_ = os.RemoveAll(benchHall.dir) // a temporary directory
	}
}

// TestBenchScenariosAgainstTheHall runs every scenario briefly with 2 clients (and
// one open loop) against the real server with the demo accounts: each must report
// successes and no errors, logins their ratio to H, and the server's RSS (the server
// is this process, found by its listening port).
func TestBenchScenariosAgainstTheHall(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in with argon2id many times")
	}
	ts := benchServer(t)
	for _, c := range []struct {
		scenario string
		extra    []string
		logins   bool
	}{
		{"unit-login", nil, true},
		{"person-login", nil, true},
		{"page:/unit/", nil, false},
		{"page:/unit/items", nil, false},
		{"page:/unit/agents", nil, false},
		{"page:/", nil, false},
		{"page:/catalog", nil, false},
		{"mix", []string{"--mix-logins", "1"}, true},
		{"qr-login", nil, false},
		{"page:/unit/", []string{"--rate", "40/s", "--max-in-flight", "2"}, false},
		{"info-tabs", []string{"--unit", "91321281MA307HBQXQ"}, false},
		{"rights-record", []string{"--unit", "91320282945013927Q", "--rights-months", "2"}, false},
	} {
		t.Run(strings.Join(append([]string{c.scenario}, c.extra...), " "), func(t *testing.T) {
			args := append([]string{"--url", ts.URL, "--scenario", c.scenario, "--clients", "2",
				"--duration", "400ms", "--hash-duration", "100ms", "--json"}, c.extra...)
			var out, progress bytes.Buffer
			if err := benchRun(context.Background(), args, &out, &progress); err != nil {
				t.Fatalf("hall bench: %v\n%s", err, progress.String())
			}
			var rep bench.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("--json: %v\n%s", err, out.String())
			}
			if len(rep.Levels) != 1 {
				t.Fatalf("%d levels, want 1", len(rep.Levels))
			}
			lv := rep.Levels[0]
			if lv.OK == 0 || lv.Errors != 0 || lv.PerSecond <= 0 {
				t.Errorf("%d ok, %d errors (%q), %.1f/s; want successes and no errors\n%s",
					lv.OK, lv.Errors, lv.FirstErrors, lv.PerSecond, progress.String())
			}
			if lv.RSSMaxMB <= 0 {
				t.Errorf("no server RSS: %s", progress.String())
			}
			// The server is this process: the tool's own clients' CPU is in it.
			if lv.ServerCPU <= 0 || lv.ServerCores <= 0 || lv.CPUPerOK <= 0 {
				t.Errorf("server CPU %.3f s, %.2f cores, %.2f ms per ok: want it measured", lv.ServerCPU, lv.ServerCores, lv.CPUPerOK)
			}
			if lv.Logins != nil && (lv.Logins.OK == 0 || lv.Logins.Errors != 0) {
				t.Errorf("background logins: %d ok, %d errors (%q)", lv.Logins.OK, lv.Logins.Errors, lv.Logins.FirstErrors)
			}
			if c.logins != (lv.RatioToH != nil) || (lv.RatioToH != nil && (lv.H.Mean <= 0 || lv.RatioToH.Mean <= 0)) {
				t.Errorf("H %+v, ratio %+v: want a ratio to H exactly for logins", lv.H, lv.RatioToH)
			}
		})
	}
}

// TestBenchQRIdle: qr-idle opens its pages' 扫码登录 tabs, then holds their long
// polls open for the level.
func TestBenchQRIdle(t *testing.T) {
	ts := benchServer(t)
	var out, progress bytes.Buffer
	err := benchRun(context.Background(), []string{"--url", ts.URL, "--scenario", "qr-idle", "--clients", "5",
		"--duration", "500ms", "--json"}, &out, &progress)
	if err != nil {
		t.Fatalf("hall bench: %v\n%s", err, progress.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out.String())
	}
	if len(rep.Levels) != 1 || rep.Levels[0].QRIdle == nil {
		t.Fatalf("report %s", out.String())
	}
	lv := rep.Levels[0]
	if q := lv.QRIdle; q.Tickets != 5 || q.MostOpen != 5 || q.CreatedPerSecond <= 0 || lv.Errors != 0 || lv.RSSMaxMB <= 0 {
		t.Errorf("level %+v, pages %+v: want 5 tickets held open, no errors, the RSS", lv, q)
	}
}

func TestBenchMarkdownTable(t *testing.T) {
	ts := benchServer(t)
	var out, progress bytes.Buffer
	err := benchRun(context.Background(), []string{"--url", ts.URL, "--scenario", "page:/catalog",
		"--clients", "1,2", "--duration", "200ms"}, &out, &progress)
	if err != nil {
		t.Fatalf("hall bench: %v\n%s", err, progress.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[2], "| scenario | load |") ||
		!strings.HasPrefix(lines[4], "| page:/catalog | 1 clients |") || !strings.HasPrefix(lines[5], "| page:/catalog | 2 clients |") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "page:unit"}, "unknown scenario"},
		{[]string{"--scenario", "qr-scan"}, "unknown scenario"},
		{[]string{"--scenario", "qr-idle", "--rate", "10"}, "no rate"},
		{[]string{"--clients", "2,x"}, "--clients"},
		{[]string{"--clients", "0"}, `"0" is not a positive number`},
		{[]string{"--rate", "fast"}, "--rate"},
		{[]string{"--rate", "10", "--max-in-flight", "0"}, "in flight"},
		{[]string{"--duration", "0s"}, "duration"},
		{[]string{"--scenario", "rights-record", "--rights-months", "0"}, "--rights-months"},
		{[]string{"--scenario", "rights-record", "--rights-months", "37"}, "1–36 months"},
		{[]string{"--scenario", "info-tabs", "--unit", "91320282945013927X"}, "no unit login of 91320282945013927X"},
		{[]string{"--scenario", "rights-record", "--clients", "2", "--cpu-per-request"}, "single closed-loop client"},
		{[]string{"--scenario", "rights-record", "--clients", "1,2", "--cpu-per-request"}, "single closed-loop client"},
		{[]string{"--scenario", "rights-record", "--rate", "1", "--cpu-per-request"}, "single closed-loop client"},
		{[]string{"--scenario", "mix", "--clients", "1", "--cpu-per-request"}, "--mix-logins 0"},
		{[]string{"--scenario", "rights-record", "--clients", "1", "--cpu-per-request"}, "--pid"},
	} {
		var out, progress bytes.Buffer
		err := benchRun(context.Background(), append([]string{"--url", "http://127.0.0.1:1"}, c.args...), &out, &progress)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("hall bench %q: %v, want an error about %q", c.args, err, c.want)
		}
	}
}

// TestParseIntsRefusesNonPositive: a client count below 1 is refused by name;
// a negative one would otherwise become a huge file-descriptor limit request.
func TestParseIntsRefusesNonPositive(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"1", []int{1}},
		{"2, 50,500", []int{2, 50, 500}},
		{"0", nil},
		{"-5", nil},
		{"10,-1", nil},
		{"x", nil},
	} {
		got, err := parseInts(c.in)
		if c.want == nil {
			if err == nil || !strings.Contains(err.Error(), "--clients") {
				t.Errorf("parseInts(%q) = %v, %v; want an error naming --clients", c.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseInts(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// TestBenchRightsAndTabs checks the two scenarios of 单位权益单 and 单位信息 on one
// server (each demo load is long under the race detector):
//
//   - rights-record: each step produced a record of the unit signed in (and its
//     PDF, downloaded), for the period asked, so that the level's rate counts
//     records built and signed;
//   - info-tabs requests exactly the tabs 单位信息 links, so that a tab added or
//     renamed in the hall is not left out (an unknown tab would quietly show the
//     first one).
func TestBenchRightsAndTabs(t *testing.T) {
	ts, svc := benchServerWithServices(t)
	t.Run("rights-record stores a record per step", func(t *testing.T) {
		// The hall is shared: the records counted are those made from here on.
		var before int64
		if err := svc.DB.QueryRow(context.Background(), `SELECT COALESCE(MAX(id), 0) FROM rights_records`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		var out, progress bytes.Buffer
		err := benchRun(context.Background(), []string{"--url", ts.URL, "--scenario", "rights-record", "--unit", "91320282945013927Q",
			"--rights-months", "3", "--clients", "1", "--duration", "300ms", "--json"}, &out, &progress)
		if err != nil {
			t.Fatalf("hall bench: %v\n%s", err, progress.String())
		}
		var rep bench.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Levels) != 1 {
			t.Fatalf("--json: %v\n%s", err, out.String())
		}
		lv := rep.Levels[0]
		var records, months, other int
		if err := svc.DB.QueryRow(context.Background(), `SELECT COUNT(*), COALESCE(MIN(to_month - from_month), -1),
			(SELECT COUNT(*) FROM rights_records WHERE id > ? AND uscc <> '91320282945013927Q') FROM rights_records WHERE id > ?`,
			before, before).Scan(&records, &months, &other); err != nil {
			t.Fatal(err)
		}
		// A step under way at the level's end is finished and counted; none is
		// produced and left uncounted.
		if lv.OK == 0 || records != lv.OK+lv.Errors || other != 0 || months != 2 {
			t.Errorf("%d steps ok (%d errors), %d records stored (%d of another unit), periods of %d+1 months; want a record of 3 months per step",
				lv.OK, lv.Errors, records, other, months)
		}
	})
	t.Run("rights-record CPU per record over t_h", func(t *testing.T) {
		var out, progress bytes.Buffer
		err := benchRun(context.Background(), []string{"--url", ts.URL, "--scenario", "rights-record", "--unit", "91320282945013927Q",
			"--rights-months", "3", "--clients", "1", "--duration", "300ms", "--cpu-per-request", "--hash-duration", "100ms", "--json"}, &out, &progress)
		if err != nil {
			t.Fatalf("hall bench: %v\n%s", err, progress.String())
		}
		var rep bench.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Levels) != 1 {
			t.Fatalf("--json: %v\n%s", err, out.String())
		}
		lv := rep.Levels[0]
		c := lv.CPUPerRequest
		// The server is this process, found by its port.
		if c == nil || lv.OK == 0 || c.Measured != lv.OK || c.P50 <= 0 || c.P99 < c.P50 || c.Max < c.P99 ||
			lv.H == nil || lv.RatioToH != nil || c.TH == nil || c.P99OverTH == nil || c.P99OverTH.Mean <= 0 {
			t.Errorf("level %+v, H %+v, ratio %+v; CPU per record %+v: want every record measured and its p99 over t_h", lv.Stats, lv.H, lv.RatioToH, c)
		}
		if !strings.Contains(progress.String(), "server CPU per request p50") {
			t.Errorf("summary line without the CPU per request:\n%s", progress.String())
		}
	})
	t.Run("info-tabs are the page's tabs", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		get := func(path string) string {
			resp, err := c.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
			}
			return string(b)
		}
		csrf := regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`).FindStringSubmatch(get("/login"))
		a := bench.DemoAccounts()[0]
		form := url.Values{"account": {a.Account}, "login": {a.Login}, "password": {a.Password}, "csrf_token": {csrf[1]}}
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/login/unit", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close() // the page the login leads to is not needed
		page := get("/unit/info")
		var linked []string
		for _, m := range regexp.MustCompile(`href="(/unit/info\?tab=[a-z_]+)"`).FindAllStringSubmatch(page, -1) {
			if !slices.Contains(linked, m[1]) {
				linked = append(linked, m[1])
			}
		}
		if !slices.Equal(linked, bench.InfoTabPaths) {
			t.Errorf("单位信息 links the tabs\n%q\ninfo-tabs requests\n%q", linked, bench.InfoTabPaths)
		}
	})
}
