package legacy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseLine: any four cells give either a normalised line or a Chinese message
// per bad column, never both, never a panic; a good line parses to itself again.
func FuzzParseLine(f *testing.F) {
	good, _ := HashPBKDF2("x", []byte("saltsaltsalt"), 1000)
	f.Add("JS32010001", "91320106MA1XXXXX0X", "南京某某有限公司", good)
	f.Add(" js 3201 ", "", "\x00", "$2a$04$")
	f.Add("ＪＳ３２０１", "91320106MA1MGLCP6U", strings.Repeat("名", 101), "$pbkdf2-sha256$1000$$")
	f.Fuzz(func(t *testing.T, number, uscc, name, hash string) {
		l, errs := ParseLine(number, uscc, name, hash)
		if len(errs) > 0 {
			if l != (Line{}) {
				t.Fatalf("a refused line came back as %+v", l)
			}
			for c, m := range errs {
				if m == "" || !utf8.ValidString(m) {
					t.Fatalf("column %s: empty or invalid message %q", c, m)
				}
			}
			return
		}
		if l.Number == "" || len(l.USCC) != 18 || l.Name == "" || l.Hash == "" {
			t.Fatalf("accepted line with an empty value: %+v", l)
		}
		again, errs := ParseLine(l.Number, l.USCC, l.Name, l.Hash)
		if len(errs) > 0 || again != l {
			t.Fatalf("a normalised line does not parse to itself: %+v → %+v %v", l, again, errs)
		}
	})
}
