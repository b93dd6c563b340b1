package unitreg

import (
	"context"
	"errors"
)

// Receipt is what the 完成注册 page shows.
type Receipt struct {
	UnitName   string `json:"unit_name"`
	USCC       string `json:"uscc"`
	UnitNumber string `json:"unit_number"`
	LegalRep   string `json:"legal_rep"` // masked name
	NewAccount bool   `json:"new_account"`
}

// Receipt returns the 完成注册 page's data saved by Finish, for the browser that
// finished the registration.
//
// Errors: ErrNotFound for an unknown receipt or another browser; ErrExpired after
// ReceiptTTL; otherwise database failures.
func (s *Service) Receipt(ctx context.Context, id, binding string) (Receipt, error) {
	f, err := s.d.Flows.Get(ctx, id, KindReceipt, binding)
	if err != nil {
		if err = flowErr(err); errors.Is(err, ErrCompleted) || errors.Is(err, ErrStep) {
			err = ErrNotFound
		}
		return Receipt{}, err
	}
	var rc Receipt
	if err := f.Decode(&rc); err != nil {
		return Receipt{}, err
	}
	return rc, nil
}
