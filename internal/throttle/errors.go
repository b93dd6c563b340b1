package throttle

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrLocked: a key has reached LockAfter attempts and its lock has not run out.
	// Begin returns it as a *LockedError, which carries the time for the log.
	//
	// Callers MUST NOT show a person anything that differs from a wrong password:
	// not the word "locked", not the time, not another page or status code. The
	// message, the form and the captcha (from Status) must be exactly those of a
	// wrong password, so that nobody can learn that an account exists, or that its
	// password was right, from the answer (QUALITY.md "Failed logins").
	ErrLocked = errors.New("throttle: locked")
	// ErrCaptchaRequired: a key has reached CaptchaAfter attempts and Begin was not
	// given WithCaptchaSolved. Show the slider captcha (State.UserMessage has the
	// hint) and let the person submit again. The attempt was not counted.
	ErrCaptchaRequired = errors.New("throttle: captcha required")
	// ErrInvalidKey is wrapped by the errors Begin and Status return for no keys, a
	// zero Key or a scope the Config does not have: a programming error of the
	// caller, not something a person did.
	ErrInvalidKey = errors.New("throttle: invalid key")
)

// LockedError is Begin's refusal for a locked key. errors.Is(err, ErrLocked) is
// true for it. It is for logs and metrics only; see ErrLocked for what to show.
type LockedError struct {
	Key   Key       // the locked key (the one locked longest when several are)
	Until time.Time // when the lock runs out, UTC
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("throttle: %s locked until %s", e.Key, e.Until.UTC().Format(time.RFC3339))
}

// Is makes a LockedError match ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

var _ error = (*LockedError)(nil)

// CaptchaHint is State.UserMessage's text: the seed's wording for the slider puzzle.
const CaptchaHint = "请拖动滑块完成拼图验证"
