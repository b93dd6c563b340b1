package staff

import (
	"context"
	"errors"

	"hall/internal/audit"
	"hall/internal/store"
)

// Authorizer is what Command hands its work: Authorize for the command's action,
// the actor as read in the transaction, about a subject the work read there too.
type Authorizer func(subject Subject) (Role, error)

// Command is the frame of a back-office command that decides on a subject it reads
// (a plan's creator, a case's clerk): one transaction in which the actor is read
// afresh (Refresh) and do runs with it, calling authorize about what it read before
// it changes anything, and appending its audit record. When do returns a refusal
// (a *Denial: authorize's, or one of its own such as DenyOwnWork) the transaction
// rolls back and the refusal is then recorded on log against target
// (RecordDenial), so that it stays when the work does not.
//
// Errors: Refresh's (DenyDisabled for an account that is gone), which is not
// recorded, or do's (DenyDisabled from authorize for a disabled account).
func Command(ctx context.Context, db *store.DB, log *audit.Log, actor Actor, action Action, target string,
	do func(tx *store.Tx, fresh Actor, authorize Authorizer) error) error {
	var (
		fresh Actor
		done  error // do's answer, the refusal to record among them
	)
	err := db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if fresh, err = Refresh(ctx, tx, actor); err != nil {
			return err
		}
		done = do(tx, fresh, func(subject Subject) (Role, error) { return Authorize(fresh, action, subject) })
		return done
	})
	var denial *Denial
	if done != nil && errors.As(done, &denial) {
		// A failure to record is not the caller's answer: the refusal is.
		_ = RecordDenial(context.WithoutCancel(ctx), log, fresh, action, target, done)
	}
	return err
}
