package web

import (
	"context"
	"net/http"

	"hall/internal/recovery"
	"hall/internal/sms"
)

// After a password reset, a password change or a new mobile the account's mobile is
// told (sms.Notices), so that a change made by someone else does not go unseen: the
// Person calls the hotline. The change has been committed when these run; a notice
// that cannot be sent is logged and the person's page is unaffected.

// NotifyAccountChange tells mobile of change (newMobile: the new number of sms.ChangeMobile).
func (s *Server) NotifyAccountChange(r *http.Request, mobile string, change sms.Change, newMobile string) {
	ctx := context.WithoutCancel(r.Context())
	if err := s.Notices.AccountChanged(ctx, mobile, change, newMobile); err != nil {
		s.Log.ErrorContext(ctx, "account change notice not sent", "change", string(change), "err", err,
			"request_id", RequestID(ctx))
	}
}

// NotifyPasswordReset tells the mobile of the person whose password a recovery has reset.
func (s *Server) NotifyPasswordReset(r *http.Request, res recovery.Result) {
	p, err := s.Persons.Get(context.WithoutCancel(r.Context()), res.Target.PersonID)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "password reset notice: the person", "err", err, "request_id", RequestID(r.Context()))
		return
	}
	change := sms.ChangePasswordReset
	if res.Target.UnitPassword() {
		change = sms.ChangeUnitPasswordReset
	}
	s.NotifyAccountChange(r, p.Mobile, change, "")
}
