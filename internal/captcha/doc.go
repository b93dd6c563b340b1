// Package captcha is the hall's slider-puzzle captcha (拖动滑块完成拼图): SPEC P1
// (password recovery) and the failed-login rule of L1–L6 (QUALITY "Failed logins").
//
// The server draws every picture itself: a 300×150 background from a random
// gradient, translucent shapes and grey noise (math/rand/v2 ChaCha8 seeded from
// crypto/rand, image/draw, PNG from the standard library), cuts a jigsaw piece (a
// square with a round knob on top and on the right, PieceSize×PieceSize with alpha
// and a light outline) at a random position well away from the left edge, and only
// then darkens the gap it leaves. The page gets the two images and the piece's
// vertical position; the gap's x stays in the database (captcha_challenges).
//
// The person drags the piece along (or moves it with the arrow keys), the widget
// reports where it was released with the movement that led there, and Verify
// checks, once per challenge: the position within Config.Tolerance, the duration,
// and that the movement looks like a hand (see judge.go: it starts at 0, ends
// where released, no jumps, and not at a constant speed — a hand speeds up and
// slows down). A keyboard solution is a series of key steps instead and is judged
// on the position and duration only. The first Verify uses the challenge up, right
// or wrong; a right one returns a pass token. The form the captcha guards submits
// that token (hidden input FormField), and the handler of the form calls Redeem,
// which accepts it once, for the challenge's purpose and browser, within
// Config.PassTTL. Pages thus prove a solved captcha to the server without trusting
// any script.
//
// Everything lives in the database, so several hall processes share challenges.
// Sweep removes old rows. This captcha keeps simple scripts and mass guessing out
// (one guess per picture, MaxPerBinding pictures per browser per TTL); like every
// slider captcha it does not stop a determined solver with image analysis, which is
// why the login also throttles and locks (internal/auth).
//
// # Web side
//
// A page includes static/js/slider-captcha.js and an element
//
//	<div class="slider-captcha" data-captcha-new="/captcha/new?purpose=recover"
//	     data-captcha-verify="/captcha/verify" data-captcha-field="captcha_token">
//	  <noscript>请启用浏览器的 JavaScript 以完成滑块验证。</noscript>
//	</div>
//
// inside the form it guards. The widget writes the pass token into the hidden input
// named by data-captcha-field (in the form, or one it adds to the element) and
// fires a "captcha:passed" event on the element; "captcha:reset" when the token is
// cleared. The two handlers:
//
// GET /captcha/new?purpose=P — Puzzles.New(ctx, P, binding) and, with status 200,
// Content-Type application/json and Cache-Control no-store, ChallengeJSON:
//
//	{"id": "<43 chars>", "background": "data:image/png;base64,…",
//	 "piece": "data:image/png;base64,…", "pieceY": 37, "width": 300, "height": 150,
//	 "pieceWidth": 55, "pieceHeight": 55, "maxX": 245, "keyStep": 10, "expiresIn": 120}
//
// Errors: status 429 for ErrTooMany, 400 for ErrInvalid (an unknown purpose), 500
// otherwise, each with {"ok": false, "message": Message(err)}.
//
// POST /captcha/verify, Content-Type application/json, at most MaxAnswerBytes:
//
//	{"id": "<43 chars>", "x": 173.5, "durationMs": 1240, "keyboard": false,
//	 "track": [{"x": 0, "y": 0, "t": 0}, {"x": 3.5, "y": 0.5, "t": 16.7}, …]}
//
// x is the piece's left edge when released, in background pixels (0 … maxX); each
// track point has the piece's x, the pointer's vertical offset from the press (0
// for keys) and the milliseconds since the press (or first key); at most
// MaxTrackPoints points. The handler calls ParseAnswer, then Verify, and answers
// status 200 with ResultJSON: {"ok": true, "token": "<pass token>", "message":
// "验证通过"} or {"ok": false, "message": "验证失败，请重试"} (Message).
//
// The binding is the same secret of the browser session at New, Verify and Redeem
// (for example the visitor cookie's value): a challenge or token from one browser
// is ErrNotFound in another.
//
// # Testing through the pages
//
// Package captchatest reads a challenge's answer from the database and builds a
// human-like or keyboard solution; a browser test can press → (2 px) and Shift+→
// (KeyStep px) that many times, with pauses (a solution quicker than
// Config.MinDuration is refused), and Enter. A mouse drag at constant speed in a
// straight line is refused by design.
package captcha
