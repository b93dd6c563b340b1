// Package forwarded finds a request's client address behind trusted reverse proxies.
//
// A proxy appends the address it received a request from to X-Forwarded-For, so the
// header reads "client, proxy1, proxy2" and the peer of the hall is the last proxy.
// Everything left of the first hop the hall trusts is whatever the client chose to
// send, so the header is read from the right: the client is the right-most address
// that is not itself a trusted proxy. A request whose peer is not a trusted proxy
// carries no trustworthy header at all, and its peer is the client.
package forwarded

import (
	"net/netip"
	"strings"
)

// ClientAddr returns the client address of a request that arrived from peer (the
// connection's remote address, "host:port" or a bare host) carrying the given
// X-Forwarded-For header values, in the order received (several header lines are one
// list).
//
// When peer is not within trusted, the answer is peer's host whatever the header
// says. Otherwise the header's entries are walked from the right, skipping trusted
// proxies; the first other address is the client. An entry that is not an address
// (garbage, "unknown", an obfuscated RFC 7239 name) ends the walk: nothing left of it
// can be attributed, so the answer is the last trusted hop, the proxy that forwarded
// it. When every entry is a trusted proxy, the left-most one is the client (a request
// from inside the proxy network).
//
// Addresses are returned unmapped and without zone, in netip's text form; a peer that
// is not an address at all is returned as given, so the caller still has a key.
func ClientAddr(peer string, xff []string, trusted []netip.Prefix) string {
	host := hostOf(peer)
	addr, ok := parse(host)
	if !ok {
		return host
	}
	if !isTrusted(addr, trusted) {
		return addr.String()
	}
	client := addr
	for i := len(xff) - 1; i >= 0; i-- {
		entries := strings.Split(xff[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			e := strings.TrimSpace(entries[j])
			if e == "" {
				// "a, , b" and trailing commas are sloppy lists, not addresses.
				continue
			}
			a, ok := parse(e)
			if !ok {
				return client.String()
			}
			client = a
			if !isTrusted(a, trusted) {
				return a.String()
			}
		}
	}
	return client.String()
}

// hostOf strips the port from "host:port" and "[v6]:port"; anything else is returned
// as it is.
func hostOf(peer string) string {
	if ap, err := netip.ParseAddrPort(peer); err == nil {
		return ap.Addr().String()
	}
	return peer
}

// parse reads one address as proxies write it: a bare IPv4 or IPv6 address, an IPv6
// address in brackets, or either with a port (some proxies append the client's port).
func parse(s string) (netip.Addr, bool) {
	if len(s) > 64 {
		// No address text is this long; refuse before parsing attacker input.
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		if ap, perr := netip.ParseAddrPort(s); perr == nil {
			a, err = ap.Addr(), nil
		} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			a, err = netip.ParseAddr(s[1 : len(s)-1])
		}
	}
	if err != nil || !a.IsValid() {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
