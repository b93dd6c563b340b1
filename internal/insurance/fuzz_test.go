package insurance

import (
	"encoding/csv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseRecord drives the line parser of every import file with arbitrary
// lines: it must not panic, must return either values or problems, every problem
// names a column or the line's shape, and accepted values are what the database
// checks allow (valid UTF-8 text, 18-character codes, real months).
func FuzzParseRecord(f *testing.F) {
	f.Add(0, unitUSCC+",企业基本养老保险,参保缴费,2020-01-01,16,8")
	f.Add(1, unitUSCC+","+testID(1, true)+",王伟,干部")
	f.Add(2, unitUSCC+","+testID(1, true)+",工伤保险,2020-01,")
	f.Add(3, unitUSCC+",2025-02,失业保险,"+testID(2, false)+",4879.00,24.40,24.40")
	f.Add(4, unitUSCC+",202502,"+testID(2, false)+",减员,\"辞职,回乡\"")
	f.Add(6, unitUSCC+",ab123,2024-02-30,Anna,德国,2027-02-01")
	f.Add(7, unitUSCC+",GC-1,安置房,2024/2/3,2025-1-1,１２３.4")
	f.Add(8, unitUSCC+","+unitUSCC+",南京分公司,2019-09-09")
	f.Fuzz(func(t *testing.T, which int, line string) {
		if which < 0 {
			which = -which
		}
		tb := tables[which%len(tables)]
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			return
		}
		idx := make([]int, len(tb.columns))
		for i := range idx {
			idx[i] = i
		}
		vals, msgs := parseRecord(tb, idx, rec, len(tb.columns), testNow)
		if (vals == nil) == (len(msgs) == 0) {
			t.Fatalf("values %v and problems %v", vals, msgs)
		}
		for _, m := range msgs {
			if !utf8.ValidString(m) || m == "" {
				t.Fatalf("problem %q", m)
			}
		}
		if vals == nil {
			return
		}
		if len(vals) != len(tb.storedColumns()) {
			t.Fatalf("%d values for %d columns", len(vals), len(tb.storedColumns()))
		}
		for i, c := range tb.storedColumns() {
			switch v := vals[i].(type) {
			case string:
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Fatalf("%s: %q", c, v)
				}
				if (c == "uscc" || c == "subsidiary_uscc") && len(v) != 18 {
					t.Fatalf("%s: %q", c, v)
				}
				if strings.HasSuffix(c, "_date") && len(v) != 10 {
					t.Fatalf("%s: %q", c, v)
				}
			case int64:
				if strings.HasSuffix(c, "month") && c != "end_month" || c == "month" {
					if m := Month(v); m.Mon() < 1 || m.Mon() > 12 {
						t.Fatalf("%s: %d", c, v)
					}
				}
				if v < 0 {
					t.Fatalf("%s: %d", c, v)
				}
			default:
				t.Fatalf("%s: value of type %T", c, v)
			}
		}
	})
}

// FuzzMaskPattern: a person filter typed by anyone becomes a LIKE pattern whose only
// wildcards are the '_' of the stars: every '%' and '_' typed is escaped.
func FuzzMaskPattern(f *testing.F) {
	for _, s := range []string{"3***12", "*三", "%_!*", "****"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := maskPattern(s)
		if !ok {
			return
		}
		unescaped := 0
		for i := 0; i < len(p); i++ {
			if p[i] == '!' {
				i++
				continue
			}
			if p[i] == '%' {
				t.Fatalf("maskPattern(%q) = %q: an unescaped %%", s, p)
			}
			if p[i] == '_' {
				unescaped++
			}
		}
		if unescaped != strings.Count(s, "*") {
			t.Fatalf("maskPattern(%q) = %q: %d wildcards for %d stars", s, p, unescaped, strings.Count(s, "*"))
		}
	})
}
