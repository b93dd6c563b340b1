package verify

import (
	"context"
	"errors"
	"sync/atomic"
)

// DevProviderName is the Provider.Name of DevProvider, stored on its sessions.
const DevProviderName = "dev"

// DevProvider is the DEVELOPMENT face check: the companion app's own confirmation
// screen stands in for a face verification service, so a fresh machine with no
// network can run every flow. The screen must show DevLabel, the purpose
// (PurposeLabel) and the masked expected person (Person.Masked), and offer 确认 and
// 拒绝, which call CompleteInApp with the person logged in to the app.
//
// It keeps the rules of the real thing: the session expires, it takes one result,
// and it passes only for the expected person. It checks no face, so it must never be
// configured in production; sessions it starts carry Provider "dev", and
// CompleteInApp refuses sessions of any other provider.
type DevProvider struct {
	svc atomic.Pointer[Service]
}

var (
	_ Provider = (*DevProvider)(nil)
	_ attacher = (*DevProvider)(nil)
)

// NewDevProvider returns a development provider; pass it to New.
func NewDevProvider() *DevProvider { return &DevProvider{} }

// Name returns DevProviderName.
func (*DevProvider) Name() string { return DevProviderName }

// Begin has nothing to register: the session's link opens the app's own screen.
func (*DevProvider) Begin(context.Context, Session) (string, string, error) { return "", "", nil }

func (p *DevProvider) attach(s *Service) { p.svc.Store(s) }

// CompleteInApp records the app user's answer for session id. actor is the person
// logged in to the companion app. The session passes only if approve is true and
// actor is the expected person (Person.Same); if another person approves it fails
// with ResultNote NoteNotSelf, and 拒绝 (approve false) fails it with NoteRefused.
// A failed session is a result like a passed one: the error is nil and the
// returned session says Failed.
//
// Errors: ErrNotFound for an unknown ID; ErrExpired when the session timed out;
// ErrUsed when it already has a result (of concurrent calls exactly one records
// its answer); ErrWrongProvider for a session of another provider; otherwise
// database failures.
func (p *DevProvider) CompleteInApp(ctx context.Context, id string, actor Person, approve bool) (Session, error) {
	svc := p.svc.Load()
	if svc == nil {
		return Session{}, errors.New("verify: DevProvider is not attached to a Service (pass it to New)")
	}
	return svc.finish(ctx, id, DevProviderName, func(s Session) (Status, string) {
		switch {
		case !approve:
			return Failed, NoteRefused
		case !actor.Same(s.Expected):
			return Failed, NoteNotSelf
		}
		return Passed, ""
	})
}
