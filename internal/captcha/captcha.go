package captcha

import (
	"context"
	"errors"
	"time"
)

// Service is what the web hall needs of the captcha: a challenge to show, the
// check of a solution, and the proof a form submits. *Puzzles implements it; a
// handler test may use a fake.
type Service interface {
	// New draws a challenge for purpose, bound to binding. See Puzzles.New.
	New(ctx context.Context, purpose, binding string) (Challenge, error)
	// Verify checks a solution once and returns a pass token. See Puzzles.Verify.
	Verify(ctx context.Context, id, binding string, a Answer) (passToken string, err error)
	// Redeem consumes a pass token once. See Puzzles.Redeem.
	Redeem(ctx context.Context, passToken, purpose, binding string) error
}

var _ Service = (*Puzzles)(nil)

// Purposes used by the hall. A purpose is any name of 1–32 characters from a-z,
// 0-9 and '-'; a pass token is redeemed only for the purpose of its challenge.
const (
	PurposeLogin   = "login"   // L1–L6 after a few failed logins
	PurposeRecover = "recover" // P1 password recovery, after 填写账号信息
)

// Challenge is what the page shows: the background with the gap, the piece, and
// where the piece sits vertically. It holds no answer: the gap's x stays in the
// database.
type Challenge struct {
	ID            string // opaque, 32 random bytes in base64url
	Purpose       string
	BackgroundPNG []byte // Width × Height, opaque
	PiecePNG      []byte // PieceWidth × PieceHeight, with alpha
	PieceY        int    // top of the piece in background pixels
	Width, Height int    // of the background
	PieceWidth    int
	PieceHeight   int
	MaxX          int // the largest x the piece can be dragged to
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// Answer is a person's solution as the widget reports it. All coordinates are in
// background pixels, whatever size the page shows the image at.
type Answer struct {
	// X is where the person released the piece: its left edge, 0 at the start.
	X float64
	// DurationMs is the time from pressing the handle (or the first key) to the
	// release (or Enter).
	DurationMs int
	// Track is the movement, first point at the press.
	Track []Point
	// Keyboard marks a solution made with the arrow keys: the track is then a
	// series of key steps of at most KeyStep pixels on the horizontal line.
	Keyboard bool
}

// Point is one sample of the movement: the piece's x, the pointer's vertical
// offset from where it was pressed (0 for keys), and the milliseconds since the
// press.
type Point struct {
	X, Y, T float64
}

// KeyStep is the largest move of one key press (Shift+arrow, PageUp/PageDown); a
// plain arrow moves 1 pixel. slider-captcha.js uses the same numbers.
const KeyStep = 10

// Sentinel errors; each method says which it returns and when. Message turns them
// into the text for the widget, FormMessage into the text beside a form.
var (
	// ErrNotFound: no such challenge or pass token, or it belongs to another
	// binding (browser) or, for Redeem, another purpose.
	ErrNotFound = errors.New("captcha: not found")
	// ErrExpired: the challenge or the pass token timed out.
	ErrExpired = errors.New("captcha: expired")
	// ErrUsed: the challenge was verified already (right or wrong), or the pass
	// token was redeemed already.
	ErrUsed = errors.New("captcha: already used")
	// ErrWrong: the solution was refused (wrong position, too fast or too slow, or
	// an implausible movement). The wrapped text says which, for the log only.
	ErrWrong = errors.New("captcha: wrong solution")
	// ErrTooMany: the binding asked for more challenges than Config.MaxPerBinding
	// within one TTL. New returns it as a *TooManyError, which says when the
	// binding may draw again.
	ErrTooMany = errors.New("captcha: too many challenges")
	// ErrMalformed: ParseAnswer could not read the request body.
	ErrMalformed = errors.New("captcha: malformed answer")
	// ErrInvalid: a bad argument from the calling code (a programming error), such
	// as an empty binding or a malformed purpose.
	ErrInvalid = errors.New("captcha: invalid argument")
)

// TooManyError is New's refusal of a binding that drew Config.MaxPerBinding
// challenges within one TTL: Until is when enough of them have aged out for it to
// draw again (UTC), for the answer's Retry-After. It matches ErrTooMany.
type TooManyError struct {
	Until time.Time
}

func (e *TooManyError) Error() string {
	return ErrTooMany.Error() + " until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes a TooManyError match ErrTooMany.
func (e *TooManyError) Is(target error) bool { return target == ErrTooMany }

// Message returns the Simplified Chinese text the widget shows for an error of
// New or Verify (or ParseAnswer): the generic "busy" text for failures of the
// database, whose details belong in the log. It returns "" for nil.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrWrong):
		return "验证失败，请重试"
	case errors.Is(err, ErrExpired):
		return "验证已过期，请刷新"
	case errors.Is(err, ErrUsed):
		return "验证已失效，请刷新后重试"
	case errors.Is(err, ErrNotFound):
		return "验证无效，请刷新后重试"
	case errors.Is(err, ErrMalformed):
		return "验证数据有误，请刷新后重试"
	case errors.Is(err, ErrTooMany):
		return "操作过于频繁，请稍后再试"
	}
	return "系统繁忙，请稍后再试"
}

// FormMessage returns the text to show beside the captcha of a form whose
// submission Redeem refused: the person has to solve the puzzle (again). It
// returns "" for nil.
func FormMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNotFound):
		return "请先拖动滑块完成拼图验证"
	case errors.Is(err, ErrExpired):
		return "滑块验证已过期，请重新验证"
	case errors.Is(err, ErrUsed):
		return "滑块验证已失效，请重新验证"
	}
	return "系统繁忙，请稍后再试"
}

func validPurpose(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
