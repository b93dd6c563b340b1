package throttle

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// fullWidth spells s's ASCII in full-width characters, as a Chinese input method
// in full-width mode does.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// withX returns an invented resident ID number ending in the check character X.
func withX(t *testing.T) string {
	for _, id := range people(7, 200) {
		if strings.HasSuffix(id, "X") {
			return id
		}
	}
	t.Fatal("no generated ID number ends in X")
	return ""
}

func TestAccountKeySpellings(t *testing.T) {
	th := New(nil, Config{Secret: testSecret}, nil)
	id := withX(t)
	m := mobiles(7, 1)[0]
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"surrounding space", id, "  " + id + "\t", true},
		{"lower-case check character", id, strings.ToLower(id), true},
		{"full-width", id, fullWidth(id), true},
		{"ideographic space and zero-width", id, "\u3000" + id[:6] + "\u200b" + id[6:], true},
		{"inner space", id, id[:6] + " " + id[6:14] + " " + id[14:], true},
		{"mobile with +86, spaces and hyphens", m, "+86 " + m[:3] + "-" + m[3:7] + "-" + m[7:], true},
		{"mobile with 0086", m, "0086" + m, true},
		{"full-width mobile", m, fullWidth(m), true},
		{"another ID number", id, people(8, 1)[0], false},
		{"ID number and its mobile-length prefix", id, id[:11], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ka, kb := th.AccountKey(ScopeLoginAccount, c.a), th.AccountKey(ScopeLoginAccount, c.b)
			if (ka == kb) != c.same {
				t.Errorf("AccountKey(%q) == AccountKey(%q) is %v, want %v", c.a, c.b, ka == kb, c.same)
			}
		})
	}
}

func TestAddrKeySpellings(t *testing.T) {
	th := New(nil, Config{Secret: testSecret}, nil)
	cases := []struct {
		a, b string
		same bool
	}{
		{"192.0.2.7", "192.0.2.7:51234", true},
		{"192.0.2.7", " 192.0.2.7 ", true},
		{"192.0.2.7", "::ffff:192.0.2.7", true},
		{"192.0.2.7", "[::ffff:192.0.2.7]:80", true},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"2001:db8:1:2::1", "[2001:db8:1:2::3]:443", true},
		{"2001:db8:1:2::1", "2001:DB8:1:2::9", true},
		{"fe80::1%eth0", "fe80::2", true},
		{"proxy-a", "PROXY-A", true},
		{"192.0.2.7", "192.0.2.8", false},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"label:192.0.2.7", "192.0.2.7", false},
		{"", "0.0.0.0", false},
	}
	for _, c := range cases {
		ka, kb := th.AddrKey(ScopeLoginAddr, c.a), th.AddrKey(ScopeLoginAddr, c.b)
		if (ka == kb) != c.same {
			t.Errorf("AddrKey(%q) == AddrKey(%q) is %v, want %v", c.a, c.b, ka == kb, c.same)
		}
	}
}

func TestKeysAreKeyedAndSeparated(t *testing.T) {
	id := people(9, 1)[0]
	a := New(nil, Config{Secret: testSecret}, nil)
	b := New(nil, Config{Secret: []byte("another-secret-of-enough-length")}, nil)
	k := a.AccountKey(ScopeLoginAccount, id)
	cases := []struct {
		name  string
		other Key
	}{
		{"another secret", b.AccountKey(ScopeLoginAccount, id)},
		{"another scope", a.AccountKey(ScopeSMSGuess, id)},
		{"an address with the same text", a.AddrKey(ScopeLoginAccount, id)},
	}
	for _, c := range cases {
		if c.other.hash == k.hash {
			t.Errorf("%s gives the same hash", c.name)
		}
	}
	if s := k.String(); !strings.HasPrefix(s, "login-account:") || len(s) != len("login-account:")+12 || strings.Contains(s, id[:6]) {
		t.Errorf("String() = %q", s)
	}
	if k.Scope() != ScopeLoginAccount || k.IsZero() || !(Key{}).IsZero() || (Key{}).String() != "throttle.Key{}" {
		t.Errorf("Scope/IsZero/String of %v and the zero Key", k)
	}
}

// FuzzNormalizeIdentifier: any input is accepted, the result is bounded valid
// UTF-8, and normalising again changes nothing (so a stored spelling and a typed
// one meet on one counter).
func FuzzNormalizeIdentifier(f *testing.F) {
	for _, s := range []string{"", "11010519491231002x", "+86 138-0013-8000", "９１３５０１００ＭＡ２ＹＱＥ７Ｘ８Ｘ", "\xff\xfe", strings.Repeat("é", 200)} {
		f.Add(s)
	}
	th := New(nil, Config{Secret: testSecret}, nil)
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeIdentifier(s)
		if len(n) > maxRaw || !utf8.ValidString(n) {
			t.Fatalf("normalizeIdentifier(%q) = %q: too long or invalid UTF-8", s, n)
		}
		if again := normalizeIdentifier(n); again != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, again)
		}
		if k := th.AccountKey(ScopeLoginAccount, s); !hexKey.MatchString(k.hash) {
			t.Fatalf("AccountKey(%q) hash %q", s, k.hash)
		}
	})
}

// FuzzNormalizeAddr: any input is accepted, and an IP counts the same with or
// without a port.
func FuzzNormalizeAddr(f *testing.F) {
	for _, s := range []string{"", "192.0.2.1", "[2001:db8::1]:443", "::ffff:10.0.0.1", "fe80::1%en0", "unix:/run/x", "\x00"} {
		f.Add(s)
	}
	th := New(nil, Config{Secret: testSecret}, nil)
	f.Fuzz(func(t *testing.T, s string) {
		k := th.AddrKey(ScopeLoginAddr, s)
		if !hexKey.MatchString(k.hash) {
			t.Fatalf("AddrKey(%q) hash %q", s, k.hash)
		}
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil || len(s) > maxRaw {
			return
		}
		withPort := netip.AddrPortFrom(ip.WithZone(""), 443).String()
		if got, want := AddrGroup(withPort), AddrGroup(s); got != want {
			t.Fatalf("%q → %q but %q → %q", s, want, withPort, got)
		}
	})
}

// TestRecordKeys: a record key is one counter per record, apart from the keys of
// strings, of other kinds and of other scopes.
func TestRecordKeys(t *testing.T) {
	th := New(nil, Config{Secret: testSecret}, nil)
	a := th.RecordKey(ScopeLoginAccount, "person", 42)
	if a != th.RecordKey(ScopeLoginAccount, "person", 42) || a.IsZero() || a.Scope() != ScopeLoginAccount {
		t.Fatalf("RecordKey is not stable: %v", a)
	}
	others := []Key{
		th.RecordKey(ScopeLoginAccount, "person", 43),
		th.RecordKey(ScopeLoginAccount, "membership", 42),
		th.RecordKey(ScopeSMSGuess, "person", 42),
		th.AccountKey(ScopeLoginAccount, "42"),
		th.AccountKey(ScopeLoginAccount, "record:person\x0042"),
	}
	for _, o := range others {
		if o.hash == a.hash {
			t.Errorf("%v shares the hash of %v", o, a)
		}
	}
}
