package skills

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func parseWithRules(s string) ([]CandidateInput, error) {
	svc := &Service{d: Deps{Now: func() time.Time { return t0 }}}
	return svc.ParseCandidates(strings.NewReader(s))
}

const otherID = "110101199003074258"

func TestParseCandidates(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("姓名,公民身份号码\n张三," + validID + "\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		in        string
		wantNames []string
		wantLines []LineError // a refusal: these lines, these messages' beginnings
	}{
		{"header and two", "姓名,公民身份号码,手机号码\n张三," + validID + ",13800138000\n李四," + otherID + ",\n", []string{"张三", "李四"}, nil},
		{"BOM, columns reordered, CRLF, blank line", "\ufeff公民身份号码,姓名\r\n" + validID + ",张三\r\n\r\n" + otherID + ",李四\r\n", []string{"张三", "李四"}, nil},
		{"GB18030", gb, []string{"张三"}, nil},
		{"empty", "", nil, []LineError{{1, "文件为空"}}},
		{"header only", "姓名,公民身份号码\n", nil, []LineError{{2, "文件中没有考生"}}},
		{"unknown column", "姓名,身份证\n", nil, []LineError{{1, "表头第2列“身份证”"}}},
		{"missing ID column", "姓名,手机号码\n", nil, []LineError{{1, "表头应为"}}},
		{"column twice", "姓名,姓名,公民身份号码\n", nil, []LineError{{1, "表头中“姓名”出现了两次"}}},
		{"every bad line listed, nothing kept", "姓名,公民身份号码\n张三," + validID + "\n张," + otherID + "\n王五,110101199003074250\n李四," + validID + "\n赵六\n",
			nil, []LineError{{3, "姓名："}, {4, "公民身份号码：身份号码校验位错误"}, {5, "公民身份号码与第2行重复"}, {6, "该行有1列"}}},
		{"bad quoting", "姓名,公民身份号码\n\"张三," + validID + "\n", nil, []LineError{{2, ""}}},
		{"UTF-16", "\xff\xfe姓\x00", nil, []LineError{{1, "不支持UTF-16"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWithRules(tt.in)
			if tt.wantLines == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				var names []string
				for _, c := range got {
					names = append(names, c.Name)
				}
				if strings.Join(names, ",") != strings.Join(tt.wantNames, ",") {
					t.Errorf("names %v, want %v", names, tt.wantNames)
				}
				return
			}
			var ie *ImportError
			if !errors.As(err, &ie) || got != nil {
				t.Fatalf("got %v, %v; want an *ImportError", got, err)
			}
			if len(ie.Lines) != len(tt.wantLines) {
				t.Fatalf("lines %+v, want %+v", ie.Lines, tt.wantLines)
			}
			for i, w := range tt.wantLines {
				if ie.Lines[i].Line != w.Line || !strings.HasPrefix(ie.Lines[i].Msg, w.Msg) || ie.Lines[i].Msg == "" {
					t.Errorf("line %d: %+v, want %+v", i, ie.Lines[i], w)
				}
			}
		})
	}
}

func TestParseCandidatesBounds(t *testing.T) {
	f := &fixture{rnd: newRand()}
	var b strings.Builder
	b.WriteString("姓名,公民身份号码\n")
	seen := map[string]bool{}
	for len(seen) < MaxCandidates+1 {
		if id := f.idNumber(); !seen[id] {
			seen[id] = true
			b.WriteString("张三," + id + "\n")
		}
	}
	_, err := parseWithRules(b.String())
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Lines) != 1 || ie.Lines[0].Line != MaxCandidates+2 || !strings.Contains(ie.Lines[0].Msg, "请分批导入") {
		t.Fatalf("over MaxCandidates: %v %+v", err, ie)
	}
	long := "姓名,公民身份号码\n" + strings.Repeat("张", 70<<10/3) + "," + validID + "\n"
	if _, err := parseWithRules(long); !errors.As(err, &ie) || !strings.Contains(ie.Lines[0].Msg, "该行过长") {
		t.Errorf("long line: %v", err)
	}
	huge := "姓名,公民身份号码\n" + strings.Repeat("张三,"+validID+"\n", MaxCSVBytes/20)
	if _, err := parseWithRules(huge); !errors.As(err, &ie) || !strings.Contains(ie.Lines[0].Msg, "文件超过") {
		t.Errorf("huge file: %v", err)
	}
}

// FuzzParseCandidates: whatever the file, the parser returns candidates that
// pass the form's rules and are unique, or an *ImportError with lines in order,
// never both, never a panic.
func FuzzParseCandidates(f *testing.F) {
	f.Add([]byte("姓名,公民身份号码,手机号码\n张三," + validID + ",13800138000\n"))
	f.Add([]byte("\ufeff公民身份号码,姓名\r\n" + validID + ",张三\r\n"))
	f.Add([]byte("姓名,公民身份号码\n\"张三\n"))
	f.Add([]byte("\xff\xfe\x00"))
	f.Add([]byte(""))
	svc := &Service{d: Deps{Now: func() time.Time { return t0 }}}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := svc.ParseCandidates(bytes.NewReader(data))
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || got != nil || len(ie.Lines) == 0 {
				t.Fatalf("refusal %v with %d candidates", err, len(got))
			}
			for i := 1; i < len(ie.Lines); i++ {
				if ie.Lines[i].Line < ie.Lines[i-1].Line || ie.Lines[i].Msg == "" {
					t.Fatalf("lines out of order or empty: %+v", ie.Lines)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, c := range got {
			again, ferr := svc.checkCandidate(c)
			if ferr != nil || again != c || seen[c.IDNumber] {
				t.Fatalf("candidate %+v: %v, duplicate %v", c, ferr, seen[c.IDNumber])
			}
			seen[c.IDNumber] = true
		}
		if len(got) == 0 || len(got) > MaxCandidates {
			t.Fatalf("%d candidates accepted", len(got))
		}
	})
}
