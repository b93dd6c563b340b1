package forwarded

import (
	"net/netip"
	"strings"
	"testing"
)

var proxies = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("2001:db8:a::/48"),
	netip.MustParsePrefix("192.0.2.10/32"),
}

func TestClientAddr(t *testing.T) {
	cases := []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies configured", "203.0.113.9:5000", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"direct client, no header", "203.0.113.9:5000", nil, proxies, "203.0.113.9"},
		{"spoofed header from an untrusted peer", "203.0.113.9:5000", []string{"198.51.100.1"}, proxies, "203.0.113.9"},
		{"spoofed trusted-looking header from an untrusted peer", "203.0.113.9:5000", []string{"10.0.0.1"}, proxies, "203.0.113.9"},
		{"one trusted proxy", "10.1.2.3:443", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"trusted proxy without the header", "10.1.2.3:443", nil, proxies, "10.1.2.3"},
		{"trusted proxy with an empty header", "10.1.2.3:443", []string{""}, proxies, "10.1.2.3"},
		{"client prepends a forged address", "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"client forges a trusted address", "10.1.2.3:443", []string{"10.9.9.9, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"two trusted hops", "10.1.2.3:443", []string{"198.51.100.1, 192.0.2.10"}, proxies, "198.51.100.1"},
		{"hops in several header lines", "10.1.2.3:443", []string{"6.6.6.6, 198.51.100.1", "10.7.7.7", "192.0.2.10"}, proxies, "198.51.100.1"},
		{"every hop trusted", "10.1.2.3:443", []string{"10.4.4.4, 10.5.5.5"}, proxies, "10.4.4.4"},
		{"untrusted hop between trusted ones", "10.1.2.3:443", []string{"198.51.100.1, 203.0.113.50, 10.5.5.5"}, proxies, "203.0.113.50"},
		{"IPv6 proxy and client", "[2001:db8:a::1]:443", []string{"2001:db8:ffff::7"}, proxies, "2001:db8:ffff::7"},
		{"IPv6 client in brackets with a port", "[2001:db8:a::1]:443", []string{"[2001:db8:ffff::7]:51000"}, proxies, "2001:db8:ffff::7"},
		{"IPv6 client in brackets", "10.1.2.3:443", []string{"[2001:db8:ffff::7]"}, proxies, "2001:db8:ffff::7"},
		{"IPv4 client with a port", "10.1.2.3:443", []string{"198.51.100.1:40000"}, proxies, "198.51.100.1"},
		{"IPv4-mapped peer matches the IPv4 proxy", "[::ffff:10.1.2.3]:443", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"IPv4-mapped client is unmapped", "10.1.2.3:443", []string{"::ffff:198.51.100.1"}, proxies, "198.51.100.1"},
		{"untrusted IPv6 peer", "[2001:db8:b::1]:443", []string{"198.51.100.1"}, proxies, "2001:db8:b::1"},
		{"zone dropped", "10.1.2.3:443", []string{"fe80::1%eth0"}, proxies, "fe80::1"},
		{"garbage right of the client", "10.1.2.3:443", []string{"198.51.100.1, garbage"}, proxies, "10.1.2.3"},
		{"garbage after a trusted hop", "10.1.2.3:443", []string{"198.51.100.1, unknown, 10.5.5.5"}, proxies, "10.5.5.5"},
		{"garbage left of the client is never read", "10.1.2.3:443", []string{"<script>, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"hostname", "10.1.2.3:443", []string{"client.example"}, proxies, "10.1.2.3"},
		{"RFC 7239 obfuscated name", "10.1.2.3:443", []string{"_hidden"}, proxies, "10.1.2.3"},
		{"sloppy commas", "10.1.2.3:443", []string{" , 198.51.100.1 ,, "}, proxies, "198.51.100.1"},
		{"very long entry", "10.1.2.3:443", []string{strings.Repeat("1", 10000)}, proxies, "10.1.2.3"},
		{"peer without a port", "203.0.113.9", nil, proxies, "203.0.113.9"},
		{"peer that is not an address", "@", []string{"198.51.100.1"}, proxies, "@"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClientAddr(tc.peer, tc.xff, tc.trusted); got != tc.want {
				t.Fatalf("ClientAddr(%q, %q) = %q, want %q", tc.peer, tc.xff, got, tc.want)
			}
		})
	}
}

// FuzzClientAddr checks the rules that must hold for any header a client can send:
// no panic; an untrusted peer is the answer whatever the header says; the answer is
// the peer or an address that appears in the header; and it is never an address a
// client could have put left of an untrusted hop.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.1.2.3:443", "198.51.100.1, 192.0.2.10")
	f.Add("203.0.113.9:5000", "10.0.0.1")
	f.Add("[2001:db8:a::1]:443", "[2001:db8:ffff::7]:51000, garbage")
	f.Add("10.1.2.3:443", " , ::ffff:1.2.3.4%x ,,")
	f.Add("10.1.2.3:443", "1.1.1.1, 198.51.100.1, 10.5.5.5")
	f.Fuzz(func(t *testing.T, peer, header string) {
		got := ClientAddr(peer, []string{header}, proxies)
		peerAddr, peerOK := parse(hostOf(peer))
		if !peerOK {
			if got != hostOf(peer) {
				t.Fatalf("peer %q is no address: got %q, want it back as given", peer, got)
			}
			return
		}
		if !isTrusted(peerAddr, proxies) {
			if got != peerAddr.String() {
				t.Fatalf("untrusted peer %q with header %q: got %q", peer, header, got)
			}
			return
		}
		a, err := netip.ParseAddr(got)
		if err != nil {
			t.Fatalf("trusted peer %q with header %q: answer %q is no address", peer, header, got)
		}
		if a == peerAddr {
			return
		}
		// The answer must be an entry of the header, and every entry right of it
		// must be a trusted proxy.
		entries := strings.Split(header, ",")
		for i := len(entries) - 1; i >= 0; i-- {
			e, ok := parse(strings.TrimSpace(entries[i]))
			if strings.TrimSpace(entries[i]) == "" {
				continue
			}
			if !ok {
				t.Fatalf("header %q: answer %q lies left of the unreadable entry %q", header, got, entries[i])
			}
			if e == a {
				return
			}
			if !isTrusted(e, proxies) {
				t.Fatalf("header %q: answer %q lies left of the untrusted hop %s", header, got, e)
			}
		}
		t.Fatalf("header %q: answer %q is neither the peer nor in the header", header, got)
	})
}
