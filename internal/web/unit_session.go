package web

import (
	"net/http"

	"hall/internal/auth"
)

// SwitchUnitSession moves the visitor's live session to subj (another unit, or back to
// the person alone) without a new login: proof is what the move itself has just
// checked (the unit password on entering a unit: unit_enter.go), or ProofNone to
// keep the session's own; verified is the password that check verified (zero for
// none), which must still be the stored one. The token is rotated, so the old
// cookie stops working at once, but the absolute expiry is kept, so switching back
// and forth cannot stretch a session past the limit that forces a new login
// (auth.RotateSwitch). It returns the new token (to end it if a later step fails)
// and sets the cookie.
//
// Errors: auth.ErrNoSession when the visitor has no live session (it ended, or a
// concurrent switch rotated it first); auth.ErrCredentialChanged when verified was
// changed or reset since (the session is left as it was); otherwise those of
// Sessions.Rotate.
func (s *Server) SwitchUnitSession(w http.ResponseWriter, r *http.Request, subj auth.Subject, proof auth.Proof, verified auth.Verified) (string, error) {
	v := VisitorFrom(r.Context())
	if v.Token == "" {
		return "", auth.ErrNoSession
	}
	meta := auth.Meta{ClientAddr: ClientAddr(r), UserAgent: r.UserAgent(), Proof: proof, Verified: verified}
	token, _, err := s.Sessions.Rotate(r.Context(), v.Token, subj, meta, auth.RotateSwitch)
	if err != nil {
		return "", err
	}
	// A browser-Session cookie like the login's (startSession); the session's own
	// expiry, kept by the rotation, ends it on the server.
	s.SetCookie(w, "hall_session", token, 0)
	return token, nil
}

// UnitLoginProof is what a unit login (L1) has proved: the legal rep signs in to the
// Unit with the personal password, an administrator or agent with the unit one.
func UnitLoginProof(subj auth.Subject) auth.Proof {
	if subj.Institution() {
		return auth.ProofInstitutionPassword
	}
	if subj.Role == auth.RoleLegalRep {
		return auth.ProofPassword
	}
	return auth.ProofUnitPassword
}
