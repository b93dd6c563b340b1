package ident

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"no number", "path=/catalog", "path=/catalog"},
		{"resident", "id=32010219900307241X", "id=3***************1X"},
		{"resident lower x", "id=32010219900307241x", "id=3***************1x"},
		{"resident grouped", "320102 19900307 241X", "3***** ******** **1X"},
		{"resident in query", "id_number=320102+19900307+241X&a=1", "id_number=3*****+********+**1X&a=1"},
		{"resident full-width", "号码３２０１０２１９９００３０７２４１Ｘ。", "号码３***************１Ｘ。"},
		{"mobile", "mobile=13812341234&x=1", "mobile=138****1234&x=1"},
		{"two mobiles", "13812341234,13912345678", "138****1234,139****5678"},
		{"+86", "tel +8613620505873", "tel +86136****5873"},
		{"86", "tel 8613620505873", "tel 86136****5873"},
		{"0086 spaced", "0086 136 2050 5873", "0086 136 **** 5873"},
		{"+86 hyphens", "+86-136-2050-5873", "+86-136-****-5873"},
		{"hyphens", "手机136-2050-5873。", "手机136-****-5873。"},
		{"spaces", "call 136 2050 5873 now", "call 136 **** 5873 now"},
		{"url-encoded spaces", "m=136%202050%205873", "m=136%20****%205873"},
		{"plus in query", "mobile=%2B86+136+2050+5873", "mobile=%2B86+136+****+5873"},
		{"full-width mobile", "１３６２０５０５８７３", "１３６****５８７３"},
		{"ideographic space", "１３６\u3000２０５０\u3000５８７３", "１３６\u3000****\u3000５８７３"},
		{"percent-encoded full-width", "m=%EF%BC%91%EF%BC%93%EF%BC%96%EF%BC%92%EF%BC%90%EF%BC%95%EF%BC%90%EF%BC%95%EF%BC%98%EF%BC%97%EF%BC%93",
			"m=%EF%BC%91%EF%BC%93%EF%BC%96****%EF%BC%95%EF%BC%98%EF%BC%97%EF%BC%93"},
		{"hk pass", "id_number=H12345678&t=hk_macao_pass", "id_number=H******78&t=hk_macao_pass"},
		{"macao pass lower, old", "m1234567890 x", "m********90 x"},
		{"taiwan pass 8", "证件 12345678。", "证件 1*****78。"},
		{"taiwan pass 10", "(1234567890)", "(1*******90)"},
		{"permanent 2017", "USA320590101001", "U************01"},
		{"permanent 2023", "932840199001010013", "9***************13"},
		{"passport", "passport E12345678 and EA1234567", "passport E******78 and E******67"},
		{"passport by key", `"id_number":"P9X4K2Q7"`, `"id_number":"P*****Q7"`},
		{"passport short by key", "legal_rep_id_number=AB123", "legal_rep_id_number=*****"},
		// Left alone: longer numbers, wrong prefixes, hashes, request IDs, timestamps,
		// durations, decimals, versions.
		{"longer number", "order 123456789012345678901", "order 123456789012345678901"},
		{"not a mobile prefix", "n=23812341234x", "n=23812341234x"},
		{"request id", "request_id=5f3a9c1e0b7d2468", "request_id=5f3a9c1e0b7d2468"},
		{"request id digits first", "request_id=1362050587ab3d46", "request_id=1362050587ab3d46"},
		{"sha256", "sum=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "sum=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"rfc3339", "time=2026-12-04T20:03:29.123456789+08:00", "time=2026-12-04T20:03:29.123456789+08:00"},
		{"rfc3339 8 fraction digits", "time=2026-12-04T20:03:29.12345678+08:00", "time=2026-12-04T20:03:29.12345678+08:00"},
		{"duration", "duration=13.620505873ms", "duration=13.620505873ms"},
		{"decimal", "x=0.12345678", "x=0.12345678"},
		{"unrelated key", "valid_number=H12", "valid_number=H12"},
		{"masked stays", "138****1234 3***************1X id_number=H******78", "138****1234 3***************1X id_number=H******78"},
	}
	for _, c := range cases {
		if got := MaskText(c.in); got != c.want {
			t.Errorf("%s: MaskText(%q)\n got %q\nwant %q", c.name, c.in, got, c.want)
		}
		if got := MaskText(c.want); got != c.want {
			t.Errorf("%s: masking %q again gives %q", c.name, c.want, got)
		}
	}
}

func TestGenerateIDValidates(t *testing.T) {
	g := rand.New(rand.NewPCG(1, 2))
	for _, o := range IDTypes() {
		for i := 0; i < 200; i++ {
			n := GenerateID(g, o.Value)
			if got, err := ValidateID(o.Value, n, testNow); err != nil || got != n {
				t.Fatalf("GenerateID(%s) = %q: ValidateID gives %q, %v", o.Value, n, got, err)
			}
		}
	}
}

// spellings are the ways a person may write number (an ID number or a mobile) and
// how it then reaches a log: as typed, in a query string, full-width.
func spellings(number string) []string {
	wide := strings.Map(func(r rune) rune {
		if r < 0x80 && r > ' ' {
			return r + 0xFEE0
		}
		return r
	}, number)
	out := []string{number, strings.ToLower(number), wide, url.QueryEscape(wide)}
	group := func(sep string, sizes ...int) string {
		var parts []string
		rest := number
		for _, n := range sizes {
			if n >= len(rest) {
				break
			}
			parts = append(parts, rest[:n])
			rest = rest[n:]
		}
		return strings.Join(append(parts, rest), sep)
	}
	switch {
	case isMobile(number):
		for _, sep := range []string{" ", "-", "+", "%20", "\u3000"} {
			out = append(out, group(sep, 3, 4))
		}
		out = append(out, "+86"+number, "86"+number, "0086"+number, "+86 "+number,
			"+86-"+group("-", 3, 4), url.QueryEscape("+86 "+group(" ", 3, 4)), "%2B86%20"+group("%20", 3, 4))
	case len(number) == 18:
		for _, sep := range []string{" ", "-", "+", "%20"} {
			out = append(out, group(sep, 6, 8))
		}
	}
	return out
}

// filler is text that must come out of MaskText unchanged: the words, keys, request
// IDs, hashes, timestamps and durations a log line holds.
func filler(g *rand.Rand) string {
	const hex = "0123456789abcdef"
	pieces := []func() string{
		func() string { return "登录失败" },
		func() string { return "path=/acct/login" },
		func() string { return "status=200" },
		func() string { return "bytes=5123" },
		func() string { return "msg=\"短信发送\"" },
		func() string {
			b := []byte("request_id=")
			for i := 0; i < 16; i++ {
				b = append(b, hex[g.IntN(16)])
			}
			b[len(b)-1-g.IntN(16)] = "abcdef"[g.IntN(6)] // hex IDs with a letter
			return string(b)
		},
		func() string {
			b := []byte("sum=")
			for i := 0; i < 64; i++ {
				b = append(b, hex[g.IntN(16)])
			}
			return string(b)
		},
		func() string { return "time=2026-12-04T20:03:29." + strings.Repeat("7", 1+g.IntN(9)) + "+08:00" },
		func() string { return "duration=13.620505873ms" },
		func() string { return "x=0.12345678" },
	}
	seps := []string{" ", "&", ", ", "，", "：", "/", "\n"}
	var b strings.Builder
	for i := g.IntN(4); i > 0; i-- {
		b.WriteString(pieces[g.IntN(len(pieces))]())
		b.WriteString(seps[g.IntN(len(seps))])
	}
	return b.String()
}

// unspaced is text in the folded view without separators, so that a number written
// in any spelling shows as its plain characters.
func unspaced(s string) string {
	_, view := foldText(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '+' {
			return -1
		}
		return r
	}, view)
}

// FuzzMaskText embeds a generated ID number of every type the hall accepts, or a
// mobile, in any of its spellings, in log-like text, and checks that the number is
// gone from the output in every spelling, and that the text around it without the
// number is left unchanged.
func FuzzMaskText(f *testing.F) {
	for i := uint8(0); i < 14; i++ {
		f.Add(uint64(i), i, i)
	}
	types := IDTypes()
	f.Fuzz(func(t *testing.T, seed uint64, kind, spelling uint8) {
		g := rand.New(rand.NewPCG(seed, uint64(kind)<<8|uint64(spelling)))
		var number string
		if int(kind)%(len(types)+1) == len(types) {
			number = GenerateMobile(g)
		} else {
			number = GenerateID(g, types[int(kind)%(len(types)+1)].Value)
		}
		all := spellings(number)
		written := all[int(spelling)%len(all)]
		before, after := filler(g), filler(g)
		if got := MaskText(before + after); got != before+after {
			t.Fatalf("text without a number changed:\n%q\n%q", before+after, got)
		}
		seps := []string{" ", "=", "：", "（", "&mobile=", "\t"}
		in := before + seps[g.IntN(len(seps))] + written + seps[g.IntN(len(seps))] + after
		out := MaskText(in)
		for _, s := range all {
			if strings.Contains(out, s) {
				t.Fatalf("%q survives in %q (from %q)", s, out, in)
			}
		}
		if strings.Contains(unspaced(out), strings.ToUpper(number)) {
			t.Fatalf("%s survives in %q (from %q)", number, out, in)
		}
		if !strings.HasPrefix(out, before) || !strings.HasSuffix(out, after) {
			t.Fatalf("the text around %q changed: %q", written, out)
		}
	})
}

// FuzzMaskTextAnyInput checks MaskText on any text: no panic, masking masked text
// changes nothing, and without percent escapes the rune count is kept.
func FuzzMaskTextAnyInput(f *testing.F) {
	f.Add("id=32010219900307241X&m=13812341234")
	f.Add("13812341234 13812341234")
	f.Add("%EF%BC%91%EF%BC%93 id_no: H1234")
	f.Fuzz(func(t *testing.T, s string) {
		out := MaskText(s)
		if again := MaskText(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
		if !strings.Contains(s, "%") && utf8.RuneCountInString(out) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskText changed the length: %q -> %q", s, out)
		}
	})
}
