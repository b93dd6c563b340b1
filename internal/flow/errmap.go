package flow

import "errors"

// Errors are the sentinels a package built on flows returns for the store's own, so
// that its callers speak of its flows (a registration, a recovery) and never of the
// store. ErrConflict maps to Step: a concurrent submit moved the flow on, and the
// answer is the same as for a flow at another step (show its current one).
type Errors struct {
	NotFound, Expired, Completed, Step error
}

// Map returns err with the store's sentinels replaced by e's; any other error
// (nil included) is returned as it is.
func (e Errors) Map(err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return e.NotFound
	case errors.Is(err, ErrExpired):
		return e.Expired
	case errors.Is(err, ErrCompleted):
		return e.Completed
	case errors.Is(err, ErrStep), errors.Is(err, ErrConflict):
		return e.Step
	}
	return err
}
