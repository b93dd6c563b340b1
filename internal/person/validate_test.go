package person

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means refused
	}{
		{"张三", "张三"},
		{" 欧阳娜娜 ", "欧阳娜娜"},
		{"买买提·艾力", "买买提·艾力"},
		{"买买提•艾力", "买买提·艾力"},
		{"买买提・艾力", "买买提·艾力"},
		{"买买提.艾力", "买买提·艾力"},
		{"JOHN SMITH", "JOHN SMITH"},
		{"John   Smith", "John Smith"},
		{"ＪＯＨＮ　ＳＭＩＴＨ", "JOHN SMITH"},
		{"Zoë", "Zoë"},
		{"Zoe\u0308y", "Zoe\u0308y"},
		{"张", ""},
		{"", ""},
		{"   ", ""},
		{"张3", ""},
		{"张三!", ""},
		{"·张三", ""},
		{"张三·", ""},
		{"张··三", ""},
		{"张· 三", "张·三"},
		{"JOHN· SMITH", ""},
		{"\u0308张三", ""},
		{"张\u200b三", ""},
		{"张\n三", ""},
		{"张 三", "张三"},
		{"张　三", "张三"},
		{"JOHN 张", "JOHN张"},
		{strings.Repeat("张", 30), strings.Repeat("张", 30)},
		{strings.Repeat("张", 31), ""},
		{"\xff\xfe", ""},
	} {
		got, ok := NormalizeName(tc.in)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"张三", "买买提·艾力", "JOHN SMITH", "·", "a\u0308", "ＪＯＨＮ　Ｘ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := NormalizeName(s)
		if !ok {
			if n != "" {
				t.Fatalf("refused %q but returned %q", s, n)
			}
			return
		}
		if c := utf8.RuneCountInString(n); c < minNameRunes || c > maxNameRunes {
			t.Fatalf("accepted %q of %d runes", n, c)
		}
		if again, ok := NormalizeName(n); !ok || again != n {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, n, again, ok)
		}
	})
}

func TestNormalizeCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"123456", "123456"},
		{" 012345 ", "012345"},
		{"１２３４５６", "123456"},
		{"12345", ""},
		{"1234567", ""},
		{"12345a", ""},
		{"123 456", ""},
		{"", ""},
		{"١٢٣٤٥٦", ""}, // Arabic-Indic digits are digits, but not what the SMS says
	} {
		got, ok := normalizeCode(tc.in)
		if ok != (tc.want != "") || (ok && got != tc.want) {
			t.Errorf("normalizeCode(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func FuzzNormalizeCode(f *testing.F) {
	f.Add("123456")
	f.Add("１２３４５６")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := normalizeCode(s)
		if !ok {
			return
		}
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("accepted %q as %q", s, c)
		}
	})
}

func TestCheckDescription(t *testing.T) {
	for _, tc := range []struct {
		in       string
		required bool
		want     string
		bad      bool
	}{
		{"", false, "", false},
		{"", true, "", true},
		{"  本人身份证被他人注册\r\n请核实  ", true, "本人身份证被他人注册\n请核实", false},
		{"a\tb", false, "a\tb", false},
		{"a\x00b", false, "", true},
		{"a\x1bb", false, "", true},
		{"\xff", false, "", true},
		{strings.Repeat("字", 500), false, strings.Repeat("字", 500), false},
		{strings.Repeat("字", 501), false, "", true},
	} {
		fe := &FormError{}
		got := checkDescription(fe, tc.in, tc.required)
		_, bad := fe.Fields[FieldDescription]
		if got != tc.want || bad != tc.bad {
			t.Errorf("checkDescription(%q, %v) = %q, refused=%v; want %q, %v", tc.in, tc.required, got, bad, tc.want, tc.bad)
		}
	}
}

func FuzzCheckDescription(f *testing.F) {
	f.Add("本人身份证被他人注册\r\n请核实")
	f.Fuzz(func(t *testing.T, s string) {
		fe := &FormError{}
		got := checkDescription(fe, s, false)
		if len(fe.Fields) > 0 {
			if got != "" {
				t.Fatalf("refused but returned %q", got)
			}
			return
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxDescriptionRunes || strings.ContainsRune(got, 0) {
			t.Fatalf("accepted %q", got)
		}
	})
}
