package throttle

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"hall/internal/ident"
)

// Key identifies one counter: a scope and a keyed hash of an account identifier or
// a client address. Make keys with Throttle.AccountKey and Throttle.AddrKey; the
// zero Key is invalid. A Key holds no raw identifier, so it is safe to log (String).
type Key struct {
	scope Scope
	hash  string // 64 lower-case hex digits of HMAC-SHA256
}

// Scope returns the key's scope.
func (k Key) Scope() Scope { return k.scope }

// IsZero reports whether k is the zero Key.
func (k Key) IsZero() bool { return k.hash == "" }

// String returns "scope:" and the first 12 hex digits of the hash: enough to tell
// counters apart in a log, and not the identifier.
func (k Key) String() string {
	if k.IsZero() {
		return "throttle.Key{}"
	}
	return string(k.scope) + ":" + k.hash[:12]
}

// maxRaw bounds what is hashed from outside input: no identifier or address is
// longer, and normalising megabytes per request would be free work for an attacker.
const maxRaw = 256

// AccountKey returns the key for an account identifier as the person typed it: an
// ID number of any type, a mobile number, a USCC, unit or institution number, or a
// combination the caller builds (for example unit account + "/" + person login).
//
// The identifier is normalised before hashing so that every spelling the login
// look-up treats as the same account lands on the same counter; otherwise an
// attacker would get LockAfter guesses per spelling. Full-width characters are
// folded, white space, zero-width characters and hyphens removed anywhere, ASCII
// letters upper-cased (the X of an ID number), and anything ident.NormalizeMobile
// accepts ("+86 138-…") reduced to its 11 digits. This is deliberately coarser than
// the look-up: two identifiers that differ only in such characters share a counter,
// which costs nothing but a shared limit.
//
// The key of an unknown account is made the same way: callers must count attempts
// on identifiers that name no account, or the captcha and lock would reveal which
// accounts exist.
func (t *Throttle) AccountKey(scope Scope, identifier string) Key {
	return t.key(scope, "account", normalizeIdentifier(identifier))
}

// RecordKey returns the key for an account the caller has resolved to a record of
// its own database: kind names what the ID numbers ("person" for a person's account
// password, "membership" for one unit password), id is the record's ID. Use it once
// a login is known to name an account, so that every spelling of the login (ID
// number or mobile, USCC or unit number) counts against that account; use
// AccountKey for a login that names none. Kind is part of the MAC, so a record key
// never equals an AccountKey or a record key of another kind.
func (t *Throttle) RecordKey(scope Scope, kind string, id int64) Key {
	return t.key(scope, "record:"+kind, strconv.FormatInt(id, 10))
}

// AddrKey returns the key for a client address: an IP with or without a port
// ("192.0.2.1", "192.0.2.1:5000", "[2001:db8::1]:443"). IPv4-mapped IPv6 counts as
// IPv4 and any other IPv6 address as its /64, because one subscriber usually holds
// a whole /64 and could otherwise rotate addresses at will. A value that is not an
// IP (a proxy's label) is used as it is, trimmed and lower-cased.
func (t *Throttle) AddrKey(scope Scope, addr string) Key {
	return t.key(scope, "addr", AddrGroup(addr))
}

// key hashes kind, scope and value with the configured secret. Kind and scope are
// in the MAC so that a hash seen in one scope cannot be matched with another.
func (t *Throttle) key(scope Scope, kind, value string) Key {
	m := hmac.New(sha256.New, t.cfg.Secret)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return Key{scope: scope, hash: hex.EncodeToString(m.Sum(nil))}
}

// normalizeIdentifier is AccountKey's normalisation (see there). It is idempotent:
// the result is valid UTF-8 of at most maxRaw bytes in which every rune is already
// normalised.
func normalizeIdentifier(s string) string {
	s = truncate(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII variants
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			continue
		}
		switch {
		case unicode.IsSpace(r), r == '-', r == '\u200b', r == '\u200c', r == '\u200d', r == '\ufeff':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	out := truncate(b.String()) // invalid bytes became 3-byte U+FFFD
	if m, err := ident.NormalizeMobile(out); err == nil {
		return m
	}
	return out
}

// truncate cuts s to at most maxRaw bytes at a rune boundary.
func truncate(s string) string {
	if len(s) <= maxRaw {
		return s
	}
	i := maxRaw
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// AddrGroup is AddrKey's normalisation (see there): the group a client address is
// counted in, for whatever else bounds work per client (the audit's refusal
// aggregation).
func AddrGroup(a string) string {
	a = strings.TrimSpace(truncate(a))
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(a); err == nil {
		ip = ap.Addr()
	} else if p, err := netip.ParseAddr(a); err == nil {
		ip = p
	} else {
		// Not an IP: count it as it is, but under a prefix no IP string starts
		// with, so a label cannot share a counter with an address.
		return "label:" + strings.ToLower(a)
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		pfx, _ := ip.Prefix(64)
		return pfx.String()
	}
	return ip.String()
}
