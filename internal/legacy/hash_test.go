package legacy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestHashFormats: both export formats verify the right password and refuse a wrong
// one; malformed strings and costs out of bounds are refused at parse time with a
// Chinese reason.
func TestHashFormats(t *testing.T) {
	pbkdf, err := HashPBKDF2("Old#pass1", []byte("saltsaltsalt"), 1000)
	if err != nil {
		t.Fatal(err)
	}
	// passlib writes the rounds without "i=" and '.' for '+'.
	passlib := strings.Replace(strings.ReplaceAll(pbkdf, "+", "."), "i=1000", "1000", 1)
	bc, err := bcrypt.GenerateFromPassword([]byte("Old#pass1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	bcy := "$2y$" + string(bc[4:])
	// The cost is only read at parse time: a forged one is as good as a real one.
	tooCostly := strings.Replace(string(bc), "$04$", fmt.Sprintf("$%02d$", MaxBcryptCost+1), 1)
	for _, tc := range []struct {
		name, hash string
		ok         bool
		kind       string
	}{
		{"pbkdf2 PHC", pbkdf, true, "pbkdf2-sha256"},
		{"pbkdf2 passlib", passlib, true, "pbkdf2-sha256"},
		{"bcrypt 2a", string(bc), true, "bcrypt"},
		{"bcrypt 2y", bcy, true, "bcrypt"},
		{"unknown scheme", "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5", false, ""},
		{"plain text", "Old#pass1", false, ""},
		{"md5 hex", "5f4dcc3b5aa765d61d8327deb882cf99", false, ""},
		{"pbkdf2 too few iterations", strings.Replace(pbkdf, "i=1000", "i=999", 1), false, ""},
		{"pbkdf2 too many iterations", strings.Replace(pbkdf, "i=1000", "i=2000001", 1), false, ""},
		{"pbkdf2 missing part", "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ", false, ""},
		{"pbkdf2 short key", "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0$a2V5", false, ""},
		{"pbkdf2 bad base64", "$pbkdf2-sha256$i=1000$!!!$a2V5", false, ""},
		{"bcrypt truncated", string(bc[:50]), false, ""},
		{"bcrypt too costly", tooCostly, false, ""},
		{"too long", "$pbkdf2-sha256$" + strings.Repeat("a", 300), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHash(tc.hash)
			if !tc.ok {
				if !errors.Is(err, ErrHashFormat) || HashMsg(err) == "" {
					t.Fatalf("ParseHash = %v, want ErrHashFormat with a message", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHash: %v", err)
			}
			if h.Kind() != tc.kind {
				t.Errorf("kind %q, want %q", h.Kind(), tc.kind)
			}
			if !h.Verify("Old#pass1") {
				t.Error("the right password is refused")
			}
			for _, wrong := range []string{"old#pass1", "Old#pass1 ", "", "Old#pass"} {
				if h.Verify(wrong) {
					t.Errorf("wrong password %q accepted", wrong)
				}
			}
		})
	}
}

// TestNormalizeNumber: the spellings of one 单位编号 (case, spaces, full width) are one
// number; anything else is refused.
func TestNormalizeNumber(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"JS32010001", "JS32010001", true},
		{" js32010001 ", "JS32010001", true},
		{"JS 3201 0001", "JS32010001", true},
		{"ＪＳ３２０１０００１", "JS32010001", true},
		{"js-3201\u200b0001", "JS-32010001", true},
		{"ab1", "", false},
		{strings.Repeat("A", 33), "", false},
		{"JS3201/0001", "", false},
		{"单位3201", "", false},
		{"", "", false},
	} {
		got, ok := NormalizeNumber(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("NormalizeNumber(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
