package captcha_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"hall/internal/browsertest"
	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestMain stops the shared headless Chromium of the browser tests after the run.
func TestMain(m *testing.M) { browsertest.Main(m) }

// The browser tests drive static/js/slider-captcha.js and the hall's stylesheet in
// headless Chromium under the hall's Content-Security-Policy, with handlers shaped
// as the package documentation describes (the real ones live in internal/web).

const testCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const testPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>滑块验证</title>
<link rel="stylesheet" href="/hall.css"><script src="/slider-captcha.js" defer></script></head>
<body><main class="panel"><form method="post" action="/submit">
<div class="slider-captcha" data-captcha-new="/captcha/new?purpose=recover" data-captcha-verify="/captcha/verify" data-captcha-field="captcha_token">
<noscript>请启用浏览器的 JavaScript 以完成滑块验证。</noscript></div>
<button type="submit" class="button button-primary">下一步</button>
</form></main></body></html>`

type widgetServer struct {
	*httptest.Server
	db *store.DB
	p  *captcha.Puzzles

	mu     sync.Mutex
	lastID string
}

func newWidgetServer(t *testing.T) *widgetServer {
	t.Helper()
	db := storetest.SQLite(t)
	p, err := captcha.NewPuzzles(db, captcha.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &widgetServer{db: db, p: p}
	static := func(path, ctype string) http.HandlerFunc {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write(body)
		}
	}
	binding := func(r *http.Request) string {
		c, err := r.Cookie("visitor")
		if err != nil {
			return ""
		}
		return c.Value
	}
	mux := http.NewServeMux()
	mux.Handle("GET /hall.css", static("../web/static/css/hall.css", "text/css; charset=utf-8"))
	mux.Handle("GET /slider-captcha.js", static("../web/static/js/slider-captcha.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "visitor", Value: fmt.Sprintf("v%d", time.Now().UnixNano()), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, testPage)
	})
	mux.HandleFunc("GET /captcha/new", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		ch, err := p.New(r.Context(), r.URL.Query().Get("purpose"), binding(r))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			w.Write(captcha.ResultJSON("", err))
			return
		}
		s.mu.Lock()
		s.lastID = ch.ID
		s.mu.Unlock()
		b, _ := captcha.ChallengeJSON(ch)
		w.Write(b)
	})
	mux.HandleFunc("POST /captcha/verify", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, captcha.MaxAnswerBytes+1))
		if err != nil {
			w.Write(captcha.ResultJSON("", captcha.ErrMalformed))
			return
		}
		id, a, err := captcha.ParseAnswer(body)
		var tok string
		if err == nil {
			tok, err = p.Verify(r.Context(), id, binding(r), a)
		}
		if err != nil {
			t.Logf("verify: %v", err)
		}
		w.Write(captcha.ResultJSON(tok, err))
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := p.Redeem(r.Context(), r.PostFormValue(captcha.FormField), captcha.PurposeRecover, binding(r)); err != nil {
			io.WriteString(w, "<!doctype html><title>x</title><p>"+captcha.FormMessage(err)+"</p>")
			return
		}
		io.WriteString(w, "<!doctype html><title>ok</title><p>提交成功</p>")
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", testCSP)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// challenge waits for the widget to show a challenge other than previous and
// returns its ID and answer.
func (s *widgetServer) challenge(t *testing.T, p *browsertest.Page, previous string) (string, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		id := s.lastID
		s.mu.Unlock()
		if id != "" && id != previous && browsertest.Eval[string](p, `document.querySelector('.slider-captcha').dataset.state`) == "ready" {
			x, _, err := captchatest.Solution(t.Context(), s.db, id)
			if err != nil {
				t.Fatal(err)
			}
			return id, x
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no new challenge shown")
	return "", 0
}

func tokenValue(p *browsertest.Page) string {
	return browsertest.Eval[string](p, `document.querySelector('input[name=captcha_token]').value`)
}

func TestBrowserKeyboard(t *testing.T) {
	s := newWidgetServer(t)
	p := browsertest.New(t).NewPage(t)
	p.Open(s.URL + "/")
	_, x := s.challenge(t, p, "")
	if got := p.Attr(".slider-captcha-handle", "aria-label"); got != "拖动滑块完成拼图" {
		t.Errorf("handle aria-label %q", got)
	}
	if got := p.Attr(".slider-captcha-handle", "role"); got != "slider" {
		t.Errorf("handle role %q", got)
	}
	// The widget sized the picture from the challenge, with no inline style
	// attribute beyond the custom properties the CSSOM set.
	if w := browsertest.Eval[float64](p, `document.querySelector('.slider-captcha-stage').getBoundingClientRect().width`); math.Abs(w-300) > 1 {
		t.Errorf("stage is %.1f px wide", w)
	}

	browsertest.Eval[bool](p, `document.querySelector('.slider-captcha-handle').focus(), true`)
	big, small, reached := captchatest.KeyPresses(x)
	for range big {
		p.Press(kb.PageUp)
	}
	for range small {
		p.Press(kb.ArrowRight)
	}
	if now := p.Attr(".slider-captcha-handle", "aria-valuenow"); now != fmt.Sprint(reached) {
		t.Fatalf("aria-valuenow %s after the keys, want %d", now, reached)
	}
	time.Sleep(400 * time.Millisecond) // a person checks the fit before confirming
	p.Press(kb.Enter)
	p.WaitText("验证通过")
	if tok := tokenValue(p); len(tok) != 43 {
		t.Fatalf("pass token %q in the hidden input", tok)
	}
	p.Click("下一步")
	p.WaitText("提交成功")
}

func TestBrowserDrag(t *testing.T) {
	s := newWidgetServer(t)
	p := browsertest.New(t).NewPage(t)
	p.Open(s.URL + "/")
	id, x := s.challenge(t, p, "")

	// A scripted drag (a straight line at constant speed) is refused, and a new
	// picture comes.
	h := p.Rect(".slider-captcha-handle")
	cx, cy := h.X+h.Width/2, h.Y+h.Height/2
	p.MouseDrag(cx, cy, cx+float64(x), cy, 25)
	p.WaitText("验证失败，请重试")
	id2, x2 := s.challenge(t, p, id)
	if tok := tokenValue(p); tok != "" {
		t.Fatalf("token %q after a refusal", tok)
	}

	// A hand's drag passes.
	h = p.Rect(".slider-captcha-handle")
	cx, cy = h.X+h.Width/2, h.Y+h.Height/2
	captchatest.Drag(t, p, cx, cy, float64(x2), 11)
	p.WaitText("验证通过")
	if tok := tokenValue(p); len(tok) != 43 {
		t.Fatalf("pass token %q in the hidden input", tok)
	}

	// 刷新 drops the token and shows a new picture.
	p.Click("刷新")
	s.challenge(t, p, id2)
	if tok := tokenValue(p); tok != "" {
		t.Fatalf("token %q kept after 刷新", tok)
	}
	p.Click("下一步")
	p.WaitText("请先拖动滑块完成拼图验证")
}

// The page must not have needed an inline style: the stylesheet positions the
// piece from custom properties only.
func TestWidgetUsesNoInlineStyleAttributes(t *testing.T) {
	js, err := os.ReadFile("../web/static/js/slider-captcha.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(js)
	for _, bad := range []string{"setAttribute('style'", `setAttribute("style"`, ".style.left", ".style.top", ".style.width", "innerHTML", "eval("} {
		if strings.Contains(src, bad) {
			t.Errorf("slider-captcha.js uses %s", bad)
		}
	}
	css, err := os.ReadFile("../web/static/css/hall.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{".slider-captcha-piece", ".slider-captcha-handle", "--captcha-x", "touch-action: none"} {
		if !strings.Contains(string(css), sel) {
			t.Errorf("hall.css lacks %s", sel)
		}
	}
}
