package legacy

import (
	"bytes"
	"errors"
	"io"
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

// FuzzLines: any file splits into lines of at most maxLineBytes, each refused as too
// long or read, never a panic; the lines are numbered one by one, and the lines read
// are the file's own (its line ends removed).
func FuzzLines(f *testing.F) {
	f.Add([]byte("单位编号,统一社会信用代码,单位名称,密码哈希\r\nJS0001,x,\"a,b\",h\n"), 0, 1)
	f.Add([]byte("\"open\nquote\"\n\n\r\n"), 0, 1)
	f.Add([]byte("a\nb"), maxLineBytes-1, 3)
	f.Fuzz(func(t *testing.T, file []byte, pad, where int) {
		// pad grows one line to about the bound, where the interesting cases are.
		if pad = pad % (maxLineBytes + 4); pad < 0 {
			pad = -pad
		}
		if where < 0 || where > len(file) {
			where = len(file)
		}
		file = append(append(append([]byte{}, file[:where]...), bytes.Repeat([]byte("x"), pad)...), file[where:]...)
		want := strings.Split(string(file), "\n")
		if want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		lr := newLineReader(bytes.NewReader(file))
		for i := 0; ; i++ {
			text, n, err := lr.next()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%d lines read, the file has %d", i, len(want))
				}
				return
			}
			if i >= len(want) || n != i+1 {
				t.Fatalf("line %d numbered %d (the file has %d)", i+1, n, len(want))
			}
			line := strings.TrimSuffix(want[i], "\r")
			switch {
			case errors.Is(err, errLineTooLong):
				if len(line) <= maxLineBytes {
					t.Fatalf("line %d of %d bytes refused as too long", n, len(line))
				}
			case err != nil:
				t.Fatal(err)
			case text != line:
				t.Fatalf("line %d read as %d bytes, is %d", n, len(text), len(line))
			default:
				// A line holds one record at most: no field holds a line end.
				rec, err := splitLine(text)
				for _, f := range rec {
					if err == nil && strings.Contains(f, "\n") {
						t.Fatalf("line %d gave a field over two lines", n)
					}
				}
				if err == nil && len(rec) == 0 && strings.Trim(text, "\r") != "" {
					t.Fatalf("line %d gave no fields", n)
				}
			}
		}
	})
}
