package auth

import (
	"encoding/base64"

	"hall/internal/token"
)

// A session token is a token.New token (256 bits, twice ASVS's floor) and is stored
// only as its token.Hash: the token is 256 random bits, so there is nothing to
// brute-force, and a fast hash keeps every request's look-up cheap.

// newToken returns a fresh session token and its hash. The error is always nil
// (crypto/rand.Read never fails); it stays for the callers' sake.
func newToken() (tok, hash string, err error) {
	tok = token.New()
	return tok, hashToken(tok), nil
}

// hashToken is the stored form of a session token.
func hashToken(tok string) string { return token.Hash(tok) }

// wellFormed reports whether s can be a token this package issued, so that
// garbage from a cookie costs no database round trip. It is stricter than
// token.Valid: the last character's spare bits must be zero, as they are in every
// token this package issued.
func wellFormed(s string) bool {
	if !token.Valid(s) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == token.Bytes
}
