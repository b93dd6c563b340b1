package qrlogin

import (
	"encoding/base64"
	"strings"
	"testing"

	"hall/internal/token"
)

// FuzzParseKey feeds the ticket ID (from a page or a scanned link) and the binding
// (from a cookie) of any shape to the parser every browser-side method goes through.
// It must never panic, accept only what this package issues, and give the stored
// form those values have.
func FuzzParseKey(f *testing.F) {
	id, binding := token.New(), token.New()
	for _, s := range [][2]string{
		{id, binding},
		{id, binding[:22]},
		{id[:42] + "B", binding},
		{id, ""},
		{"", binding},
		{strings.Repeat("A", 43), strings.Repeat("-", 64)},
		{id + "=", binding},
		{"../../app/qr/" + id, binding},
		{id, binding + "; Path=/"},
		{strings.ToUpper(id), "\x00" + binding},
		{"全角字符" + id[:31], binding},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, id, binding string) {
		k, ok := parseKey(id, binding)
		if !ok {
			if k != (key{}) {
				t.Fatalf("a refused key carries %+v", k)
			}
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != token.Bytes || base64.RawURLEncoding.EncodeToString(raw) != id {
			t.Fatalf("accepted an ID that is not a canonical token: %q", id)
		}
		if len(binding) < minBinding || len(binding) > maxBinding || strings.ContainsAny(binding, " ;=\x00/+") {
			t.Fatalf("accepted the binding %q", binding)
		}
		if k.id != token.Hash(id) || k.binding != token.Hash(binding) || len(k.id) != 64 {
			t.Fatalf("stored form %+v of %q, %q", k, id, binding)
		}
		if !ValidID(id) || !strings.HasSuffix(Link("https://hall.example", id), LinkPath+id) {
			t.Fatalf("Link or ValidID disagree with parseKey for %q", id)
		}
		if !strings.HasPrefix(shortRef(k.id), "qr:") || strings.Contains(shortRef(k.id), id) {
			t.Fatalf("shortRef %q", shortRef(k.id))
		}
	})
}
