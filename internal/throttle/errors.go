package throttle

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrLocked: a key has reached LockAfter attempts and its lock has not run out.
	// Begin returns it as a *LockedError, which carries the time.
	//
	// Callers tell the person that attempts are paused, until when, and how to
	// recover the password (see "Rules for callers" in the package doc), whatever
	// the password: it is not checked while locked. Since unknown logins are
	// counted like accounts and reach the lock at the same count, the pause tells
	// nobody whether an account exists; it must never say whether the password
	// was right.
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
// true for it. Until is what the person is told (see ErrLocked); Key is for logs.
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
