package captchatest

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"hall/internal/browsertest"
)

// Drag drags a slider in a browser page the way a hand does: it presses the left
// button at (x, y) (viewport CSS pixels, e.g. the middle of the slider's handle),
// moves dx to the right along HumanDrag(dx, seed) with the track's own timing (real
// time passes between the moves, so the page sees a speed that rises and falls), and
// releases. Every event is a real mouse event dispatched to the browser. A straight
// drag at constant speed (browsertest.Page.MouseDrag) is refused by the captcha on
// purpose; this one passes when dx is the gap's x.
func Drag(t testing.TB, p *browsertest.Page, x, y, dx float64, seed uint64) {
	t.Helper()
	a := HumanDrag(dx, seed)
	ctx := p.Context()
	ev := func(typ input.DispatchMouseEventType, px, py float64) {
		t.Helper()
		e := input.DispatchMouseEventParams{Type: typ, X: px, Y: py, Button: input.MouseButtonLeft, Buttons: 1}
		if typ != input.DispatchMouseEventTypeMouseMoved {
			e.ClickCount = 1
		}
		if typ == input.DispatchMouseEventTypeMouseReleased {
			e.Buttons = 0
		}
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, e); err != nil {
			t.Fatalf("captchatest.Drag: mouse: %v", err)
		}
	}
	ev(input.DispatchMouseEventTypeMouseMoved, x, y)
	ev(input.DispatchMouseEventTypeMousePressed, x, y)
	start := time.Now()
	for _, pt := range a.Track[1:] {
		if d := time.Duration(pt.T*float64(time.Millisecond)) - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		ev(input.DispatchMouseEventTypeMouseMoved, x+pt.X, y+pt.Y)
	}
	last := a.Track[len(a.Track)-1]
	ev(input.DispatchMouseEventTypeMouseReleased, x+last.X, y+last.Y)
}
