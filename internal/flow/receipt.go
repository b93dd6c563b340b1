package flow

import (
	"context"
	"errors"
	"time"
)

// A receipt is a small flow that carries a finished flow's result to its last page
// (完成注册, 完成升级), which the browser may show again for a while: the finished
// flow itself is completed, and so unreadable, by then. A receipt is never
// advanced nor completed; it lives its ttl.

// receiptStep is the one step of a receipt.
const receiptStep = "done"

// SaveReceipt saves data as a receipt of kind for the browser session binding, for
// ttl, and returns its ID; "" when it could not be saved (the finished flow stands,
// and its page shows the result directly instead).
func (s *Store) SaveReceipt(ctx context.Context, kind, binding string, data any, ttl time.Duration) string {
	f, err := s.Create(ctx, kind, binding, receiptStep, data, ttl)
	if err != nil {
		return ""
	}
	return f.ID
}

// ReadReceipt reads the receipt id of kind for the browser session binding into
// data (a pointer).
//
// Errors: ErrNotFound for an unknown receipt, another browser's, or a flow of kind
// that is not a receipt; ErrExpired after its ttl; otherwise database failures.
func (s *Store) ReadReceipt(ctx context.Context, id, kind, binding string, data any) error {
	f, err := s.Get(ctx, id, kind, binding)
	switch {
	case errors.Is(err, ErrCompleted):
		return ErrNotFound
	case err != nil:
		return err
	}
	return f.Decode(data)
}
