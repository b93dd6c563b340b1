package ident

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordPolicyValidate(t *testing.T) {
	if err := DefaultPasswordPolicy().Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	ok := []func(*PasswordPolicy){
		func(p *PasswordPolicy) { p.MinLen, p.MaxLen = 12, 64 },
		func(p *PasswordPolicy) { p.MinClasses = 4 },
		func(p *PasswordPolicy) { p.MinClasses = 0 },
		func(p *PasswordPolicy) { p.RefuseContext, p.MinContextLen = false, 0 },
		func(p *PasswordPolicy) { p.MinLen, p.MaxLen = 8, 8 },
	}
	for i, change := range ok {
		p := DefaultPasswordPolicy()
		change(&p)
		if err := p.Validate(); err != nil {
			t.Errorf("ok[%d] %+v: %v", i, p, err)
		}
	}
	bad := []func(*PasswordPolicy){
		func(p *PasswordPolicy) { p.MinLen = 6 },
		func(p *PasswordPolicy) { p.MinLen = 0 },
		func(p *PasswordPolicy) { p.MaxLen = 7 },
		func(p *PasswordPolicy) { p.MinLen, p.MaxLen = 12, 10 },
		func(p *PasswordPolicy) { p.MaxLen = 1000 },
		func(p *PasswordPolicy) { p.MinClasses = 5 },
		func(p *PasswordPolicy) { p.MinClasses = -1 },
		func(p *PasswordPolicy) { p.MinContextLen = 2 },
		func(p *PasswordPolicy) { p.MinContextLen = 0 },
		func(p *PasswordPolicy) { *p = PasswordPolicy{} },
	}
	for i, change := range bad {
		p := DefaultPasswordPolicy()
		change(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("bad[%d] %+v accepted", i, p)
		}
	}
}

func TestPasswordCheck(t *testing.T) {
	const (
		idNumber = "320102199001011232"
		mobile   = "13812341234"
		uscc     = "91350100M000100Y43"
	)
	def := DefaultPasswordPolicy()
	loose := def
	loose.MinClasses = 1
	tests := []struct {
		name    string
		policy  PasswordPolicy
		pw      string
		context []string
		reason  PasswordReason // "" means accepted
	}{
		{"four classes, 8", def, "Zx9#kLm2", nil, ""},
		{"three classes, no special", def, "Zx9kLmq2", nil, ""},
		{"three classes, no upper", def, "zx9#klm2", nil, ""},
		{"20 runes", def, "Zx9#kLm2Zx9#kLm2Zx9#", nil, ""},
		{"8 runes with Chinese (14 bytes)", def, "密码Ab1234", nil, ""},
		{"20 runes with Chinese (40 bytes)", def, "汉字汉字汉字汉字汉字Ab12345678", nil, ""},
		{"Chinese counts as special", def, "汉字abc123", nil, ""},
		{"non-ASCII cased letters", def, "Ärger123", nil, ""},
		{"full-width digit is a digit", def, "Kwzqvtr１", nil, ""},
		{"short context word ignored", def, "Li#xq9Wz", []string{"li", "", "  "}, ""},
		{"context not contained", def, "Zx9#kLm2", []string{idNumber, mobile, uscc, "zhangsan"}, ""},

		{"empty", def, "", nil, PasswordLength},
		{"7 runes", def, "Zx9#kLm", nil, PasswordLength},
		{"7 runes, 11 bytes", def, "密码Ab123", nil, PasswordLength},
		{"21 runes", def, "Zx9#kLm2Zx9#kLm2Zx9#k", nil, PasswordLength},
		{"21 runes with Chinese", def, "汉字汉字汉字汉字汉字Ab123456789", nil, PasswordLength},
		{"space", def, "Zx9# kLm2", nil, PasswordInvalidChar},
		{"leading space", def, " Zx9#kLm2", nil, PasswordInvalidChar},
		{"ideographic space", def, "Zx9#\u3000kLm2", nil, PasswordInvalidChar},
		{"tab", def, "Zx9#\tkLm2", nil, PasswordInvalidChar},
		{"newline", def, "Zx9#kLm2\n", nil, PasswordInvalidChar},
		{"NUL", def, "Zx9#\x00kLm2", nil, PasswordInvalidChar},
		{"zero-width space", def, "Zx9#\u200bkLm2", nil, PasswordInvalidChar},
		{"invalid UTF-8", def, "Zx9#\xffkLm2", nil, PasswordInvalidChar},
		{"two classes", def, "abcdefg12", nil, PasswordClasses},
		{"one class", def, "abcdefghij", nil, PasswordClasses},
		{"Chinese only", def, "汉字汉字汉字汉字", nil, PasswordClasses},
		{"upper and lower only", def, "AbcdEfgh", nil, PasswordClasses},

		{"common Aa123456", def, "Aa123456", nil, PasswordCommon},
		{"common case-insensitive", def, "aA123456", nil, PasswordCommon},
		{"common Qq123456", def, "Qq123456", nil, PasswordCommon},
		{"common P@ssw0rd", def, "P@ssw0rd", nil, PasswordCommon},
		{"common Passw0rd!", def, "Passw0rd!", nil, PasswordCommon},
		{"common upper-case", def, "PASSW0RD!", nil, PasswordCommon},
		{"common full-width", def, fullWidth("Aa123456"), nil, PasswordCommon},
		{"common Admin@123", def, "Admin@123", nil, PasswordCommon},
		{"common 1qaz@WSX", def, "1qaz@WSX", nil, PasswordCommon},
		{"common woaini1314 (loose)", loose, "woaini1314", nil, PasswordCommon},
		{"common a123456789 (loose)", loose, "a123456789", nil, PasswordCommon},
		{"common 12345678 (loose)", loose, "12345678", nil, PasswordCommon},
		{"common list off", func() PasswordPolicy { p := def; p.RefuseCommon = false; return p }(), "Aa123456", nil, ""},

		{"whole ID number", def, "a!" + idNumber, []string{idNumber}, PasswordContext},
		{"ID last 6", def, "Ab!011232xy", []string{idNumber}, PasswordContext},
		{"ID last 6 with x", def, "Ab!01101xQ", []string{"32070119900101101X"}, PasswordContext},
		{"ID last 6 full-width", def, "Ab!" + fullWidth("011232") + "xy", []string{idNumber}, PasswordContext},
		{"mobile", def, "Ab!" + mobile, []string{mobile}, PasswordContext},
		{"mobile last 8", def, "Xy!12341234", []string{mobile}, PasswordContext},
		{"mobile with +86 in context", def, "Xy!12341234", []string{"+86 138-1234-1234"}, PasswordContext},
		{"USCC", def, "a!" + uscc, []string{uscc}, PasswordContext},
		{"USCC lower-case", def, "a!" + strings.ToLower(uscc), []string{uscc}, PasswordContext},
		{"name pinyin", def, "Zhangsan@1", []string{"zhangsan"}, PasswordContext},
		{"name pinyin with space", def, "ZhangSan@1", []string{"Zhang San"}, PasswordContext},
		{"Chinese name of 4", def, "欧阳娜娜Ab12", []string{"欧阳娜娜"}, PasswordContext},
		{"context off", func() PasswordPolicy { p := def; p.RefuseContext = false; return p }(), "Xy!12341234", []string{mobile}, ""},
		{"context before common", def, "Aa123456", []string{"123456"}, PasswordContext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.pw, tt.context...)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var pe *PasswordError
			if !errors.As(err, &pe) || pe.Reason != tt.reason {
				t.Fatalf("err = %#v, want reason %s", err, tt.reason)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Code != "password_"+string(tt.reason) || fe.Msg != pe.Msg {
				t.Errorf("unwrapped FieldError = %#v", fe)
			}
			if strings.Contains(pe.Msg, tt.pw) && tt.pw != "" {
				t.Errorf("message %q contains the password", pe.Msg)
			}
		})
	}
}

func TestPasswordMessages(t *testing.T) {
	p := DefaultPasswordPolicy()
	for pw, want := range map[string]string{
		"short":     "密码长度须为8-20位",
		"abcdefghi": "密码须至少包含数字、大写字母、小写字母、特殊字符中的三种",
		"Aa123456":  "密码过于常见，请更换",
		"a b":       "密码不能包含空格、换行等不可见字符",
	} {
		if err := p.Check(pw); err == nil || err.Error() != want {
			t.Errorf("Check(%q) = %v, want %q", pw, err, want)
		}
	}
	if err := p.Check("Ab!12341234", "13812341234"); err == nil || !strings.Contains(err.Error(), "手机号码") {
		t.Errorf("context message = %v", err)
	}
	p.MinClasses = 4
	if err := p.Check("abcdefG1"); err == nil || err.Error() != "密码须同时包含数字、大写字母、小写字母和特殊字符" {
		t.Errorf("four-class message = %v", err)
	}
	p.MinLen, p.MaxLen = 10, 32
	if err := p.Check("Ab1!"); err == nil || err.Error() != "密码长度须为10-32位" {
		t.Errorf("configured length message = %v", err)
	}
}

func TestPasswordHint(t *testing.T) {
	want := "8-20位，须至少包含数字、大写字母、小写字母、特殊字符中的三种，不能包含证件号码或手机号码"
	if got := DefaultPasswordPolicy().Hint(); got != want {
		t.Errorf("Hint() = %q, want %q", got, want)
	}
	p := DefaultPasswordPolicy()
	p.MinClasses, p.RefuseContext = 0, false
	if got := p.Hint(); got != "8-20位" {
		t.Errorf("Hint() = %q", got)
	}
}

func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	if len(set) < 300 {
		t.Errorf("only %d common passwords", len(set))
	}
	for _, must := range []string{"aa123456", "qq123456", "woaini1314", "a123456789", "p@ssw0rd", "passw0rd!", "123456", "password"} {
		if _, ok := set[must]; !ok {
			t.Errorf("%q missing from the list", must)
		}
	}
	for pw := range set {
		if pw != strings.ToLower(pw) || strings.ContainsFunc(pw, IsTrimmable) || strings.HasPrefix(pw, "#") {
			t.Errorf("bad list entry %q", pw)
		}
	}
}
