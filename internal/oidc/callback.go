package oidc

import (
	"fmt"
	"net/url"

	"hall/internal/token"
)

// CallbackParams are the parameters of a redirect back from a provider
// (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 for iss), checked by ParseCallback.
type CallbackParams struct {
	State string
	Code  string // set on success
	Error string // set when the provider refused; Code is empty then
	// ErrorDescription is the provider's explanation, for the log only (at most
	// maxDescription bytes).
	ErrorDescription string
	Issuer           string // RFC 9207 iss, when the provider sends it
}

// Bounds on callback parameters. A code is opaque but providers keep it short; the
// bound keeps a crafted request from carrying megabytes to the token endpoint.
const (
	maxCode        = 2048
	maxErrorCode   = 64
	maxDescription = 256
	maxIssuer      = 512
)

// ParseCallback checks the query of a callback request. It refuses a repeated
// parameter (two states or two codes are never a provider's doing), a state that
// is not a flow ID, a code outside the RFC 6749 character set or too long, an
// error code or description outside RFC 6749's characters, and a callback with
// both or neither of code and error. A description that is too long is cut.
//
// Errors: ErrState for a missing or malformed state; ErrBadCallback for anything
// else wrong. A provider's error= is not an error of ParseCallback: it is returned
// in Error for the caller to turn into a *ProviderError once the state checks out.
func ParseCallback(q url.Values) (CallbackParams, error) {
	var p CallbackParams
	one := func(name string) (string, error) {
		v := q[name]
		switch len(v) {
		case 0:
			return "", nil
		case 1:
			return v[0], nil
		}
		return "", fmt.Errorf("%w: %s given %d times", ErrBadCallback, name, len(v))
	}
	var err error
	if p.State, err = one("state"); err != nil {
		return CallbackParams{}, err
	}
	if !token.Valid(p.State) {
		return CallbackParams{}, ErrState
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"code", &p.Code}, {"error", &p.Error}, {"error_description", &p.ErrorDescription}, {"iss", &p.Issuer}} {
		if *f.dst, err = one(f.name); err != nil {
			return CallbackParams{}, err
		}
	}
	switch {
	case p.Code == "" && p.Error == "":
		return CallbackParams{}, fmt.Errorf("%w: neither code nor error", ErrBadCallback)
	case p.Code != "" && p.Error != "":
		return CallbackParams{}, fmt.Errorf("%w: both code and error", ErrBadCallback)
	case p.Code != "" && (len(p.Code) > maxCode || !rfcChars(p.Code, false)):
		return CallbackParams{}, fmt.Errorf("%w: malformed code", ErrBadCallback)
	case p.Error != "" && (len(p.Error) > maxErrorCode || !rfcChars(p.Error, false)):
		return CallbackParams{}, fmt.Errorf("%w: malformed error code", ErrBadCallback)
	case len(p.Issuer) > maxIssuer:
		return CallbackParams{}, fmt.Errorf("%w: iss too long", ErrBadCallback)
	}
	if len(p.ErrorDescription) > maxDescription {
		p.ErrorDescription = p.ErrorDescription[:maxDescription]
	}
	if !rfcChars(p.ErrorDescription, true) {
		p.ErrorDescription = "(description with characters outside RFC 6749 dropped)"
	}
	return p, nil
}

// rfcChars reports whether s uses only the characters RFC 6749 allows in code,
// error and error_description values: %x20-21 / %x23-5B / %x5D-7E (printable
// ASCII without '"' and '\'). The space is allowed only in a description.
func rfcChars(s string, space bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if !space {
				return false
			}
		case c < 0x21 || c > 0x7E || c == '"' || c == '\\':
			return false
		}
	}
	return true
}
