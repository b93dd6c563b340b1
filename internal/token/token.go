// Package token makes and checks the hall's opaque tokens: the IDs of saved flows,
// verification sessions and captcha challenges, pass tokens and session secrets.
//
// A token is 32 random bytes (256 bits) in unpadded base64url, 43 characters. A
// secret is stored only as its hex SHA-256: it is high-entropy, so there is nothing
// to brute-force and an unkeyed, fast hash is enough. Stored hashes are compared in
// constant time.
//
// These formats are on the wire and in the database: changing them invalidates
// issued tokens and stored hashes.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// Bytes is the entropy of a token: 256 bits.
const Bytes = 32

// Len is the length of a token in unpadded base64url.
const Len = 43 // base64.RawURLEncoding.EncodedLen(Bytes)

// New returns a fresh token: Bytes random bytes in unpadded base64url.
func New() string {
	var b [Bytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts the program instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Valid reports whether s has the shape New produces: Len characters of the
// base64url alphabet. It is a cheap guard that keeps garbage away from the
// database; it does not insist on canonical padding bits.
func Valid(s string) bool {
	if len(s) != Len {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Hash returns the stored form of a high-entropy secret: hex SHA-256, 64 characters.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Equal reports whether a and b are equal, in time that does not depend on where
// they differ. Use it to compare hashes of secrets.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
