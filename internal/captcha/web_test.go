package captcha_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

const validID = "q5mM0aZ2-Lw7_8d9fG1hJ2kL3zX4cV5bN6mQ7wE8rT9"

// TestChallengeJSONHidesTheAnswer: the challenge's JSON has exactly the public
// fields, and no field carries the answer. A field that is the answer equals it in
// every challenge; a public size (the lifetime of 120 s, the width of 300) equals a
// random answer now and then by chance, so a field is a leak when it equals the
// answer in at least half of the challenges.
func TestChallengeJSONHidesTheAnswer(t *testing.T) {
	db := storetest.SQLite(t)
	p := newPuzzles(t, db, newClock(), captcha.Config{})
	const challenges = 10
	equalsAnswer := map[string]int{}
	for range challenges {
		ch := mustNew(t, p, captcha.PurposeLogin, browserA)
		x, _, err := captchatest.Solution(t.Context(), db, ch.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := captcha.ChallengeJSON(ch)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"background", "expiresIn", "height", "id", "keyStep", "maxX", "piece", "pieceHeight", "pieceWidth", "pieceY", "width"}
		if !slices.Equal(keys, want) {
			t.Fatalf("keys %v, want exactly %v", keys, want)
		}
		numbers := map[int]bool{}
		for k, v := range m {
			if f, ok := v.(float64); ok {
				numbers[int(f)] = true
				if int(f) == x {
					equalsAnswer[k]++
				}
			}
		}
		if m["id"] != ch.ID || m["pieceY"] != float64(ch.PieceY) || m["width"] != 300.0 || m["height"] != 150.0 || m["expiresIn"] != 120.0 {
			t.Errorf("challenge JSON %v", m)
		}
		for _, k := range []string{"background", "piece"} {
			if s, _ := m[k].(string); !strings.HasPrefix(s, "data:image/png;base64,iVBORw0KGgo") {
				t.Errorf("%s is not a PNG data URL: %.40s", k, s)
			}
		}
		// Nor anywhere else in the text than as a field's value.
		if strings.Contains(string(b), fmt.Sprintf(":%d,", x)) && !numbers[x] {
			t.Errorf("the answer %d appears in %s", x, b[len(b)-200:])
		}
	}
	for k, n := range equalsAnswer {
		if n >= challenges/2 {
			t.Errorf("%s equals the answer x in %d of %d challenges", k, n, challenges)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	good := `{"id":"` + validID + `","x":173.5,"durationMs":1240,"keyboard":false,"track":[{"x":0,"y":0,"t":0},{"x":3.5,"y":0.5,"t":16.7},{"x":173.5,"y":-2,"t":1200}]}`
	id, a, err := captcha.ParseAnswer([]byte(good))
	if err != nil {
		t.Fatalf("ParseAnswer: %v", err)
	}
	want := captcha.Answer{X: 173.5, DurationMs: 1240, Track: []captcha.Point{{}, {X: 3.5, Y: 0.5, T: 16.7}, {X: 173.5, Y: -2, T: 1200}}}
	if id != validID || a.X != want.X || a.DurationMs != want.DurationMs || a.Keyboard || !slices.Equal(a.Track, want.Track) {
		t.Fatalf("ParseAnswer = %q, %+v", id, a)
	}
	if _, a, err := captcha.ParseAnswer([]byte(`{"id":"` + validID + `","x":10,"durationMs":500,"keyboard":true,"track":[]}`)); err != nil || !a.Keyboard {
		t.Errorf("keyboard answer: %+v, %v", a, err)
	}

	longTrack := func(n int) string {
		pts := make([]string, n)
		for i := range pts {
			pts[i] = fmt.Sprintf(`{"x":%d,"y":0,"t":%d}`, i%200, i)
		}
		return `{"id":"` + validID + `","x":1,"durationMs":900,"track":[` + strings.Join(pts, ",") + `]}`
	}
	if _, a, err := captcha.ParseAnswer([]byte(longTrack(captcha.MaxTrackPoints))); err != nil || len(a.Track) != captcha.MaxTrackPoints {
		t.Errorf("track of MaxTrackPoints: %d points, %v", len(a.Track), err)
	}

	bad := []struct{ name, body string }{
		{"empty", ``},
		{"not JSON", `id=x&x=3`},
		{"array", `[1,2]`},
		{"unknown field", `{"id":"` + validID + `","x":1,"answer":3}`},
		{"two objects", good + good},
		{"trailing garbage", good + `x`},
		{"missing id", `{"x":1,"durationMs":500}`},
		{"short id", `{"id":"abc","x":1}`},
		{"id with bad characters", `{"id":"` + validID[:42] + `=","x":1}`},
		{"x as string", `{"id":"` + validID + `","x":"1"}`},
		{"x too large", `{"id":"` + validID + `","x":1e6}`},
		{"x overflows", `{"id":"` + validID + `","x":1e400}`},
		{"negative duration", `{"id":"` + validID + `","x":1,"durationMs":-1}`},
		{"duration too long", `{"id":"` + validID + `","x":1,"durationMs":600001}`},
		{"fractional duration", `{"id":"` + validID + `","x":1,"durationMs":1.5}`},
		{"point with negative time", `{"id":"` + validID + `","x":1,"track":[{"x":0,"y":0,"t":-1}]}`},
		{"point far off", `{"id":"` + validID + `","x":1,"track":[{"x":0,"y":5000,"t":1}]}`},
		{"point as array", `{"id":"` + validID + `","x":1,"track":[[0,0,0]]}`},
		{"point with extra field", `{"id":"` + validID + `","x":1,"track":[{"x":0,"y":0,"t":0,"p":1}]}`},
		{"track too long", longTrack(captcha.MaxTrackPoints + 1)},
		{"body too large", `{"id":"` + validID + `","x":1,"pad":"` + strings.Repeat("a", captcha.MaxAnswerBytes) + `"}`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := captcha.ParseAnswer([]byte(c.body)); !errors.Is(err, captcha.ErrMalformed) {
				t.Errorf("ParseAnswer: %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"id":"` + validID + `","x":173.5,"durationMs":1240,"keyboard":false,"track":[{"x":0,"y":0,"t":0},{"x":3.5,"y":0.5,"t":16.7}]}`))
	f.Add([]byte(`{"id":"` + validID + `","x":-0,"durationMs":0,"keyboard":true,"track":null}`))
	f.Add([]byte(`{"id":"` + validID + `","x":1e-300,"track":[{"x":1000,"y":-1000,"t":600000}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":1}`))
	f.Add([]byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, body []byte) {
		id, a, err := captcha.ParseAnswer(body)
		if err != nil {
			if !errors.Is(err, captcha.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if id != "" || a.Track != nil {
				t.Fatalf("error with a result: %q %+v", id, a)
			}
			return
		}
		if len(body) > captcha.MaxAnswerBytes || len(id) != 43 || len(a.Track) > captcha.MaxTrackPoints {
			t.Fatalf("accepted out of bounds: %d bytes, id %q, %d points", len(body), id, len(a.Track))
		}
		ok := func(v, lim float64) bool { return !math.IsNaN(v) && math.Abs(v) <= lim }
		if !ok(a.X, 1000) || a.DurationMs < 0 || a.DurationMs > 600_000 {
			t.Fatalf("accepted x %v, duration %d", a.X, a.DurationMs)
		}
		for _, p := range a.Track {
			if !ok(p.X, 1000) || !ok(p.Y, 1000) || p.T < 0 || p.T > 600_000 {
				t.Fatalf("accepted point %+v", p)
			}
		}
		// Whatever parses can be judged without panicking.
		_ = captcha.Judge(defaults, 150, a)
	})
}

func TestResultJSON(t *testing.T) {
	cases := []struct {
		tok  string
		err  error
		want string
	}{
		{"tok", nil, `{"ok":true,"token":"tok","message":"验证通过"}`},
		{"", fmt.Errorf("%w: off by 30 px", captcha.ErrWrong), `{"ok":false,"message":"验证失败，请重试"}`},
		{"", captcha.ErrExpired, `{"ok":false,"message":"验证已过期，请刷新"}`},
		{"", captcha.ErrUsed, `{"ok":false,"message":"验证已失效，请刷新后重试"}`},
		{"", captcha.ErrNotFound, `{"ok":false,"message":"验证无效，请刷新后重试"}`},
		{"", captcha.ErrMalformed, `{"ok":false,"message":"验证数据有误，请刷新后重试"}`},
		{"", errors.New("database is on fire"), `{"ok":false,"message":"系统繁忙，请稍后再试"}`},
		{"", nil, `{"ok":false,"message":"验证失败，请重试"}`},
	}
	for _, c := range cases {
		if got := string(captcha.ResultJSON(c.tok, c.err)); got != c.want {
			t.Errorf("ResultJSON(%q, %v) = %s, want %s", c.tok, c.err, got, c.want)
		}
	}
	if captcha.Message(nil) != "" || captcha.FormMessage(nil) != "" {
		t.Error("a message for nil")
	}
	// Database details never reach the person.
	if m := captcha.FormMessage(fmt.Errorf("captcha: redeem: %w", store.ErrNotFound)); strings.Contains(m, "store") {
		t.Errorf("form message leaks: %q", m)
	}
}
