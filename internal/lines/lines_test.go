package lines

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// read is a line of a file read through a Limiter: its text without the line end,
// or refused as too long, and the number the Limiter gave a refused one.
type read struct {
	text    string
	tooLong bool
	line    int
}

// readAll reads every line of r through a Limiter the way a line-at-a-time importer
// does, going on after a refused line.
func readAll(t *testing.T, r io.Reader) []read {
	t.Helper()
	lim := NewLimiter(r)
	br := bufio.NewReader(lim)
	var got []read
	for {
		text, err := br.ReadString('\n')
		switch {
		case errors.Is(err, ErrTooLong):
			if len(text) > MaxBytes+1 {
				t.Fatalf("line %d: %d bytes held before the refusal", len(got)+1, len(text))
			}
			got = append(got, read{tooLong: true, line: lim.Line()})
			continue
		case err == io.EOF && text == "":
			return got
		case err != nil && err != io.EOF:
			t.Fatal(err)
		}
		got = append(got, read{text: strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")})
	}
}

// TestBound: a line of exactly MaxBytes (with either line end, or at the end of the
// file with or without a "\r") is read; one byte more is refused, numbered, and the
// reading goes on with the next line.
func TestBound(t *testing.T) {
	edge := strings.Repeat("a", MaxBytes)
	for _, end := range []string{"\n", "\r\n"} {
		for _, last := range []string{"", "\r", end} {
			file := edge + end + edge + "b" + end + "c" + end + edge + "\rd" + end + edge + last
			want := []read{{text: edge}, {tooLong: true, line: 2}, {text: "c"}, {tooLong: true, line: 4}, {text: edge}}
			for name, r := range map[string]io.Reader{
				"whole":       strings.NewReader(file),
				"byte a time": iotest.OneByteReader(strings.NewReader(file)),
			} {
				got := readAll(t, r)
				if len(got) != len(want) {
					t.Fatalf("%q end, %q last, %s: %d lines, want %d", end, last, name, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("%q end, %q last, %s: line %d read as %d bytes (too long %v, numbered %d), want %d (%v, %d)",
							end, last, name, i+1, len(got[i].text), got[i].tooLong, got[i].line, len(want[i].text), want[i].tooLong, want[i].line)
					}
				}
			}
		}
	}
}

// FuzzLimiter: any file splits into its lines, each read as it is (its line end
// removed) when it holds at most MaxBytes, else refused with its own number, never
// a panic, never more than one bound held, whatever size the reads come in.
func FuzzLimiter(f *testing.F) {
	f.Add([]byte("单位编号,统一社会信用代码,单位名称,密码哈希\r\nJS0001,x,\"a,b\",h\n"), 0, 1, false)
	f.Add([]byte("\"open\nquote\"\n\n\r\n"), 0, 1, true)
	f.Add([]byte("a\nb"), MaxBytes-1, 3, false)
	f.Add([]byte("a\r\nb\r"), MaxBytes, 1, true)
	f.Fuzz(func(t *testing.T, file []byte, pad, where int, byteAtATime bool) {
		// pad grows one line to about the bound, where the interesting cases are.
		if pad = pad % (MaxBytes + 4); pad < 0 {
			pad = -pad
		}
		if where < 0 || where > len(file) {
			where = len(file)
		}
		file = append(append(append([]byte{}, file[:where]...), bytes.Repeat([]byte("x"), pad)...), file[where:]...)
		var want []read
		physical := strings.Split(string(file), "\n")
		if physical[len(physical)-1] == "" {
			physical = physical[:len(physical)-1]
		}
		for i, line := range physical {
			text := strings.TrimSuffix(line, "\r")
			if len(text) > MaxBytes {
				want = append(want, read{tooLong: true, line: i + 1})
			} else {
				want = append(want, read{text: text})
			}
		}
		var r io.Reader = bytes.NewReader(file)
		if byteAtATime {
			r = iotest.OneByteReader(r)
		}
		got := readAll(t, r)
		if len(got) != len(want) {
			t.Fatalf("%d lines read, the file has %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("line %d read as %d bytes (too long %v, numbered %d), is %d bytes", i+1, len(got[i].text), got[i].tooLong, got[i].line, len(physical[i]))
			}
		}
	})
}
