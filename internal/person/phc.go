package person

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformedHash is wrapped by the errors of Verify and parsePHC for a stored
// hash that is not an argon2id PHC string the hall accepts.
var ErrMalformedHash = errors.New("person: malformed password hash")

// params is a parsed argon2id PHC string.
type params struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// Parse limits. Stored hashes may come from imports, so a hash must not be able
// to demand unbounded memory or time at the next login: these are generous
// bounds above any sensible configuration, not policy (that is Validate's job).
const (
	parseMaxMemoryKiB = 1 << 20 // 1 GiB
	parseMaxTime      = 64
	parseMaxThreads   = 64
	parseMinSalt      = 8
	parseMaxSalt      = 64
	parseMinKey       = 16
	parseMaxKey       = 64
	parseMaxLen       = 256
)

// b64 is the PHC encoding: standard alphabet, no padding. Strict, so that one
// hash has exactly one spelling.
var b64 = base64.RawStdEncoding.Strict()

// String formats p as "$argon2id$v=19$m=…,t=…,p=…$<salt>$<key>".
func (p params) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.memory, p.time, p.threads, b64.EncodeToString(p.salt), b64.EncodeToString(p.key))
}

// parsePHC reads an argon2id PHC string. Only version 19 and the parameter order
// m, t, p (as every argon2 implementation writes them) are accepted.
func parsePHC(s string) (params, error) {
	var p params
	bad := func(why string) (params, error) {
		return params{}, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(s) > parseMaxLen {
		return bad("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("want parameters m, t, p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(kv[i], name)
		if !ok || digits == "" || len(digits) > 10 || (len(digits) > 1 && digits[0] == '0') {
			return bad("bad parameter " + strings.TrimSuffix(name, "="))
		}
		v, err := strconv.ParseUint(digits, 10, 32)
		if err != nil {
			return bad("bad parameter " + strings.TrimSuffix(name, "="))
		}
		vals[i] = v
	}
	memory, passes, threads := vals[0], vals[1], vals[2]
	if threads < 1 || threads > parseMaxThreads {
		return bad("parallelism out of range")
	}
	if passes < 1 || passes > parseMaxTime {
		return bad("time out of range")
	}
	if memory < 8*threads || memory > parseMaxMemoryKiB {
		return bad("memory out of range")
	}
	// The checks above keep each value far inside its argon2 type; converting
	// only after them means a parse limit raised past uint32 or uint8 cannot
	// wrap a stored parameter into a different, accepted one.
	p.memory, p.time, p.threads = uint32(memory), uint32(passes), uint8(threads)
	var err error
	// encoding/base64 skips \r and \n even in strict mode; re-encoding catches them,
	// so that one hash keeps exactly one spelling.
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < parseMinSalt || len(p.salt) > parseMaxSalt ||
		b64.EncodeToString(p.salt) != parts[4] {
		return bad("bad salt")
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) < parseMinKey || len(p.key) > parseMaxKey ||
		b64.EncodeToString(p.key) != parts[5] {
		return bad("bad hash")
	}
	return p, nil
}
