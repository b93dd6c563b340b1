package ident

import (
	"testing"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	tests := []struct {
		fn   func(string) string
		name string
		in   string
		want string
	}{
		{MaskID, "ID", "320102199001011233", "3***************33"},
		{MaskID, "ID X", "32070119900101101X", "3***************1X"},
		{MaskID, "passport", "E12345678", "E******78"},
		{MaskID, "7 runes", "ABC1234", "A****34"},
		{MaskID, "6 runes: all", "AB1234", "******"},
		{MaskID, "1 rune", "3", "*"},
		{MaskID, "empty", "", ""},
		{MaskID, "full-width", "３２０１０２１９９００１０１１２３３", "３***************３３"},
		{MaskMobile, "mobile", "13812341234", "138****1234"},
		{MaskMobile, "10 digits: all", "1381234123", "**********"},
		{MaskMobile, "with +86", "+8613812341234", "+86*******1234"},
		{MaskMobile, "empty", "", ""},
		{MaskName, "two", "张三", "*三"},
		{MaskName, "three", "王小明", "**明"},
		{MaskName, "four", "欧阳娜娜", "***娜"},
		{MaskName, "one", "张", "*"},
		{MaskName, "latin", "John Smith", "*********h"},
		{MaskName, "minority name with dot", "阿依古丽·买买提", "*******提"},
		{MaskName, "empty", "", ""},
		{MaskUSCC, "USCC", "91350100M000100Y43", "9135**********0Y43"},
		{MaskUSCC, "12 runes", "913501001234", "9135****1234"},
		{MaskUSCC, "11 runes: all", "91350100123", "***********"},
		{MaskID, "invalid UTF-8 kept as one rune each", "\xff\xfe12345", "\ufffd****45"},
	}
	for _, tt := range tests {
		got := tt.fn(tt.in)
		if got != tt.want {
			t.Errorf("%s: mask(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(tt.in) {
			t.Errorf("%s: rune length changed", tt.name)
		}
	}
}
