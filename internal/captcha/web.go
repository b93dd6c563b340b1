package captcha

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hall/internal/token"
	"io"
	"math"
)

// Limits of a verify request body (see ParseAnswer).
const (
	// MaxAnswerBytes bounds the body; a handler reads at most this much (for example
	// with http.MaxBytesReader) before calling ParseAnswer.
	MaxAnswerBytes = 32 << 10
	// MaxTrackPoints bounds the track; the widget thins a long drag to stay under it.
	MaxTrackPoints = 500
	// maxMillis bounds every time in a request (10 minutes).
	maxMillis = 600_000
	// maxCoord bounds every coordinate in a request.
	maxCoord = 1000
)

// FormField is the default name of the hidden input that carries the pass token
// in a form (the widget's data-captcha-field).
const FormField = "captcha_token"

// challengeJSON is the answer of GET /captcha/new; see the package documentation.
type challengeJSON struct {
	ID          string `json:"id"`
	Background  string `json:"background"`
	Piece       string `json:"piece"`
	PieceY      int    `json:"pieceY"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	PieceWidth  int    `json:"pieceWidth"`
	PieceHeight int    `json:"pieceHeight"`
	MaxX        int    `json:"maxX"`
	KeyStep     int    `json:"keyStep"`
	ExpiresIn   int    `json:"expiresIn"` // seconds
}

// ChallengeJSON encodes ch for the widget: the images as data: URLs, the piece's
// vertical position and the sizes, never the answer. The error is only ever a
// failure of encoding/json.
func ChallengeJSON(ch Challenge) ([]byte, error) {
	return json.Marshal(challengeJSON{
		ID:          ch.ID,
		Background:  dataURL(ch.BackgroundPNG),
		Piece:       dataURL(ch.PiecePNG),
		PieceY:      ch.PieceY,
		Width:       ch.Width,
		Height:      ch.Height,
		PieceWidth:  ch.PieceWidth,
		PieceHeight: ch.PieceHeight,
		MaxX:        ch.MaxX,
		KeyStep:     KeyStep,
		ExpiresIn:   int(ch.ExpiresAt.Sub(ch.CreatedAt).Seconds()),
	})
}

func dataURL(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// answerJSON is the body of POST /captcha/verify.
type answerJSON struct {
	ID         string      `json:"id"`
	X          float64     `json:"x"`
	DurationMs int         `json:"durationMs"`
	Track      []pointJSON `json:"track"`
	Keyboard   bool        `json:"keyboard"`
}

type pointJSON struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	T float64 `json:"t"`
}

// ParseAnswer reads the body the widget posts to verify: the challenge ID and the
// solution. It checks the form, not the solution: a well-formed body with an
// unknown ID or an implausible track is Verify's to refuse.
//
// Errors wrap ErrMalformed: a body larger than MaxAnswerBytes, not one JSON object
// of the documented fields, a malformed ID, more than MaxTrackPoints points, or a
// number out of range (times 0–600000 ms, coordinates within ±1000).
func ParseAnswer(body []byte) (id string, a Answer, err error) {
	if len(body) > MaxAnswerBytes {
		return "", Answer{}, fmt.Errorf("%w: body of %d bytes", ErrMalformed, len(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in answerJSON
	if err := dec.Decode(&in); err != nil {
		return "", Answer{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", Answer{}, fmt.Errorf("%w: data after the object", ErrMalformed)
	}
	switch {
	case !token.Valid(in.ID):
		return "", Answer{}, fmt.Errorf("%w: challenge id", ErrMalformed)
	case len(in.Track) > MaxTrackPoints:
		return "", Answer{}, fmt.Errorf("%w: track of %d points", ErrMalformed, len(in.Track))
	case !inRange(in.X, maxCoord) || in.DurationMs < 0 || in.DurationMs > maxMillis:
		return "", Answer{}, fmt.Errorf("%w: x or duration out of range", ErrMalformed)
	}
	a = Answer{X: in.X, DurationMs: in.DurationMs, Keyboard: in.Keyboard, Track: make([]Point, len(in.Track))}
	for i, p := range in.Track {
		if !inRange(p.X, maxCoord) || !inRange(p.Y, maxCoord) || !(p.T >= 0 && p.T <= maxMillis) {
			return "", Answer{}, fmt.Errorf("%w: track point %d out of range", ErrMalformed, i)
		}
		a.Track[i] = Point(p)
	}
	return in.ID, a, nil
}

func inRange(v, limit float64) bool { return !math.IsNaN(v) && v >= -limit && v <= limit }

// resultJSON is the answer of POST /captcha/verify.
type resultJSON struct {
	OK      bool   `json:"ok"`
	Token   string `json:"token,omitempty"`
	Message string `json:"message"`
}

// ResultJSON encodes the outcome of Verify (or of ParseAnswer, with an empty
// token) for the widget: {"ok":true,"token":…,"message":"验证通过"} on success,
// {"ok":false,"message":…} with Message(err) otherwise. The handler sends it with
// status 200 either way; the widget treats any other status as a failure.
func ResultJSON(passToken string, err error) []byte {
	r := resultJSON{OK: true, Token: passToken, Message: "验证通过"}
	if err != nil || passToken == "" {
		r = resultJSON{Message: Message(err)}
		if err == nil {
			r.Message = Message(ErrWrong)
		}
	}
	b, _ := json.Marshal(r) // strings and a bool cannot fail to encode
	return b
}
