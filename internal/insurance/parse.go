package insurance

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"hall/internal/ident"
	"hall/internal/registry"
)

// A cell parser reads one trimmed, full-width-folded cell into the stored value,
// or returns the problem in Chinese, written to follow the column's name ("证件号码"
// + "校验位错误").
type cellParser func(s string, now time.Time) (any, string)

func parseUSCC(s string, _ time.Time) (any, string) {
	n, err := ident.ValidateUSCC(s)
	switch {
	case errors.Is(err, ident.ErrUSCCCheck), errors.Is(err, ident.ErrUSCCOrgCheck):
		return nil, "校验位错误"
	case err != nil:
		return nil, "应为18位统一社会信用代码"
	}
	return n, ""
}

func parseText(maxRunes int) cellParser {
	return func(s string, _ time.Time) (any, string) {
		if s == "" {
			return nil, "不能为空"
		}
		if p := textProblem(s, maxRunes); p != "" {
			return nil, p
		}
		return s, ""
	}
}

func parseOptionalText(maxRunes int) cellParser {
	return func(s string, _ time.Time) (any, string) {
		if p := textProblem(s, maxRunes); p != "" {
			return nil, p
		}
		return s, ""
	}
}

// parseCode reads an identifier-like value (passport or project number): letters,
// digits and '-', upper-cased.
func parseCode(s string, _ time.Time) (any, string) {
	s = strings.ToUpper(s)
	if s == "" {
		return nil, "不能为空"
	}
	if len(s) > 40 {
		return nil, "过长"
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return nil, "只能包含字母、数字和“-”"
		}
	}
	return s, ""
}

func parseDate(s string, _ time.Time) (any, string) {
	s = strings.ReplaceAll(s, "/", "-")
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if t, err = time.Parse("2006-1-2", s); err != nil {
			return nil, "格式应为年-月-日，如2025-03-01"
		}
	}
	return t.Format("2006-01-02"), ""
}

func parseMonthCell(s string, _ time.Time) (any, string) {
	m, ok := ParseMonth(s)
	if !ok {
		return nil, "格式应为年-月，如2025-03"
	}
	return int64(m), ""
}

// parseOptionalMonth reads an end month; empty is an open period (0).
func parseOptionalMonth(s string, now time.Time) (any, string) {
	if s == "" {
		return int64(0), ""
	}
	return parseMonthCell(s, now)
}

// parseYuan reads an amount in yuan with at most two decimals into fen.
func parseYuan(s string, _ time.Time) (any, string) {
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(frac) > 2 || !digits(whole) || !digits(frac) {
		return nil, "应为金额（元），最多两位小数，如4879.00"
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi((frac + "0")[:2])
	}
	return n*100 + int64(f), ""
}

// parseRate reads a percentage ("16", "0.5", "16%") into hundredths of a percent.
func parseRate(s string, _ time.Time) (any, string) {
	s = strings.TrimSuffix(s, "%")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 2 || len(frac) > 2 || !digits(whole) || !digits(frac) {
		return nil, "应为百分比，如16或0.5"
	}
	n, _ := strconv.Atoi(whole)
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi((frac + "0")[:2])
	}
	return int64(n*100 + f), ""
}

func parseLabel[K ~string](labels map[K]string, hint string) cellParser {
	return func(s string, _ time.Time) (any, string) {
		k, ok := labelled(labels, s)
		if !ok {
			return nil, "应为" + hint
		}
		return string(k), ""
	}
}

var categoryLabels = map[Category]string{Worker: "工人", Staff: "干部"}

// parseCategory reads 人员身份; empty means 工人.
func parseCategory(s string, now time.Time) (any, string) {
	if s == "" {
		return string(Worker), ""
	}
	return parseLabel(categoryLabels, "工人或干部")(s, now)
}

// parseResidentID reads a 公民身份号码; the error messages follow the column name.
func parseResidentID(s string, now time.Time) (any, string) {
	id, err := ident.ParseResidentID(s, now)
	if err != nil {
		switch fe, _ := err.(*ident.FieldError); {
		case fe == nil:
			return nil, "无效"
		case fe.Code == ident.CodeIDCheck:
			return nil, "校验位错误"
		case fe.Code == ident.CodeIDBirth:
			return nil, "中的出生日期无效"
		case fe.Code == ident.CodeIDRegion:
			return nil, "的地址码无效"
		}
		return nil, "应为18位公民身份号码"
	}
	return id.Number, ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// textProblem says what is wrong with a text value, or "" if nothing is: the
// registry import's rule (valid text, no control characters, not too long).
func textProblem(s string, maxRunes int) string { return registry.TextProblem(s, maxRunes) }

func clean(s string) string { return strings.TrimFunc(ident.Fold(s), ident.IsTrimmable) }
