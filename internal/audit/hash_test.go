package audit

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestCanonicalIsUnambiguous(t *testing.T) {
	base := record{seq: 1, at: time.Unix(1700000000, 123000).UTC(), role: "ab", action: "c", prevHash: genesisHash}
	l := New(nil, testKey, nil)
	h := l.newHasher()
	want := h.sum(&base)
	for name, r := range map[string]record{
		"byte moved between fields": {seq: 1, at: base.at, role: "a", action: "bc", prevHash: genesisHash},
		"NULL unit vs unit 1":       {seq: 1, at: base.at, unit: 1, role: "ab", action: "c", prevHash: genesisHash},
		"one microsecond later":     {seq: 1, at: base.at.Add(time.Microsecond), role: "ab", action: "c", prevHash: genesisHash},
		"other prev_hash":           {seq: 1, at: base.at, role: "ab", action: "c", prevHash: "x"},
	} {
		if h.sum(&r) == want {
			t.Errorf("%s: same hash", name)
		}
	}
	// The time zone of the value read back does not matter.
	shanghai := base
	shanghai.at = base.at.In(time.FixedZone("CST", 8*3600))
	if h.sum(&shanghai) != want {
		t.Error("hash depends on the time zone")
	}
	if New(nil, nil, nil).newHasher().sum(&base) == want {
		t.Error("keyed and plain hashes agree")
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"login.", "login/", true},
		{"a", "b", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF", "", false},
		{"x\uD7FF", "x\uE000", true},
		{"登录", "登彖", true},
	} {
		got, ok := prefixEnd(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\x00b", 10, "ab"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"目目目", 7, "目目"},
		{"目目目", 6, "目目"},
		{"目目目", 2, ""},
	} {
		got := clean(tc.in, tc.max)
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
