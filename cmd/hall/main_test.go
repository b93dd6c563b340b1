package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store/storetest"
)

// childArgsEnv, when set, makes the test binary a `hall` process: TestMain runs the
// command line it holds (arguments separated by newlines) the way main does, so that
// a test can start `hall serve` as processes of their own (two_instances_test.go)
// without building the binary first.
const childArgsEnv = "HALL_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, strings.Split(args, "\n"))
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "hall:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	// The fixtures the tests share (demo_fixture_test.go, bench_test.go).
	stopBenchHall()
	removeDemoTemplate()
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// served is a `hall serve` started by startServe.
type served struct {
	base, adminBase string
	cancel          context.CancelFunc // stops it the way SIGTERM does
	done            chan error
	stopped         bool
}

// serveStartWait bounds how long a test waits for a `hall serve` it started to
// answer /readyz. A new SQLite database is migrated first: given the baseline of
// migrations 0001–0059 at once (internal/store/baseline.go), tens of milliseconds,
// where migrating it one migration at a time took about 2.5 s without the race
// detector and, under -race with the rest of the suite beside it, more than 30 s;
// the bound stays generous for a loaded machine. It is a harness bound, not the
// ready time QUALITY sets: that is measured on an existing database (crash_test.go,
// readyBound).
const serveStartWait = 2 * time.Minute

// startServe starts `hall serve` with args in this process and waits for /readyz to
// answer 200; the test's end stops it (stop).
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	h := &served{base: "http://" + addr, adminBase: "http://" + adminAddr, cancel: cancel, done: make(chan error, 1)}
	go func() {
		h.done <- run(ctx, append([]string{"serve", "--addr", addr, "--admin-addr", adminAddr, "--log-level", "warn"}, args...))
	}()
	t.Cleanup(func() { h.stop(t) })
	deadline := time.Now().Add(serveStartWait)
	for {
		resp, err := http.Get(h.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		select {
		case err := <-h.done:
			h.stopped = true
			t.Fatalf("serve exited early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become ready within %s", serveStartWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop stops the hall the way SIGTERM does (if cancel was not called yet) and
// checks that it stopped cleanly within 20 s. Call it from the test's goroutine.
func (h *served) stop(t *testing.T) {
	t.Helper()
	if h.stopped {
		return
	}
	h.stopped = true
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s")
	}
}

// serveUntilReady starts `hall serve` with args, checks the home page and that
// /metrics is on the operations listener only, then stops it the way SIGTERM does
// and checks the shutdown.
func serveUntilReady(t *testing.T, args ...string) {
	t.Helper()
	h := startServe(t, args...)
	resp, err := http.Get(h.base + "/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("home page: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, c := range []struct {
		url  string
		want int
	}{{h.base + "/metrics", http.StatusNotFound}, {h.adminBase + "/metrics", http.StatusOK}} {
		resp, err := http.Get(c.url)
		if err != nil || resp.StatusCode != c.want {
			t.Fatalf("GET %s: %v %v, want %d", c.url, resp, err, c.want)
		}
		resp.Body.Close()
	}
	h.stop(t)
}

func TestServeSQLiteWithDemo(t *testing.T) {
	dir := t.TempDir()
	serveUntilReady(t, "--data-dir", dir, "--demo")
	if _, err := os.Stat(filepath.Join(dir, "hall.db")); err != nil {
		t.Fatalf("no database file: %v", err)
	}
	// A second start on the same database works too (demo is idempotent).
	serveUntilReady(t, "--data-dir", dir, "--demo")
}

func TestServePostgresEmptyDatabase(t *testing.T) {
	// The data directory holds the development CA and the rights record's signing
	// certificate on PostgreSQL too: a temporary one, not ./data in the source tree.
	serveUntilReady(t, "--database-url", storetest.PostgresURL(t), "--data-dir", t.TempDir())
}

func TestMaintenanceCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	for _, args := range [][]string{{"migrate"}, {"demo"}, {"demo"}, {"audit", "verify"}} {
		if err := run(ctx, append(args, common...)); err != nil {
			t.Fatalf("hall %s: %v", strings.Join(args, " "), err)
		}
	}
	// An invented legal rep whose ID number gets its check digit computed.
	repID := "32010219900307241" + string(ident.CheckDigit("32010219900307241"))
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	header := "统一社会信用代码,单位名称,单位类型,法定代表人证件类型,法定代表人证件号码,法定代表人姓名,成立日期,住所,行政区划,登记状态\n"
	if err := os.WriteFile(good, []byte(header+"91350100M000100Y43,示例贸易有限公司,企业,居民身份证,"+repID+",王晓明,2019-05-20,南京市玄武区示例路1号,320102,存续\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(header+"91350100M000100Y44,示例,企业,居民身份证,"+repID+",王晓明,2019-05-20,,320102,存续\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, append([]string{"import", "registry", good}, common...)); err != nil {
		t.Fatalf("import good file: %v", err)
	}
	if err := run(ctx, append([]string{"import", "registry", bad}, common...)); err == nil {
		t.Fatal("import of a bad file succeeded")
	}
	if err := run(ctx, []string{"nonsense"}); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(ctx, append([]string{"serve", "--mode", "production"}, common...)); err == nil {
		t.Fatal("production mode started with development adapters")
	}
}
