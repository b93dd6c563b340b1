// Package captcha is the hall's slider-puzzle captcha (拖动滑块完成拼图): SPEC P1
// (password recovery) and the failed-login rule of L1–L6 (QUALITY "Failed logins").
//
// The server draws every picture itself (math/rand/v2 ChaCha8 seeded from
// crypto/rand, PNG from the standard library; draw.go): a 300×150 background from
// a random gradient, translucent shapes, hatching, strokes and a coarse grey
// grain; then, on one row, the gap and up to three decoy cut-outs. A piece is a
// square body whose sides each carry a knob, a notch or nothing (at least two of
// them); the gap has the piece's outline and each decoy the same with two sides
// changed. Every cut-out is drawn the same way: turned about 14° either way, with
// its own size and contour wobble, the picture inside smoothed (its grain wiped
// out), a little darker or lighter, with a faint line along its contour. They
// stand along the row in random order, with shadows and hatching beside them, so
// neither their look nor their place tells the gap. The piece is a pale tile of
// its own colour, a little smaller than its slot, with a dark line around it:
// none of its pixels comes from the picture. A person compares the knobs and
// notches of the piece with those of the four smooth slots. The page gets the two
// images and the row; the gap's x stays in the database (captcha_challenges).
//
// # What the drawing resists, and what it does not
//
// solver_test.go keeps the attacker a script kiddie writes: it decodes the two
// PNGs the API serves and looks along the row, where the gap can be (x from
// PieceSize+20), for the strongest vertical edges, the darkest place under the
// piece, the best fit of the piece's outline on the background's edge map, and
// the best correlation of the piece's pixels; it submits the x most of these
// agree on with a hand-like drag (captchatest.HumanDrag). TestSolverPassRate runs
// it over 200 challenges from a fixed seed, through ChallengeJSON and Verify
// (in about 5 s; it skips itself under the race detector, which slows its pixel
// loops tenfold and has no concurrency to check there), and
// requires that it and each of its methods pass fewer than 1 in 10:
//
//	drawing (200 challenges)          passed  edges darkness outline content
//	one dark gap, piece cut from it   200     92    195      200     200
//	smooth slots among decoys          10     18     16       12      11
//
// (the methods' columns count the challenges where that method alone found the
// gap). The defence holds against simple analysis only: a solver that looks for
// smooth patches and compares their outlines with the piece, as a person does,
// finds the gap. That is why the captcha is one guard among several: one guess
// per picture, MaxPerBinding pictures per browser, and the login throttle and
// lock (internal/auth). Drawing and encoding a puzzle costs about 8 ms of CPU
// (BenchmarkDraw; 4.3 ms before the decoys, on the same loaded machine).
//
// The person drags the piece along (or moves it with the arrow keys), the widget
// reports where it was released with the movement that led there, and Verify
// checks, once per challenge: the position within Config.Tolerance, the duration,
// and that the movement looks like a hand (see judge.go: it starts at 0, ends
// where released, no jumps, and not at a constant speed — a hand speeds up and
// slows down).
//
// A keyboard solution (for people who cannot drag) is a series of key steps
// instead. Nothing in key steps tells a person from a script, so a keyboard
// answer is rated like a guess: it skips the movement checks but must be within 2
// pixels of the gap (the arrow keys move 1 pixel, so a person gets there
// exactly), against Config.Tolerance for a drag; it uses the challenge up, right
// or wrong, and counts against MaxPerBinding like any picture; its pass token, like
// any, is redeemed once, for one guarded step. Marking a scripted answer as
// keyboard thus buys a script nothing (TestJudgeKeyboardWindow: 5 accepted places
// against a drag's 9), and the web side needs no rule of its own for it.
//
// The first Verify uses the challenge up, right or wrong; a right one returns a
// pass token. The form the captcha guards submits that token (hidden input
// FormField), and the handler of the form calls Redeem, which accepts it once,
// for the challenge's purpose and browser, within Config.PassTTL. Pages thus
// prove a solved captcha to the server without trusting any script.
//
// Everything lives in the database, so several hall processes share challenges.
// Sweep removes old rows.
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
//	 "pieceWidth": 56, "pieceHeight": 56, "maxX": 244, "keyStep": 10, "expiresIn": 120}
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
// human-like or keyboard solution; a browser test can press → (1 px) and Shift+→
// (KeyStep px) that many times, with pauses (a solution quicker than
// Config.MinDuration is refused), and Enter. A mouse drag at constant speed in a
// straight line is refused by design.
package captcha
