package account

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"hall/internal/qrlogin"
	"hall/internal/services"
	"hall/internal/web/webtest"
)

// rawPoll is a long poll sent on a connection of its own, with no goroutine of the
// test behind it while it waits.
type rawPoll struct {
	conn net.Conn
	sent time.Time
}

func sendRawPoll(t *testing.T, base, path, cookie string) rawPoll {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	req := "GET " + path + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(base, "http://") +
		"\r\nAccept: application/json\r\n"
	if cookie != "" {
		req += "Cookie: " + cookie + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	return rawPoll{conn: conn, sent: time.Now()}
}

// qrPage is a 扫码登录 page of a browser of its own (a ticket has at most a few
// waits): its ticket and its cookies.
type qrPage struct{ id, cookie string }

func openQRPage(t *testing.T, base string) qrPage {
	t.Helper()
	pc, id := webtest.OpenQRLoginPage(t, base, 10*time.Second)
	pc.CloseIdleConnections() // its goroutines are not the server's
	baseURL, _ := url.Parse(base)
	var cookies []string
	for _, c := range pc.Jar.Cookies(baseURL) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	return qrPage{id: id, cookie: strings.Join(cookies, "; ")}
}

// waitPath is the long poll of a page that has seen its ticket waiting.
func waitPath(id string) string {
	return "/login/qr/wait?ticket=" + url.QueryEscape(id) + "&seen=waiting"
}

// answer reads the poll's response and checks what every answer carries: the
// headers of every page, JSON that is not stored, and the connection closed after.
func (p rawPoll) answer(t *testing.T, wantStatus int) (qrLoginWaitAnswer, time.Duration) {
	t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	br := bufio.NewReader(p.conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	took := time.Since(p.sent)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, wantStatus, body)
	}
	for name, want := range map[string]string{
		"Content-Type":           "application/json; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("Date") == "" {
		t.Errorf("headers of every page missing: %v", resp.Header)
	}
	if !resp.Close {
		t.Error("a detached answer keeps the connection open")
	}
	if n, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the answer: %v %v, want the connection closed", n, err)
	}
	var a qrLoginWaitAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return a, took
}

// TestQRLoginWaitDetached: over real connections the 扫码登录 long poll leaves
// net/http (web.Detach): forty pages waiting add no goroutine, and
// each answers the scan at once with the headers every page carries and
// Connection: close; another browser's poll is 404 at once. (The handler tests
// through a recorder, which cannot be detached, cover the goroutine that waits
// instead; qrlogin's TestAwaitBound the answer at the bound.)
func TestQRLoginWaitDetached(t *testing.T) {
	ts, base := webtest.Serve(t, func(svc *services.Services) {
		svc.Config.QRWaitMax = 30 * time.Second
		b, err := services.Build(svc.Config, svc.DB, svc.Log, nil)
		if err != nil {
			t.Fatal(err)
		}
		*svc = *b
	})
	const pages = 40
	var opened []qrPage
	for range pages {
		opened = append(opened, openQRPage(t, base))
	}

	runtime.GC()
	before := runtime.NumGoroutine()
	var polls []rawPoll
	for _, p := range opened {
		polls = append(polls, sendRawPoll(t, base, waitPath(p.id), p.cookie))
	}
	for deadline := time.Now().Add(10 * time.Second); ts.QRLogin.Waiting() != pages; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d polls waiting", ts.QRLogin.Waiting(), pages)
		}
	}
	// Once their handlers have read the ticket and returned, the waiting pages hold
	// no goroutine: waiting on a goroutine each, they would hold two (the handler's
	// and net/http's background reader).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		added := runtime.NumGoroutine() - before
		if added <= 15 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting pages added %d goroutines", pages, added)
		}
	}

	// Another browser (no binding cookie) is told at once that the ticket is not its.
	if a, took := sendRawPoll(t, base, waitPath(opened[0].id), "").answer(t, http.StatusNotFound); a.State != "unknown" || took > time.Second {
		t.Errorf("another browser: %+v after %s", a, took)
	}

	// A HEAD of the poll gets the answer's headers, its length among them, and no
	// body: the connection ends right after them.
	head, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer head.Close()
	if _, err := io.WriteString(head, "HEAD "+waitPath(opened[0].id)+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = head.SetReadDeadline(time.Now().Add(10 * time.Second))
	raw, _ := io.ReadAll(head)
	headers, rest, found := strings.Cut(string(raw), "\r\n\r\n")
	if !found || !strings.HasPrefix(headers, "HTTP/1.1 404") || !strings.Contains(headers, "Content-Length: ") || rest != "" {
		t.Errorf("HEAD answered %q", raw)
	}
	scanner := webtest.NewWorld(ts, 71).Person(t, "钱晓峰")
	for _, p := range opened {
		if _, err := ts.QRLogin.Scan(t.Context(), p.id, scanner.ID); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range polls {
		if a, _ := p.answer(t, http.StatusOK); a.State != string(qrlogin.StateScanned) || a.Label == "" {
			t.Fatalf("page %d: %+v", i, a)
		}
	}
	// A wait gives its place back once its answer is written: shortly after the
	// page read it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := ts.QRLogin.WaitsEnded(ctx); err != nil {
		t.Fatalf("%d waits left after the answers", ts.QRLogin.Waiting())
	}
}

// TestQRLoginWaitAccessLog: the access log's line of a detached poll is written
// at its answer, with the answer's status and the whole wait — an answer at the
// bound (200, at least four fifths of a second), another browser's poll refused after its read (404) and a
// malformed ticket refused before the handler returned (404) — rather than a 200
// at the hand-over.
func TestQRLoginWaitAccessLog(t *testing.T) {
	logs, withLog := capturedLog(t)
	_, base := webtest.Serve(t, func(svc *services.Services) {
		svc.Config.QRWaitMax = time.Second
		withLog(svc)
	})
	p := openQRPage(t, base)
	if a, took := sendRawPoll(t, base, waitPath(p.id), p.cookie).answer(t, http.StatusOK); a.State != string(qrlogin.StateWaiting) || took < 800*time.Millisecond {
		t.Fatalf("at the bound: %+v after %s", a, took)
	}
	sendRawPoll(t, base, waitPath(p.id), "").answer(t, http.StatusNotFound)
	// A malformed ticket is refused before the handler returns: the answer comes
	// before the hand-over.
	sendRawPoll(t, base, waitPath("x"), p.cookie).answer(t, http.StatusNotFound)

	var lines []string
	for deadline := time.Now().Add(5 * time.Second); len(lines) < 3; time.Sleep(20 * time.Millisecond) {
		lines = lines[:0]
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "msg=http") && strings.Contains(l, "path=/login/qr/wait") {
				lines = append(lines, l)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log lines of the polls: %q", lines)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("want one line a poll: %q", lines)
	}
	// A line is written once its answer is on the socket, so the next poll's line
	// may come first: the lines are told apart by their status.
	var atBound string
	statuses := map[string]int{}
	for _, l := range lines {
		status := regexp.MustCompile(`status=(\d+) `).FindStringSubmatch(l)
		if status == nil || !strings.Contains(l, "detached=true") {
			t.Fatalf("a poll's line without its status or not detached: %s", l)
		}
		statuses[status[1]]++
		if status[1] == "200" {
			atBound = l
		}
	}
	if statuses["200"] != 1 || statuses["404"] != 2 {
		t.Fatalf("statuses of the polls' lines %v, want one 200 and two 404: %q", statuses, lines)
	}
	d := regexp.MustCompile(`duration=(\S+)`).FindStringSubmatch(atBound)
	if d == nil {
		t.Fatalf("no duration: %s", atBound)
	}
	if took, err := time.ParseDuration(d[1]); err != nil || took < 800*time.Millisecond {
		t.Errorf("the answer at the bound is logged as taking %s (%v): %s", d[1], err, atBound)
	}
}
