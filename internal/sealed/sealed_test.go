package sealed

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustKeys(t testing.TB, primary []byte, previous ...[]byte) *Keys {
	t.Helper()
	k, err := NewKeys(primary, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var outboxMobile = Place{Table: "sms_outbox", Column: "mobile", Row: "7"}

func TestSealOpen(t *testing.T) {
	k := mustKeys(t, testKey(1))
	for _, plain := range []string{"", "13812345678", "【示范省人社】您的验证码为123456，5分钟内有效。", strings.Repeat("长", 500)} {
		v := k.SealString(outboxMobile, plain)
		if len(v) != len(plain)+Overhead {
			t.Errorf("sealed %d bytes into %d, want %d", len(plain), len(v), len(plain)+Overhead)
		}
		if plain != "" && bytes.Contains(v, []byte(plain)) {
			t.Errorf("sealed value holds its plaintext %q", plain)
		}
		if v[0] != Version || !bytes.Equal(v[1:5], k.Primary().bytes()) {
			t.Errorf("header % x, want version %d and key %s", v[:5], Version, k.Primary())
		}
		got, err := k.OpenString(outboxMobile, v)
		if err != nil || got != plain {
			t.Errorf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	// A fresh nonce per value: the same plaintext seals differently.
	if bytes.Equal(k.SealString(outboxMobile, "x"), k.SealString(outboxMobile, "x")) {
		t.Error("two seals of one plaintext are equal")
	}
}

func (id KeyID) bytes() []byte { return id[:] }

// TestOpenRefuses: every way a value can be wrong is refused with its documented
// error.
func TestOpenRefuses(t *testing.T) {
	k := mustKeys(t, testKey(1))
	other := mustKeys(t, testKey(2))
	v := k.SealString(outboxMobile, "13812345678")
	flip := func(i int) []byte {
		c := bytes.Clone(v)
		c[i] ^= 0x01
		return c
	}
	withID := func(id KeyID) []byte {
		c := bytes.Clone(v)
		copy(c[1:5], id[:])
		return c
	}
	cases := []struct {
		name  string
		keys  *Keys
		place Place
		value []byte
		want  error
	}{
		{"empty", k, outboxMobile, nil, ErrMalformed},
		{"shorter than the format", k, outboxMobile, v[:Overhead-1], ErrMalformed},
		{"unknown version", k, outboxMobile, append([]byte{2}, v[1:]...), ErrMalformed},
		{"version zero", k, outboxMobile, append([]byte{0}, v[1:]...), ErrMalformed},
		{"flipped key identifier byte", k, outboxMobile, flip(2), ErrUnknownKey},
		{"flipped nonce byte", k, outboxMobile, flip(5 + 3), ErrAuthentication},
		{"flipped ciphertext byte", k, outboxMobile, flip(headerSize + nonceSize + 1), ErrAuthentication},
		{"flipped tag byte", k, outboxMobile, flip(len(v) - 1), ErrAuthentication},
		{"truncated tag", k, outboxMobile, v[:len(v)-1], ErrAuthentication},
		{"another column", k, Place{Table: "sms_outbox", Column: "text", Row: "7"}, v, ErrAuthentication},
		{"another row", k, Place{Table: "sms_outbox", Column: "mobile", Row: "8"}, v, ErrAuthentication},
		{"no row", k, Place{Table: "sms_outbox", Column: "mobile"}, v, ErrAuthentication},
		{"another table", k, Place{Table: "persons", Column: "mobile", Row: "7"}, v, ErrAuthentication},
		// Length prefixes keep the parts apart: "sms_outbox"+"mobile" ≠ "sms_outboxm"+"obile".
		{"parts shifted", k, Place{Table: "sms_outboxm", Column: "obile", Row: "7"}, v, ErrAuthentication},
		{"wrong key", other, outboxMobile, v, ErrUnknownKey},
		// Forging the identifier of the key at hand does not make it open.
		{"wrong key, identifier forged", other, outboxMobile, withID(other.Primary()), ErrAuthentication},
	}
	for _, c := range cases {
		got, err := c.keys.Open(c.place, c.value)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Open = %q, %v; want %v", c.name, got, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "13812345678") {
			t.Errorf("%s: error %q names the plaintext", c.name, err)
		}
	}
}

// TestUnreadable: Open's three refusals, wrapped as callers wrap them, are a
// row's fault; no error, other errors, a cancelled context, the database's errors
// and a configuration error (a key of the wrong size) are not.
func TestUnreadable(t *testing.T) {
	k := mustKeys(t, testKey(1))
	_, moved := k.Open(Place{Table: "sms_outbox", Column: "mobile", Row: "8"}, k.SealString(outboxMobile, "13812345678"))
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"malformed", fmt.Errorf("cases: form: %w", ErrMalformed), true},
		{"unknown key", fmt.Errorf("delivery: mobile: %w", ErrUnknownKey), true},
		{"authentication", fmt.Errorf("sms: outbox: %w", ErrAuthentication), true},
		{"malformed, unwrapped", ErrMalformed, true},
		{"Open's refusal of a moved value", fmt.Errorf("store: rotate: %w", moved), true},
		{"nil", nil, false},
		{"plain error", errors.New("sealed: not a sealed value"), false},
		{"context canceled", fmt.Errorf("sms: outbox: %w", context.Canceled), false},
		{"no rows", fmt.Errorf("cases: %w", sql.ErrNoRows), false},
		{"connection done", sql.ErrConnDone, false},
		{"transaction done", fmt.Errorf("store: %w", sql.ErrTxDone), false},
		{"key size", fmt.Errorf("config: %w", ErrKeySize), false},
	}
	for _, c := range cases {
		if got := Unreadable(c.err); got != c.want {
			t.Errorf("%s: Unreadable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestPreviousKeys: a value sealed under a key opens while that key is configured
// as a previous one, new values are sealed under the primary, and the value no
// longer opens once the old key is gone.
func TestPreviousKeys(t *testing.T) {
	old := mustKeys(t, testKey(1))
	v := old.SealString(outboxMobile, "13812345678")
	both := mustKeys(t, testKey(2), testKey(1))
	if got, err := both.OpenString(outboxMobile, v); err != nil || got != "13812345678" {
		t.Fatalf("old value under new+old keys: %q, %v", got, err)
	}
	if h, err := Parse(both.SealString(outboxMobile, "x")); err != nil || h.KeyID != both.Primary() || h.KeyID == old.Primary() {
		t.Fatalf("new value sealed under %s (%v), want the new primary %s", h.KeyID, err, both.Primary())
	}
	if _, err := mustKeys(t, testKey(2)).Open(outboxMobile, v); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old value after the old key went: %v, want ErrUnknownKey", err)
	}
}

func TestNewKeysRefuses(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKeys(make([]byte, n)); !errors.Is(err, ErrKeySize) {
			t.Errorf("%d-byte key: %v, want ErrKeySize", n, err)
		}
	}
	if _, err := NewKeys(testKey(1), testKey(2), testKey(1)); err == nil {
		t.Error("the same key twice was accepted")
	}
	if _, err := NewKeys(testKey(1), make([]byte, 5)); !errors.Is(err, ErrKeySize) {
		t.Errorf("short previous key: %v, want ErrKeySize", err)
	}
}

func TestIndex(t *testing.T) {
	k := mustKeys(t, testKey(1))
	a := k.Index("mobile", "13812345678")
	if len(a) != 32 {
		t.Fatalf("index of %d bytes", len(a))
	}
	if !bytes.Equal(a, mustKeys(t, testKey(1)).Index("mobile", "13812345678")) {
		t.Error("the same key and value gave two indexes")
	}
	differ := []struct {
		name string
		b    []byte
	}{
		{"another value", k.Index("mobile", "13812345679")},
		{"another kind", k.Index("id-number", "13812345678")},
		{"kind and value shifted", k.Index("mobile1", "3812345678")},
		{"another key", mustKeys(t, testKey(2)).Index("mobile", "13812345678")},
		// Normalizing is the caller's: a spelling with spaces is another value.
		{"unnormalized", k.Index("mobile", "138 1234 5678")},
	}
	for _, d := range differ {
		if bytes.Equal(a, d.b) {
			t.Errorf("%s: same index", d.name)
		}
	}
	// The index key is derived, not the data key itself, and not the encryption key.
	if bytes.Contains(a, testKey(1)[:8]) {
		t.Error("index holds key bytes")
	}
}

func TestParseKey(t *testing.T) {
	key := NewKey()
	for _, s := range []string{EncodeKey(key), EncodeKey(key) + "\n", "  " + strings.TrimRight(EncodeKey(key), "=")} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"", "is 0 bytes"},
		{EncodeKey(make([]byte, 16)), "is 16 bytes"},
		{EncodeKey(make([]byte, 33)), "is 33 bytes"},
		{strings.Repeat("ab", 32), "is 48 bytes"}, // hex is not the configured form
		{"not*base64", "not base64"},
	} {
		_, err := ParseKey(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "32 random bytes in base64") {
			t.Errorf("ParseKey(%q) = %v, want an error saying %q and the expected form", c.in, err, c.want)
		}
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "data-key")
	key, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(key) != KeySize {
		t.Fatalf("first start: %x, created %v, %v", key, created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("created directory: %v, %v; want 0700", st.Mode().Perm(), err)
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("second start: %x, created %v, %v; want the first key, not created", again, created, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want the key file only", len(entries))
	}
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "32 random bytes") {
		t.Errorf("a file with no key: %v", err)
	}
}

// TestLoadOrCreateKeyFileTogether: processes starting together on one data
// directory all end up with one key.
func TestLoadOrCreateKeyFileTogether(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data-key")
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			keys[i], _, errs[i] = LoadOrCreateKeyFile(path)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("start %d: %x, %v; want %x", i, keys[i], errs[i], keys[0])
		}
	}
}

// FuzzOpen: Open reads what the database holds, which is outside input. Whatever
// the bytes, it must not panic, must answer one of its documented errors, and may
// succeed only on bytes this key sealed for this place.
func FuzzOpen(f *testing.F) {
	k := mustKeys(f, testKey(1))
	f.Add(k.SealString(outboxMobile, "13812345678"))
	f.Add(k.SealString(outboxMobile, ""))
	f.Add([]byte{})
	f.Add([]byte{Version})
	f.Add(make([]byte, Overhead))
	f.Fuzz(func(t *testing.T, value []byte) {
		got, err := k.Open(outboxMobile, value)
		if err == nil {
			// Accepted: then re-sealing is not needed to trust it, but its header
			// must be ours and its length the format's.
			if h, perr := Parse(value); perr != nil || h.KeyID != k.Primary() || len(value) != len(got)+Overhead {
				t.Fatalf("opened % x into %q with header %v, %v", value, got, h, perr)
			}
			return
		}
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrAuthentication) {
			t.Fatalf("undocumented error %v", err)
		}
		if _, perr := Parse(value); errors.Is(err, ErrMalformed) != (perr != nil) {
			t.Fatalf("Open says %v, Parse says %v", err, perr)
		}
	})
}

// FuzzSealOpen: anything sealed opens to itself at its place and nowhere else.
func FuzzSealOpen(f *testing.F) {
	k := mustKeys(f, testKey(1))
	f.Add([]byte("13812345678"), "sms_outbox", "mobile", "7")
	f.Fuzz(func(t *testing.T, plain []byte, table, column, row string) {
		p := Place{Table: table, Column: column, Row: row}
		v := k.Seal(p, plain)
		got, err := k.Open(p, v)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open(Seal(%q)) = %q, %v", plain, got, err)
		}
		q := p
		q.Row += "x"
		if _, err := k.Open(q, v); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("opened at another row: %v", err)
		}
	})
}
