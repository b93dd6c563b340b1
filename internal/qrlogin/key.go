package qrlogin

import (
	"encoding/base64"

	"hall/internal/token"
)

// Binding lengths accepted: the web layer's binding cookie is a token.New value (43
// characters); anything from 22 characters (128 bits of base64url) to 64 is taken,
// as the visitor layer takes it.
const (
	minBinding = 22
	maxBinding = 64
)

// ValidID reports whether id can be a ticket ID this package issued: a token.New
// value, canonical (the last character's spare bits zero). Anything else is refused
// before it costs a database read.
func ValidID(id string) bool {
	if !token.Valid(id) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	return err == nil && len(b) == token.Bytes
}

// validBinding reports whether b can be a browser binding: minBinding–maxBinding
// characters of the base64url alphabet.
func validBinding(b string) bool {
	if len(b) < minBinding || len(b) > maxBinding {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// key is a ticket as a browser names it, in stored form: the hashes of the ID from
// the page and of the binding from its cookie.
type key struct {
	id      string // hex SHA-256 of the ticket ID
	binding string // hex SHA-256 of the binding
}

// parseKey checks what a browser sent for a ticket (the ID and its binding cookie,
// both outside input) and returns them in stored form; ok is false for anything this
// package did not issue.
func parseKey(id, binding string) (k key, ok bool) {
	if !ValidID(id) || !validBinding(binding) {
		return key{}, false
	}
	return key{id: token.Hash(id), binding: token.Hash(binding)}, true
}

// shortRef names a ticket in audit records and logs: the first 16 hex digits of the
// ID's hash, which cannot be used to scan or consume it.
func shortRef(idHash string) string { return "qr:" + idHash[:16] }
