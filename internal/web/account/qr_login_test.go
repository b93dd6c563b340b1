package account

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/qrlogin"
	"hall/internal/services"
	"hall/internal/token"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// qrLoginTicket opens the 扫码登录 tab on c and returns the ticket ID the page holds,
// checking that the page draws its code.
func qrLoginTicket(t *testing.T, c *webtest.Client, tab string) string {
	t.Helper()
	doc := c.Page(t, "/login?tab="+tab+"&method=qr", http.StatusOK)
	if src := doc.Must(t, "img[alt='扫码登录二维码']").AttrOr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR image src %.40q", src)
	}
	if st := doc.Must(t, "[data-qr-status]").TextContent(); st != "等待扫码" {
		t.Errorf("state %q, want 等待扫码", st)
	}
	id := doc.Must(t, "input[name=ticket]").AttrOr("value")
	if !qrlogin.ValidID(id) {
		t.Fatalf("ticket %q", id)
	}
	return id
}

// qrLoginWait asks the long poll with seen and returns the status and answer.
func qrLoginWait(t *testing.T, c *webtest.Client, id, seen string) (int, qrLoginWaitAnswer) {
	t.Helper()
	rec := c.Get(t, "/login/qr/wait?ticket="+url.QueryEscape(id)+"&seen="+seen)
	var a qrLoginWaitAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("wait answer %q: %v", rec.Body.String(), err)
	}
	return rec.Code, a
}

// qrLoginPost is 我已确认，登录.
func qrLoginPost(t *testing.T, c *webtest.Client, id, tab string) *httptest.ResponseRecorder {
	t.Helper()
	return c.Post(t, "/login/qr", url.Values{"ticket": {id}, "tab": {tab}})
}

// qrLoginRefusal checks that rec shows the login page's 扫码登录 tab with want.
func qrLoginRefusal(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, want string) {
	t.Helper()
	doc := webtest.Parsed(t, rec, status)
	if got := doc.Must(t, ".login-box [role=alert]").TextContent(); got != want {
		t.Errorf("%s: message %q, want %q", what, got, want)
	}
}

// TestQRLoginUnit: the unit 扫码登录 from the page's ticket to the unit center,
// with the refusals of another browser, another person and a second use.
func TestQRLoginUnit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 1101)
	rep := w.Person(t, "钟语桐")
	u := w.Unit(t, "示范扫码登录科技有限公司", rep)
	stranger := w.Person(t, "柏清和")

	pc := webtest.NewClient(ts)
	id := qrLoginTicket(t, pc, "unit")
	if code, a := qrLoginWait(t, pc, id, ""); code != http.StatusOK || a.State != "waiting" || a.Label != "等待扫码" {
		t.Fatalf("wait before the scan: %d %+v", code, a)
	}
	// Another browser neither waits on the ticket nor signs in with it.
	other := webtest.NewClient(ts)
	other.Get(t, "/login")
	if code, a := qrLoginWait(t, other, id, ""); code != http.StatusNotFound || a.Message != qrlogin.Message(qrlogin.ErrNotFound) {
		t.Errorf("another browser's wait: %d %+v", code, a)
	}
	qrLoginRefusal(t, "another browser's sign-in", qrLoginPost(t, other, id, "unit"), http.StatusConflict, qrlogin.Message(qrlogin.ErrNotFound))
	// Before the confirmation the page shows the same code and says so.
	rec := qrLoginPost(t, pc, id, "unit")
	doc := webtest.Parsed(t, rec, http.StatusConflict)
	if got := doc.Must(t, "input[name=ticket]").AttrOr("value"); got != id {
		t.Errorf("pending: the page shows ticket %q, want the same", got)
	}
	if got := doc.Must(t, ".acct-qr [role=alert]").TextContent(); got != qrlogin.Message(qrlogin.ErrPending) {
		t.Errorf("pending: %q", got)
	}

	phone := webtest.NewClient(ts)
	webtest.AppLogin(t, phone, rep)
	screen := phone.Page(t, "/app/qr/"+id, http.StatusOK)
	if opt := screen.Must(t, "input[name=unit][value='"+strconv.FormatInt(u.ID, 10)+"']"); opt.AttrOr("disabled") != "" {
		t.Error("the unit is offered disabled")
	}
	if code, a := qrLoginWait(t, pc, id, "waiting"); a.State != "scanned" || a.Label != "已扫码，请在手机上确认" {
		t.Errorf("wait after the scan: %d %+v", code, a)
	}
	// Someone else who opens the link afterwards is refused.
	intruder := webtest.NewClient(ts)
	webtest.AppLogin(t, intruder, stranger)
	if got := webtest.Parsed(t, intruder.Get(t, "/app/qr/"+id), http.StatusForbidden).Must(t, "[role=alert]").TextContent(); got != qrlogin.Message(qrlogin.ErrOtherPerson) {
		t.Errorf("another person's scan: %q", got)
	}

	done := phone.Post(t, "/app/qr/"+id, url.Values{"decision": {"confirm"}, "unit": {strconv.FormatInt(u.ID, 10)}})
	if h1 := webtest.Parsed(t, done, http.StatusOK).Must(t, "h1").TextContent(); h1 != "已确认登录" {
		t.Errorf("after 确认登录: %q", h1)
	}
	if code, a := qrLoginWait(t, pc, id, "scanned"); a.State != "confirmed" {
		t.Errorf("wait after the confirmation: %d %+v", code, a)
	}
	webtest.WantRedirect(t, "sign-in", qrLoginPost(t, pc, id, "unit"), "/unit/")
	sess, err := ts.Sessions.Lookup(t.Context(), pc.Session())
	if err != nil {
		t.Fatal(err)
	}
	if sess.Subject != webtest.UnitSubject(rep, u, unit.RoleLegalRep) || sess.Proof != auth.ProofQR {
		t.Errorf("session %+v", sess)
	}
	if es := webtest.UnitAuditEntries(t, ts, "login.unit.qr"); len(es) != 1 || es[0].UnitID != u.ID || es[0].Detail["method"] != "qr" {
		t.Errorf("audit %+v", es)
	}
	// Twice: the ticket is used up.
	qrLoginRefusal(t, "a second sign-in", qrLoginPost(t, pc, id, "unit"), http.StatusConflict, qrlogin.Message(qrlogin.ErrUsed))
}

// TestQRLoginPerson: the personal 扫码登录 signs in as the person alone; a
// cancelled ticket is refused.
func TestQRLoginPerson(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 1102)
	p := w.Person(t, "祁若兰")
	phone := webtest.NewClient(ts)
	webtest.AppLogin(t, phone, p)

	pc := webtest.NewClient(ts)
	id := qrLoginTicket(t, pc, "person")
	if screen := phone.Page(t, "/app/qr/"+id, http.StatusOK); screen.First("input[name=unit]") != nil {
		t.Error("a personal login offers units")
	}
	webtest.Parsed(t, phone.Post(t, "/app/qr/"+id, url.Values{"decision": {"confirm"}}), http.StatusOK)
	webtest.WantRedirect(t, "personal sign-in", qrLoginPost(t, pc, id, "person"), "/me")
	if sess, err := ts.Sessions.Lookup(t.Context(), pc.Session()); err != nil || sess.Subject != (auth.Subject{PersonID: p.ID}) {
		t.Errorf("session %+v, %v", sess, err)
	}

	pc2 := webtest.NewClient(ts)
	id = qrLoginTicket(t, pc2, "person")
	phone.Get(t, "/app/qr/"+id)
	if h1 := webtest.Parsed(t, phone.Post(t, "/app/qr/"+id, url.Values{"decision": {"cancel"}}), http.StatusOK).Must(t, "h1").TextContent(); h1 != "已取消登录" {
		t.Errorf("after 取消: %q", h1)
	}
	if _, a := qrLoginWait(t, pc2, id, "scanned"); a.State != "cancelled" || !strings.HasPrefix(a.Label, "已取消") {
		t.Errorf("wait after the cancellation: %+v", a)
	}
	qrLoginRefusal(t, "a cancelled ticket", qrLoginPost(t, pc2, id, "person"), http.StatusConflict, qrlogin.Message(qrlogin.ErrCancelled))
	if pc2.Session() != "" {
		t.Error("a cancelled ticket signed in")
	}
}

// TestQRLoginExpired: past its two minutes a ticket is refused on both sides.
func TestQRLoginExpired(t *testing.T) {
	clk := webtest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 1103)
	p := w.Person(t, "秦望舒")
	phone := webtest.NewClient(ts)
	webtest.AppLogin(t, phone, p)
	pc := webtest.NewClient(ts)
	id := qrLoginTicket(t, pc, "person")
	clk.Advance(qrlogin.DefaultTTL + time.Second)
	if got := webtest.Parsed(t, phone.Get(t, "/app/qr/"+id), http.StatusConflict).Must(t, "[role=alert]").TextContent(); got != qrlogin.Message(qrlogin.ErrExpired) {
		t.Errorf("app: %q", got)
	}
	if _, a := qrLoginWait(t, pc, id, "waiting"); a.State != "expired" || !strings.HasPrefix(a.Label, "已过期") {
		t.Errorf("wait: %+v", a)
	}
	qrLoginRefusal(t, "an expired ticket", qrLoginPost(t, pc, id, "person"), http.StatusConflict, qrlogin.Message(qrlogin.ErrExpired))
}

// TestQRLoginLimits: too many waiting pages answer 503 with a Chinese message, and
// an address that asked for too many codes is told when it may again.
func TestQRLoginLimits(t *testing.T) {
	ts := webtest.NewTestServer(t, func(svc *services.Services) {
		svc.Config.QRMaxWaiters, svc.Config.QRWaitMax = 1, 5*time.Second
		b, err := services.Build(svc.Config, svc.DB, svc.Log, nil)
		if err != nil {
			t.Fatal(err)
		}
		*svc = *b
	})
	pc := webtest.NewClient(ts)
	id := qrLoginTicket(t, pc, "unit")
	held := make(chan struct{})
	go func() {
		defer close(held)
		qrLoginWait(t, pc, id, "waiting")
	}()
	for deadline := time.Now().Add(5 * time.Second); ts.QRLogin.Waiting() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first wait did not start")
		}
	}
	rec := pc.Get(t, "/login/qr/wait?ticket="+id+"&seen=waiting")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "当前等待扫码的页面过多") {
		t.Errorf("second wait: %d %s", rec.Code, rec.Body.String())
	}
	<-held

	for range qrlogin.AddrLimits.LockAfter {
		if _, err := ts.QRLogin.Create(t.Context(), qrlogin.Request{Kind: qrlogin.KindUnit, Binding: token.New(),
			ClientAddr: "198.51.100.7"}); err != nil {
			break
		}
	}
	doc := pc.Page(t, "/login?tab=unit&method=qr", http.StatusOK)
	if got := doc.Must(t, ".login-box [role=alert]").TextContent(); !strings.HasPrefix(got, "二维码刷新过于频繁") {
		t.Errorf("rate limited: %q", got)
	}
	if doc.First("img[alt='扫码登录二维码']") != nil {
		t.Error("a refused page still shows a code")
	}
}
