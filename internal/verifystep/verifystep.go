// Package verifystep is the face-verification step that the hall's saved flows
// share: 法定代表人注册 (unitreg), 历史单位用户升级 (upgrade) and 找回密码 (recovery,
// online and in the companion app) each keep the ID of their current verification
// session in the flow's data, start that session for the person the flow expects,
// bound to the flow's ID, replace it when the person asks for a new QR code, and let
// the page long-poll its outcome. Those three moves are the same logic in every
// flow, so they live here once.
//
// What a flow does with a passed result (consume it, compare it with the registry,
// open an account, reset a password), at which steps a restart is allowed and what
// the flow's data is stay the flow's own: they differ in meaning from flow to flow.
//
// # Errors
//
// Start returns the flow package's refused form (formerr.Error of its Source, with
// MsgUnavailable in Top) when the provider cannot start a session, otherwise
// failures of the database; Wait returns the flow's NotFound error for a session that
// is not the flow's current one, ctx's error when the request goes away, otherwise
// database failures.
package verifystep

import (
	"context"
	"errors"
	"time"

	"hall/internal/formerr"
	"hall/internal/verify"
)

// MsgUnavailable is the refusal when the verification provider cannot start a
// session; the flow packages export it as their MsgVerifyUnavailable.
const MsgUnavailable = "实人认证服务暂时不可用，请稍后再试"

// Step is one flow's verification step. S is the flow package's formerr.Source, so
// that a refusal is that package's FormError, as its callers expect. Every field is
// required.
type Step[S formerr.Source] struct {
	Verify *verify.Service
	// Purpose is the sessions' purpose (verify.PurposeUnitRegister, …): the app's
	// screen names it, and the flow checks it again when it takes the result.
	Purpose string
	// NotFound is the flow package's error for an unknown flow (its ErrNotFound):
	// Wait answers a session that is not the flow's current one with it, so a page
	// of another browser or an old QR code learns nothing more than from an unknown
	// flow.
	NotFound error
}

// Start opens a session for who, bound to the flow flowID, and returns its ID for
// the flow to keep as its current session. A new session replaces the old one in
// the flow's data: the old one can no longer be waited for, and the flow refuses its
// result (it consumes only its current session).
//
// Errors: *formerr.Error[S] with MsgUnavailable in Top when the provider cannot
// start a session; otherwise database failures.
func (s Step[S]) Start(ctx context.Context, flowID string, who verify.Person) (string, error) {
	sess, err := s.Verify.Start(ctx, verify.Request{Purpose: s.Purpose, Binding: flowID, Expected: who})
	if errors.Is(err, verify.ErrProvider) {
		return "", &formerr.Error[S]{Top: MsgUnavailable}
	}
	if err != nil {
		return "", err
	}
	return sess.ID, nil
}

// Wait is the long poll of the step's page: it waits up to maxWait (capped by the
// verification service) for the session asked, which must be the flow's current
// one, to leave pending, and returns its status. A flow whose step is done (past
// is true: the result was taken and the flow moved on) answers verify.Passed at
// once, so the page moves on.
//
// Errors: NotFound when asked is empty or not current; ctx's error; otherwise
// database failures.
func (s Step[S]) Wait(ctx context.Context, flowID, current, asked string, past bool, maxWait time.Duration) (verify.Status, error) {
	if asked == "" || asked != current {
		return "", s.NotFound
	}
	if past {
		return verify.Passed, nil
	}
	return s.Verify.WaitStatus(ctx, asked, flowID, maxWait)
}
