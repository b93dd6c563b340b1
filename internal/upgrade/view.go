package upgrade

import (
	"context"
	"time"

	"hall/internal/ident"
	"hall/internal/verify"
)

// View is an upgrade as the page shows it. Personal data in it is masked.
type View struct {
	FlowID       string
	Step         string
	ExpiresAt    time.Time // the 10-minute deadline
	LegacyNumber string
	USCC         string
	UnitName     string
	UnitType     string
	LegalRep     verify.Person // masked
	Admin        verify.Person // masked, from the verify step on
	// Session is the nominee's verification session (at StepVerify); Verification is
	// what the page shows (verify.PagePending, PagePassed, PageFailed, PageExpired,
	// PageUsed).
	Session      verify.Session
	Verification string
}

// Get returns the upgrade flowID for the browser binding as the page shows it.
//
// Errors: ErrNotFound, ErrExpired, ErrCompleted; otherwise database failures.
func (s *Service) Get(ctx context.Context, flowID, binding string) (View, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return View{}, err
	}
	v := View{FlowID: f.ID, Step: f.Step, ExpiresAt: f.ExpiresAt, LegacyNumber: st.LegacyNumber, USCC: ident.MaskUSCC(st.USCC),
		UnitName: st.UnitName, UnitType: st.UnitType,
		LegalRep: verify.Person{IDType: st.LegalRepIDType, IDNumber: st.LegalRepIDNumber, Name: st.LegalRepName}.Masked()}
	if f.Step == StepVerify {
		v.Admin = st.admin().Masked()
		sess, err := s.d.Verify.PageSession(ctx, st.Session, f.ID)
		if err != nil {
			return View{}, err
		}
		v.Session = sess
		v.Verification = verify.PageState(sess)
	}
	return v, nil
}

// Receipt is what the 完成升级 page shows.
type Receipt struct {
	UnitName    string `json:"unit_name"`
	USCC        string `json:"uscc"`
	UnitNumber  string `json:"unit_number"`
	Admin       string `json:"admin"`        // masked name
	AdminMobile string `json:"admin_mobile"` // masked
}

// Receipt returns the 完成升级 page's data saved by Verified, for the same browser.
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
