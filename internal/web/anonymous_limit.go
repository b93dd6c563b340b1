package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"hall/internal/throttle"
)

// Anonymous writes (用户申诉, slider puzzles) are rate-limited per client address with
// throttle scopes whose successes count too (KeepOnSuccess): each one costs the hall
// something whatever its outcome. The count is taken before the work, so concurrent
// requests cannot pass the limit, and a refused request does no work at all.

// MsgTooMany is the refusal, with the time the address may try again.
const MsgTooMany = "提交过于频繁，请于 %s 后再试"

// AnonymousRateError is AnonymousReserve's refusal: the address has had its share until Until.
type AnonymousRateError struct{ Until time.Time }

func (e *AnonymousRateError) Error() string {
	return "web: rate limited until " + e.Until.UTC().Format(time.RFC3339)
}

// Message is the refusal for the person, with the time in Asia/Shanghai.
func (e *AnonymousRateError) Message() string {
	return fmt.Sprintf(MsgTooMany, e.Until.In(Shanghai).Format("15:04"))
}

// SetRetryAfter tells the client, as every 429 of the hall does, in how many
// seconds (at least 1) the address may try again.
func (e *AnonymousRateError) SetRetryAfter(w http.ResponseWriter, now time.Time) {
	SetRetryAfter(w, e.Until, now)
}

// SetRetryAfter sets a 429's Retry-After to the seconds (at least 1) from now until
// the refusal's lock ends. A 429 without it gets a default (statusWriter).
func SetRetryAfter(w http.ResponseWriter, until, now time.Time) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(until.Sub(now).Seconds()+0.5))))
}

// AnonymousReserve counts one request of the client's address in scope. A refusal is an
// *AnonymousRateError; any other error is a database failure (fail closed: do nothing).
// Report the outcome on the ticket: Succeeded when the work was done, Cancel when
// it was not (a refused form), so that typing mistakes cost nothing.
func (s *Server) AnonymousReserve(r *http.Request, scope throttle.Scope) (throttle.Ticket, error) {
	return s.AnonymousReserveKeys(r, []throttle.Key{s.Throttle.AddrKey(scope, ClientAddr(r))})
}

// AnonymousReserveKeys is AnonymousReserve on several keys at once (the client's
// address and what the request names, such as a USCC), in one throttle.Begin: the
// request is counted on all or on none, and a refusal on any key is the same
// *AnonymousRateError, whichever key refused.
func (s *Server) AnonymousReserveKeys(r *http.Request, keys []throttle.Key) (throttle.Ticket, error) {
	tk, err := s.Throttle.Begin(r.Context(), keys)
	var locked *throttle.LockedError
	switch {
	case errors.As(err, &locked):
		return tk, &AnonymousRateError{Until: locked.Until}
	case errors.Is(err, throttle.ErrCaptchaRequired):
		// The anonymous scopes lock where they would ask for the captcha; a
		// configuration that asks earlier is refused until the longest window ends.
		var window time.Duration
		for _, k := range keys {
			l, _ := s.Throttle.Limits(k.Scope())
			window = max(window, l.Window)
		}
		return tk, &AnonymousRateError{Until: s.Now().Add(window)}
	}
	return tk, err
}

// AnonymousDone reports the outcome of a reserved request (see AnonymousReserve).
func (s *Server) AnonymousDone(r *http.Request, tk throttle.Ticket, done bool) {
	s.TicketDone(r, tk, done, "anonymous rate limit outcome")
}

// TicketDone reports a ticket of a scope that counts every request done
// (KeepOnSuccess): Succeeded when the work was done, Cancel when it was not. A
// failure to report is logged as what: the request has had its answer.
func (s *Server) TicketDone(r *http.Request, tk throttle.Ticket, done bool, what string) {
	ctx := context.WithoutCancel(r.Context())
	var err error
	if done {
		err = tk.Succeeded(ctx)
	} else {
		err = tk.Cancel(ctx)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, what, "err", err, "request_id", RequestID(ctx))
	}
}
