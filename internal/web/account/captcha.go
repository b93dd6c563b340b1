package account

import (
	"encoding/json"
	"errors"
	"fmt"
	"hall/internal/web"
	"io"
	"net/http"

	"hall/internal/captcha"
	"hall/internal/throttle"
)

// The slider captcha's two JSON endpoints (captcha package documentation, "Web side"):
// the widget (static/js/slider-captcha.js) draws a puzzle from GET /captcha/new and
// posts the person's drag to POST /captcha/verify, which answers with a pass token that
// the guarded form submits as captcha_token. Challenges and tokens are bound to the
// Visitor's browser binding.

// captchaPurposes are the purposes a page may ask a puzzle for.
var captchaPurposes = map[string]bool{captcha.PurposeLogin: true, captcha.PurposeRecover: true}

// captchaMsgTooMany is the refusal of a puzzle beyond the address's rate.
const captchaMsgTooMany = "拼图验证请求过于频繁，请于 %s 后再试"

// captchaNew is GET /captcha/new?purpose=P. Drawing a puzzle costs milliseconds of
// CPU, so puzzles are counted per client address first (throttle scope
// captcha-addr, across browsers: a client that drops its cookie is still one
// address); beyond the rate the answer is 429 with the time to come back, and no
// puzzle is drawn.
func (s *handler) captchaNew(w http.ResponseWriter, r *http.Request) error {
	purpose := r.URL.Query().Get("purpose")
	if !captchaPurposes[purpose] {
		s.captchaJSON(w, http.StatusBadRequest, captchaFailure(captcha.ErrInvalid))
		return nil
	}
	tk, err := s.AnonymousReserve(r, throttle.ScopeCaptchaAddr)
	var limited *web.AnonymousRateError
	if errors.As(err, &limited) {
		limited.SetRetryAfter(w, s.Now())
		s.captchaJSON(w, http.StatusTooManyRequests, captchaMessage(fmt.Sprintf(captchaMsgTooMany, limited.Until.In(web.Shanghai).Format("15:04"))))
		return nil
	} else if err != nil {
		return err
	}
	ch, err := s.Captcha.New(r.Context(), purpose, web.VisitorFrom(r.Context()).Binding)
	s.AnonymousDone(r, tk, err == nil)
	switch {
	case errors.Is(err, captcha.ErrTooMany):
		var tooMany *captcha.TooManyError
		if errors.As(err, &tooMany) {
			web.SetRetryAfter(w, tooMany.Until, s.Now())
		}
		s.captchaJSON(w, http.StatusTooManyRequests, captchaFailure(err))
		return nil
	case errors.Is(err, captcha.ErrInvalid):
		s.captchaJSON(w, http.StatusBadRequest, captchaFailure(err))
		return nil
	case err != nil:
		s.Log.ErrorContext(r.Context(), "captcha new", "err", err, "request_id", web.RequestID(r.Context()))
		s.captchaJSON(w, http.StatusInternalServerError, captchaFailure(err))
		return nil
	}
	body, err := captcha.ChallengeJSON(ch)
	if err != nil {
		return err
	}
	s.captchaJSON(w, http.StatusOK, body)
	return nil
}

// captchaVerify is POST /captcha/verify: the answer as JSON, the result as JSON with
// status 200 either way (the widget treats any other status as a failure).
func (s *handler) captchaVerify(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, captcha.MaxAnswerBytes))
	if err != nil {
		s.captchaJSON(w, http.StatusOK, captcha.ResultJSON("", captcha.ErrMalformed))
		return nil
	}
	id, answer, err := captcha.ParseAnswer(body)
	if err != nil {
		s.captchaJSON(w, http.StatusOK, captcha.ResultJSON("", err))
		return nil
	}
	tok, err := s.Captcha.Verify(r.Context(), id, web.VisitorFrom(r.Context()).Binding, answer)
	if err != nil && !errors.Is(err, captcha.ErrWrong) && !errors.Is(err, captcha.ErrNotFound) &&
		!errors.Is(err, captcha.ErrExpired) && !errors.Is(err, captcha.ErrUsed) {
		s.Log.ErrorContext(r.Context(), "captcha verify", "err", err, "request_id", web.RequestID(r.Context()))
	}
	s.captchaJSON(w, http.StatusOK, captcha.ResultJSON(tok, err))
	return nil
}

// captchaFailure is the {"ok": false, "message": …} body of a refused request.
func captchaFailure(err error) []byte { return captchaMessage(captcha.Message(err)) }

// captchaMessage is the {"ok": false, "message": msg} body.
func captchaMessage(msg string) []byte {
	b, _ := json.Marshal(struct {
		OK      bool   `json:"ok"`
		Message string `json:"message"`
	}{false, msg})
	return b
}

func (s *handler) captchaJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// #nosec G705 -- JSON the hall encoded, served as application/json.
	_, _ = w.Write(body)
}
