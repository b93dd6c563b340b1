package sms

import (
	"fmt"
	"net/netip"
	"strings"
)

// CodeLen is the number of digits of a code.
const CodeLen = 6

// ParseCode reads a code as a person types or pastes it: full-width digits
// (０-９, from a Chinese input method in full-width mode) become ASCII, and spaces
// (ASCII, ideographic U+3000, tabs, line breaks), hyphens and zero-width characters
// anywhere are dropped ("123 456", "123-456" and a pasted "１２３４５６\n" all work). The
// rest must be exactly CodeLen ASCII digits; other digits (Arabic-Indic, …) and any
// other character make it invalid. It returns the digits and whether the input was a
// code.
func ParseCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false // no sensible code is this long; bound the work
	}
	var b [CodeLen]byte
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '-' || r == '\u3000' ||
			r == '\u00a0' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff':
			continue
		default:
			return "", false
		}
		if n == CodeLen {
			return "", false
		}
		// #nosec G115 -- the switch above let through only ASCII digits.
		b[n] = byte(r)
		n++
	}
	if n != CodeLen {
		return "", false
	}
	return string(b[:]), true
}

// Limits on the request fields that are not parsed.
const (
	maxPurpose = 32
	maxBinding = 1024
	maxAddr    = 128
)

// checkPurpose accepts a short lower-case name: a-z, 0-9 and '-', starting with a
// letter ("login", "unit-register", "change-mobile").
func checkPurpose(p string) error {
	if p == "" || len(p) > maxPurpose || p[0] < 'a' || p[0] > 'z' {
		return fmt.Errorf("%w: purpose %q (want 1–%d of a-z 0-9 -, starting with a letter)", ErrInvalidRequest, p, maxPurpose)
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%w: purpose %q (want 1–%d of a-z 0-9 -, starting with a letter)", ErrInvalidRequest, p, maxPurpose)
		}
	}
	return nil
}

// addrKey returns the key a client address is counted under: the IP without a port,
// IPv4-mapped IPv6 as IPv4, other IPv6 reduced to its /64 (one subscriber usually
// holds a whole /64 and could otherwise rotate addresses at will). A value that is
// not an IP (a proxy's label) is used as it is.
func addrKey(a string) (string, error) {
	a = strings.TrimSpace(a)
	if a == "" || len(a) > maxAddr {
		return "", fmt.Errorf("%w: client address missing or longer than %d bytes", ErrInvalidRequest, maxAddr)
	}
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(a); err == nil {
		ip = ap.Addr()
	} else if p, err := netip.ParseAddr(a); err == nil {
		ip = p
	} else {
		return a, nil
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		pfx, _ := ip.Prefix(64)
		return pfx.String(), nil
	}
	return ip.String(), nil
}
