package legacy

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Password hash formats accepted from the legacy system's export (the 密码哈希
// column). Both are PHC-style strings, kept as exported and verified as they are:
//
//	$pbkdf2-sha256$i=<iterations>$<salt>$<key>   PBKDF2-HMAC-SHA256 (the PHC string
//	                                             format; passlib's "$pbkdf2-sha256$<iterations>$…"
//	                                             is accepted too)
//	$2a$<cost>$<53 characters>                   bcrypt ($2b$ and $2y$ alike)
//
// salt and key are base64 without padding, in the standard alphabet or passlib's
// (which writes '.' for '+'). The key is 32 bytes (SHA-256's output). Bounds keep
// one verification affordable and refuse nonsense at import: PBKDF2 from
// MinIterations to MaxIterations with a salt of 8–64 bytes, bcrypt cost from
// bcrypt.MinCost to MaxBcryptCost.
const (
	MinIterations = 1000
	MaxIterations = 2_000_000
	MaxBcryptCost = 14
	maxHashLen    = 200
)

// ErrHashFormat is a password hash the import cannot use; its message says why in
// Chinese (for the import's line errors).
var ErrHashFormat = errors.New("legacy: unsupported password hash")

// hashError is ErrHashFormat with the reason shown to the operator.
type hashError struct{ msg string }

func (e *hashError) Error() string        { return "legacy: " + e.msg }
func (e *hashError) Is(target error) bool { return target == ErrHashFormat }

// Msg is the reason in Chinese.
func (e *hashError) Msg() string { return e.msg }

func badHash(msg string) error { return &hashError{msg: msg} }

// Hash is a parsed legacy password hash.
type Hash struct {
	kind       string // "pbkdf2-sha256" or "bcrypt"
	iterations int
	salt, key  []byte
	bcrypt     []byte // the whole bcrypt string
}

// Kind names the format ("pbkdf2-sha256", "bcrypt").
func (h Hash) Kind() string { return h.kind }

// ParseHash checks a legacy hash string against the accepted formats and bounds.
//
// Errors: an error matching ErrHashFormat, whose Msg (HashMsg) says what is wrong.
func ParseHash(s string) (Hash, error) {
	if len(s) > maxHashLen {
		return Hash{}, badHash("密码哈希过长")
	}
	switch {
	case strings.HasPrefix(s, "$pbkdf2-sha256$"):
		return parsePBKDF2(strings.TrimPrefix(s, "$pbkdf2-sha256$"))
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		cost, err := bcrypt.Cost([]byte(s))
		if err != nil || len(s) != 60 {
			return Hash{}, badHash("bcrypt 密码哈希格式不正确")
		}
		if cost > MaxBcryptCost {
			return Hash{}, badHash(fmt.Sprintf("bcrypt 成本因子不能超过%d", MaxBcryptCost))
		}
		return Hash{kind: "bcrypt", iterations: cost, bcrypt: []byte(s)}, nil
	}
	return Hash{}, badHash("不支持的密码哈希格式（应为 $pbkdf2-sha256$… 或 bcrypt 的 $2a$/$2b$/$2y$…）")
}

func parsePBKDF2(rest string) (Hash, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return Hash{}, badHash("PBKDF2 密码哈希应为 $pbkdf2-sha256$i=迭代次数$盐$哈希值")
	}
	it, err := strconv.Atoi(strings.TrimPrefix(parts[0], "i="))
	if err != nil || it < MinIterations || it > MaxIterations {
		return Hash{}, badHash(fmt.Sprintf("PBKDF2 迭代次数应在%d到%d之间", MinIterations, MaxIterations))
	}
	salt, err := decodeB64(parts[1])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return Hash{}, badHash("PBKDF2 盐应为8到64字节的Base64编码")
	}
	key, err := decodeB64(parts[2])
	if err != nil || len(key) != sha256.Size {
		return Hash{}, badHash("PBKDF2 哈希值应为32字节的Base64编码")
	}
	return Hash{kind: "pbkdf2-sha256", iterations: it, salt: salt, key: key}, nil
}

// decodeB64 reads base64 without padding in the standard alphabet or passlib's
// ('.' for '+').
func decodeB64(s string) ([]byte, error) {
	return base64.RawStdEncoding.Strict().DecodeString(strings.ReplaceAll(strings.TrimRight(s, "="), ".", "+"))
}

// HashMsg is the Chinese reason of a ParseHash error ("" for another error).
func HashMsg(err error) string {
	var he *hashError
	if errors.As(err, &he) {
		return he.Msg()
	}
	return ""
}

// Verify reports whether password matches h, in constant time for the key
// comparison. It costs what h's parameters say: one PBKDF2 or bcrypt run.
func (h Hash) Verify(password string) bool {
	switch h.kind {
	case "bcrypt":
		return bcrypt.CompareHashAndPassword(h.bcrypt, []byte(password)) == nil
	case "pbkdf2-sha256":
		k, err := pbkdf2.Key(sha256.New, password, h.salt, h.iterations, len(h.key))
		return err == nil && subtle.ConstantTimeCompare(k, h.key) == 1
	}
	return false
}

// HashPBKDF2 makes a "$pbkdf2-sha256$i=…" string for password (demo data and
// tests; the hall never stores legacy passwords otherwise).
func HashPBKDF2(password string, salt []byte, iterations int) (string, error) {
	k, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$pbkdf2-sha256$i=%d$%s$%s", iterations,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(k)), nil
}
