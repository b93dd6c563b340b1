package captcha_test

import (
	"bytes"
	"errors"
	"image/png"
	"testing"
	"time"

	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestSolveAndRedeem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		p := newPuzzles(t, db, clk, captcha.Config{})
		ch := mustNew(t, p, captcha.PurposeRecover, browserA)

		if ch.Width != 300 || ch.Height != 150 || ch.PieceWidth != captcha.PieceSize || ch.MaxX != 300-captcha.PieceSize {
			t.Errorf("sizes %d×%d, piece %d, max x %d", ch.Width, ch.Height, ch.PieceWidth, ch.MaxX)
		}
		if want := clk.Now().Add(2 * time.Minute).Truncate(time.Microsecond); !ch.ExpiresAt.Equal(want) {
			t.Errorf("expires %v, want %v", ch.ExpiresAt, want)
		}
		for name, b := range map[string][]byte{"background": ch.BackgroundPNG, "piece": ch.PiecePNG} {
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			w, h := ch.Width, ch.Height
			if name == "piece" {
				w, h = ch.PieceWidth, ch.PieceHeight
			}
			if cfg.Width != w || cfg.Height != h {
				t.Errorf("%s is %d×%d, want %d×%d", name, cfg.Width, cfg.Height, w, h)
			}
		}
		x, y, err := captchatest.Solution(ctx, db, ch.ID)
		if err != nil {
			t.Fatal(err)
		}
		if y != ch.PieceY || x < captcha.PieceSize+20 || x > ch.MaxX {
			t.Errorf("answer (%d, %d), piece y %d", x, y, ch.PieceY)
		}

		clk.Add(1500 * time.Millisecond) // the person looks and drags
		tok, err := p.Verify(ctx, ch.ID, browserA, captchatest.HumanDrag(float64(x)+1.5, 3))
		if err != nil {
			t.Fatalf("Verify of a correct human drag: %v", err)
		}
		if len(tok) != 43 || tok == ch.ID {
			t.Fatalf("pass token %q", tok)
		}
		// A solved captcha cannot be solved again.
		if _, err := p.Verify(ctx, ch.ID, browserA, captchatest.HumanDrag(float64(x), 4)); !errors.Is(err, captcha.ErrUsed) {
			t.Errorf("second Verify: %v, want ErrUsed", err)
		}
		clk.Add(30 * time.Second) // filling in the rest of the form
		if err := p.Redeem(ctx, tok, captcha.PurposeRecover, browserA); err != nil {
			t.Fatalf("Redeem: %v", err)
		}
		if err := p.Redeem(ctx, tok, captcha.PurposeRecover, browserA); !errors.Is(err, captcha.ErrUsed) {
			t.Errorf("second Redeem: %v, want ErrUsed", err)
		}
		// The token is stored hashed only.
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM captcha_challenges WHERE pass_hash = ? OR id = ?", tok, tok).Scan(&n); err != nil || n != 0 {
			t.Errorf("pass token stored in clear (%d rows, %v)", n, err)
		}
	})
}

func TestWrongSolutionBurnsChallenge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		cases := []struct {
			name   string
			answer func(x int) captcha.Answer
		}{
			{"wrong position", func(x int) captcha.Answer { return captchatest.HumanDrag(float64(x+30), 5) }},
			{"too fast", func(x int) captcha.Answer {
				a := captchatest.HumanDrag(float64(x), 5)
				for i := range a.Track {
					a.Track[i].T /= 10
				}
				a.DurationMs /= 10
				return a
			}},
			{"straight line at constant speed", func(x int) captcha.Answer { return captchatest.Robot(float64(x), 800) }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ch := mustNew(t, p, captcha.PurposeLogin, browserA)
				x := solution(t, db, ch.ID)
				_, err := p.Verify(ctx, ch.ID, browserA, c.answer(x))
				if !errors.Is(err, captcha.ErrWrong) {
					t.Fatalf("Verify: %v, want ErrWrong", err)
				}
				if msg := captcha.Message(err); msg != "验证失败，请重试" {
					t.Errorf("message %q", msg)
				}
				// The failure used the challenge up: the right answer comes too late.
				_, err = p.Verify(ctx, ch.ID, browserA, captchatest.HumanDrag(float64(x), 6))
				if !errors.Is(err, captcha.ErrUsed) {
					t.Errorf("correct Verify after a failed one: %v, want ErrUsed", err)
				}
				var result string
				if err := db.QueryRow(ctx, "SELECT result FROM captcha_challenges WHERE id = ?", ch.ID).Scan(&result); err != nil || result != "failed" {
					t.Errorf("stored result %q (%v), want failed", result, err)
				}
			})
		}
	})
}

// TestKeyboardWrongPosition: a keyboard answer ending beside the gap (3 px, which
// a drag may) is refused and uses the challenge up like any wrong answer.
func TestKeyboardWrongPosition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		ch := mustNew(t, p, captcha.PurposeLogin, browserA)
		x := solution(t, db, ch.ID)
		if _, err := p.Verify(t.Context(), ch.ID, browserA, captchatest.Keyboard(x+3)); !errors.Is(err, captcha.ErrWrong) {
			t.Fatalf("keyboard answer 3 px off: %v, want ErrWrong", err)
		}
		if _, err := p.Verify(t.Context(), ch.ID, browserA, captchatest.Keyboard(x)); !errors.Is(err, captcha.ErrUsed) {
			t.Errorf("right keyboard answer after a wrong one: %v, want ErrUsed", err)
		}
	})
}

func TestKeyboardSolution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		ch := mustNew(t, p, captcha.PurposeLogin, browserA)
		tok, err := p.Verify(t.Context(), ch.ID, browserA, captchatest.Keyboard(solution(t, db, ch.ID)))
		if err != nil {
			t.Fatalf("Verify of a keyboard solution: %v", err)
		}
		if err := p.Redeem(t.Context(), tok, captcha.PurposeLogin, browserA); err != nil {
			t.Fatalf("Redeem: %v", err)
		}
	})
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		p := newPuzzles(t, db, clk, captcha.Config{TTL: time.Minute, PassTTL: 90 * time.Second})

		ch := mustNew(t, p, captcha.PurposeLogin, browserA)
		x := solution(t, db, ch.ID)
		clk.Add(time.Minute)
		_, err := p.Verify(ctx, ch.ID, browserA, captchatest.HumanDrag(float64(x), 1))
		if !errors.Is(err, captcha.ErrExpired) {
			t.Fatalf("Verify at expiry: %v, want ErrExpired", err)
		}
		if msg := captcha.Message(err); msg != "验证已过期，请刷新" {
			t.Errorf("message %q", msg)
		}

		ch = mustNew(t, p, captcha.PurposeLogin, browserA)
		clk.Add(59 * time.Second)
		tok, err := p.Verify(ctx, ch.ID, browserA, captchatest.HumanDrag(float64(solution(t, db, ch.ID)), 1))
		if err != nil {
			t.Fatalf("Verify just before expiry: %v", err)
		}
		clk.Add(90 * time.Second)
		if err := p.Redeem(ctx, tok, captcha.PurposeLogin, browserA); !errors.Is(err, captcha.ErrExpired) {
			t.Errorf("Redeem after PassTTL: %v, want ErrExpired", err)
		}
		if msg := captcha.FormMessage(captcha.ErrExpired); msg == "" {
			t.Error("no form message for ErrExpired")
		}

		// Sweep removes what expired long ago and keeps the rest.
		fresh := mustNew(t, p, captcha.PurposeLogin, browserA)
		n, err := p.Sweep(ctx, time.Minute)
		if err != nil || n != 1 {
			t.Errorf("Sweep: %d, %v; want the first challenge only", n, err)
		}
		clk.Add(time.Hour)
		if n, err := p.Sweep(ctx, time.Minute); err != nil || n != 2 {
			t.Errorf("Sweep an hour later: %d, %v; want 2", n, err)
		}
		if _, _, err := captchatest.Solution(ctx, db, fresh.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("swept challenge still there: %v", err)
		}
	})
}

func TestBinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		ch := mustNew(t, p, captcha.PurposeRecover, browserA)
		a := captchatest.HumanDrag(float64(solution(t, db, ch.ID)), 9)

		// Another browser holding the ID neither solves nor burns it.
		if _, err := p.Verify(ctx, ch.ID, browserB, a); !errors.Is(err, captcha.ErrNotFound) {
			t.Fatalf("Verify from another browser: %v, want ErrNotFound", err)
		}
		for _, id := range []string{"", "short", ch.ID[:42] + "!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
			if _, err := p.Verify(ctx, id, browserA, a); !errors.Is(err, captcha.ErrNotFound) {
				t.Errorf("Verify(%q): %v, want ErrNotFound", id, err)
			}
		}
		if _, err := p.Verify(ctx, ch.ID, "", a); !errors.Is(err, captcha.ErrNotFound) {
			t.Errorf("Verify with an empty binding: %v, want ErrNotFound", err)
		}
		tok, err := p.Verify(ctx, ch.ID, browserA, a)
		if err != nil {
			t.Fatalf("Verify from the right browser after the others: %v", err)
		}

		// The token is for its purpose and browser only, and a refusal does not
		// spend it.
		for _, c := range []struct{ tok, purpose, binding string }{
			{tok, captcha.PurposeRecover, browserB},
			{tok, captcha.PurposeLogin, browserA},
			{tok, "Bad Purpose", browserA},
			{tok, captcha.PurposeRecover, ""},
			{"", captcha.PurposeRecover, browserA},
			{ch.ID, captcha.PurposeRecover, browserA},
		} {
			if err := p.Redeem(ctx, c.tok, c.purpose, c.binding); !errors.Is(err, captcha.ErrNotFound) {
				t.Errorf("Redeem(%.6s…, %q, %q): %v, want ErrNotFound", c.tok, c.purpose, c.binding, err)
			}
		}
		if msg := captcha.FormMessage(captcha.ErrNotFound); msg != "请先拖动滑块完成拼图验证" {
			t.Errorf("form message %q", msg)
		}
		if err := p.Redeem(ctx, tok, captcha.PurposeRecover, browserA); err != nil {
			t.Fatalf("Redeem by the right browser: %v", err)
		}
	})
}

func TestRedeemInCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		tok := solve(t, db, p, captcha.PurposeLogin, browserA)
		// The step it guards fails: the token is not spent.
		stepFailed := errors.New("step failed")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := p.RedeemTx(ctx, tx, tok, captcha.PurposeLogin, browserA); err != nil {
				return err
			}
			return stepFailed
		})
		if !errors.Is(err, stepFailed) {
			t.Fatalf("transaction: %v", err)
		}
		if err := p.Redeem(ctx, tok, captcha.PurposeLogin, browserA); err != nil {
			t.Fatalf("Redeem after the rolled-back one: %v", err)
		}
		if err := p.RedeemTx(ctx, nil, tok, captcha.PurposeLogin, browserA); !errors.Is(err, captcha.ErrInvalid) {
			t.Errorf("RedeemTx without a transaction: %v", err)
		}
	})
}
