package staff

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Sealer keeps TOTP secrets encrypted at rest: AES-256-GCM under the SHA-256 of the
// configured key (config staff-totp-key), so that a copy of the database does not
// give anyone a staff member's second factor. The sealed form is "v1:" and the
// base64url of nonce‖ciphertext; the staff account's ID is the additional data, so a
// sealed secret copied onto another account does not open.
//
// With an empty key (development) secrets are stored as "plain:" and the secret:
// Open still reads them, and production start-up requires the key.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns the sealer for key ("" for development: no encryption).
func NewSealer(key string) *Sealer {
	if key == "" {
		return &Sealer{}
	}
	k := sha256.Sum256([]byte(key))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // 32-byte key: cannot fail
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead}
}

// errSealed: a sealed secret that cannot be opened (wrong key, tampered, or sealed
// for another account).
var errSealed = errors.New("staff: TOTP secret cannot be opened (wrong staff-totp-key?)")

// Seal encrypts secret for the account staffID.
func (s *Sealer) Seal(staffID int64, secret string) string {
	if s.aead == nil {
		return "plain:" + secret
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	out := s.aead.Seal(nonce, nonce, []byte(secret), additional(staffID))
	return "v1:" + base64.RawURLEncoding.EncodeToString(out)
}

// Open returns the secret sealed for staffID. Errors: errSealed.
func (s *Sealer) Open(staffID int64, sealed string) (string, error) {
	if p, ok := strings.CutPrefix(sealed, "plain:"); ok {
		return p, nil
	}
	b64, ok := strings.CutPrefix(sealed, "v1:")
	if !ok || s.aead == nil {
		return "", errSealed
	}
	b, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errSealed
	}
	n := s.aead.NonceSize()
	out, err := s.aead.Open(nil, b[:n], b[n:], additional(staffID))
	if err != nil {
		return "", errSealed
	}
	return string(out), nil
}

func additional(staffID int64) []byte {
	return []byte("hall staff totp " + Target(staffID))
}
