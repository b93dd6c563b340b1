package unitreg

import (
	"context"
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
	var rc Receipt
	if err := s.d.Flows.ReadReceipt(ctx, id, KindReceipt, binding, &rc); err != nil {
		return Receipt{}, flowErr(err)
	}
	return rc, nil
}
