package verify

import (
	"context"
	"errors"
	"time"
)

// What the verify step of a flow's page shows for a session (PageState).
const (
	PagePending = "pending" // the QR code, waiting
	PagePassed  = "passed"  // move on
	PageFailed  = "failed"  // offer a new session
	PageExpired = "expired" // offer a new session
	PageUsed    = "used"    // offer a new session
)

// PageState says what a flow's page should show for a session. A passed result that
// was consumed without moving the flow on (a crash between the two, or another use)
// is used up.
func PageState(sess Session) string {
	switch {
	case sess.Status == Passed && !sess.ConsumedAt.IsZero():
		return PageUsed
	case sess.Status == Passed:
		return PagePassed
	case sess.Status == Failed:
		return PageFailed
	case sess.Status == Expired:
		return PageExpired
	}
	return PagePending
}

// PageSession reads session id (with binding) for a page: the expected person is
// masked, and a session that is gone (swept) reads as expired.
//
// Errors: database failures.
func (s *Service) PageSession(ctx context.Context, id, binding string) (Session, error) {
	sess, err := s.Status(ctx, id, binding)
	switch {
	case errors.Is(err, ErrNotFound):
		sess = Session{ID: id, Status: Expired, ResultNote: NoteTooLate}
	case err != nil:
		return Session{}, err
	}
	sess.Expected = sess.Expected.Masked()
	return sess, nil
}

// WaitStatus is Wait for a page's long poll: it answers the session's status, and a
// session that is gone (swept) is as good as expired.
//
// Errors: ctx's error when the request goes away; otherwise database failures.
func (s *Service) WaitStatus(ctx context.Context, id, binding string, maxWait time.Duration) (Status, error) {
	sess, err := s.Wait(ctx, id, binding, maxWait)
	switch {
	case errors.Is(err, ErrNotFound):
		return Expired, nil
	case err != nil:
		return "", err
	}
	return sess.Status, nil
}
