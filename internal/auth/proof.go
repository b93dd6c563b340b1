package auth

import (
	"errors"
	"time"
)

// Proof says how the person of a session last proved who they are. A session
// records the proof its login (or its entry into a unit) made and when, so that
// later steps can ask whether it was the right credential (a legal rep enters a
// unit with the personal password: SPEC L7) and whether it is recent (changes to a
// unit's administrator, agents and grants: QUALITY.md re-authentication).
type Proof string

const (
	// ProofNone: nothing recorded (a session from before proofs were recorded, or
	// one a rotation created without a new proof and no old one to carry over).
	ProofNone Proof = ""
	// ProofPassword: the personal account password.
	ProofPassword Proof = "password"
	// ProofSMS: a code sent to the account's mobile (手机动态码, registration).
	ProofSMS Proof = "sms"
	// ProofUnitPassword: the unit password (经办密码) of the session's admin or
	// agent role.
	ProofUnitPassword Proof = "unit_password"
	// ProofFace: a face verification through the companion app.
	ProofFace Proof = "face"
	// ProofOIDC: a login through an OpenID Connect provider (provincial SSO or
	// e-business licence, internal/oidc): the provider vouched for the person.
	ProofOIDC Proof = "oidc"
	// ProofQR: a QR login (SPEC L2, L6) confirmed in the companion app by the
	// person signed in there. It shows that the person holds a signed-in app, not
	// that they know a secret now, so it never counts as a recent proof
	// (ProvedWithin) and entering a unit from such a session asks for the password.
	ProofQR Proof = "qr"
	// ProofCA: a CA-certificate login (SPEC L3, internal/certlogin): the browser
	// signed the TLS handshake with the key of a unit's or person's certificate.
	// It proves the holder has the UKey, not who sits at it, so like a QR login
	// it never counts as a recent proof of the person.
	ProofCA Proof = "ca"
	// ProofInstitutionPassword: the password of the session's institution
	// account (机构编号 at the unit login).
	ProofInstitutionPassword Proof = "institution_password"
)

// Valid reports whether p is a known proof (ProofNone included).
func (p Proof) Valid() bool {
	switch p {
	case ProofNone, ProofPassword, ProofSMS, ProofUnitPassword, ProofFace, ProofOIDC, ProofQR, ProofCA, ProofInstitutionPassword:
		return true
	}
	return false
}

// ErrUnverifiedPassword refuses a session, or a proof recorded in one, that
// claims a password (ProofPassword, ProofUnitPassword, ProofInstitutionPassword)
// without the Verified password it rests on, or with a Verified that is not of
// the proof's kind and the session's subject's own: the person's password for
// ProofPassword, the subject's own membership (its person and unit) for
// ProofUnitPassword, the subject's institution for ProofInstitutionPassword.
// Without it nothing could compare the password with the stored one, and a
// password changed or reset during the login would sign the old one in; with
// another's, a password that is not the subject's would stand as its proof. It
// is a caller's mistake, never an answer to the person: a login passes the
// Verified its check returned (Attempt.Start), a password change the one it
// stored.
var ErrUnverifiedPassword = errors.New("auth: a password proof needs the Verified password")

// password reports whether p claims a stored password, so that a session or a
// proof recorded with it needs its Verified.
func (p Proof) password() bool {
	return p == ProofPassword || p == ProofUnitPassword || p == ProofInstitutionPassword
}

// verifiedKind checks that a proof p made now carries the Verified v it rests on, a
// password of p's kind: a person's password for ProofPassword, a membership's unit
// password for ProofUnitPassword, an institution's for ProofInstitutionPassword.
// ErrUnverifiedPassword otherwise.
func verifiedKind(p Proof, v Verified) error {
	if !p.password() {
		return nil
	}
	c := v.credential
	switch {
	case !v.checked():
		return ErrUnverifiedPassword
	case p == ProofPassword && c.PersonID == 0:
		return ErrUnverifiedPassword
	case p == ProofUnitPassword && c.MembershipID == 0:
		return ErrUnverifiedPassword
	case p == ProofInstitutionPassword && c.InstitutionID == 0:
		return ErrUnverifiedPassword
	}
	return nil
}

// verifiedFor is verifiedKind, and the password must also be the session's
// subject s's own: the person's for ProofPassword, s's institution's for
// ProofInstitutionPassword; a membership's is checked against s with its row
// (Verified.current). ErrUnverifiedPassword otherwise.
func verifiedFor(p Proof, v Verified, s Subject) error {
	if err := verifiedKind(p, v); err != nil {
		return err
	}
	c := v.credential
	switch {
	case p == ProofPassword && c.PersonID != s.PersonID:
		return ErrUnverifiedPassword
	case p == ProofInstitutionPassword && c.InstitutionID != s.InstitutionID:
		return ErrUnverifiedPassword
	}
	return nil
}

// ProvedWithin reports whether the session's person proved who they are no longer
// than d before now. A QR login (ProofQR) or a CA login (ProofCA) is never such a
// proof: re-authentication after one asks for the password.
func (s Session) ProvedWithin(d time.Duration, now time.Time) bool {
	return s.Proof != ProofNone && s.Proof != ProofQR && s.Proof != ProofCA && !s.ProvedAt.IsZero() && !now.Before(s.ProvedAt) && now.Sub(s.ProvedAt) <= d
}
