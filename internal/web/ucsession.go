package web

import (
	"net/http"
	"time"

	"hall/internal/auth"
)

// ucSwitchSession moves the visitor's live session to subj (another unit, or back to
// the person alone) without a new login: proof is what the move itself has just
// checked (the unit password on entering a unit: unit_enter.go), or ProofNone to
// keep the session's own. The token is rotated, so the old
// cookie stops working at once, but the absolute expiry is kept, so switching back
// and forth cannot stretch a session past the limit that forces a new login
// (auth.RotateSwitch). It returns the new token (to end it if a later step fails)
// and sets the cookie.
//
// Errors: auth.ErrNoSession when the visitor has no live session (it ended, or a
// concurrent switch rotated it first); otherwise those of Sessions.Rotate.
func (s *Server) ucSwitchSession(w http.ResponseWriter, r *http.Request, subj auth.Subject, proof auth.Proof) (string, error) {
	v := visitorFrom(r.Context())
	if v.Token == "" {
		return "", auth.ErrNoSession
	}
	meta := auth.Meta{ClientAddr: clientAddr(r), UserAgent: r.UserAgent(), Proof: proof}
	token, sess, err := s.Sessions.Rotate(r.Context(), v.Token, subj, meta, auth.RotateSwitch)
	if err != nil {
		return "", err
	}
	// The cookie lives as long as the session can, and no longer.
	maxAge := int(sess.AbsoluteExpiresAt.Sub(s.Now()) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	s.setCookie(w, "hall_session", token, maxAge)
	return token, nil
}
