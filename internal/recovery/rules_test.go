package recovery_test

import (
	"errors"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/recovery"
)

var rulesNow = time.Date(2026, 5, 11, 1, 15, 0, 0, time.UTC)

// TestCheck is the rule table of 填写账号信息: every field's refusal, the two ID
// types sent to the counter, and the normalised claim of a good form.
func TestCheck(t *testing.T) {
	g := rand.New(rand.NewPCG(5, 9))
	id := ident.GenerateResidentID(g, "320102", time.Date(1985, 6, 1, 0, 0, 0, 0, time.UTC), true)
	idLowerX := id
	for !strings.HasSuffix(idLowerX, "X") {
		idLowerX = ident.GenerateResidentID(g, "320102", time.Date(1985, 6, 1, 0, 0, 0, 0, time.UTC), true)
	}
	uscc := ident.GenerateUSCC(g, "320102")
	permit := ident.GenerateResidencePermit(g, "810000", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), false)
	unitIn := func(mod func(*recovery.Input)) recovery.Input {
		in := recovery.Input{Kind: "unit", USCC: uscc, IDType: "resident", IDNumber: id, Name: "宋雨桐"}
		if mod != nil {
			mod(&in)
		}
		return in
	}
	cases := []struct {
		name   string
		in     recovery.Input
		fields map[string]string // field → message; nil means accepted
		top    string
		want   recovery.Claim
	}{
		{name: "unit ok", in: unitIn(nil),
			want: recovery.Claim{Kind: recovery.KindUnit, USCC: uscc, IDType: ident.IDTypeResident, IDNumber: id, Name: "宋雨桐"}},
		{name: "unit normalised", in: unitIn(func(in *recovery.Input) {
			in.USCC, in.IDNumber, in.Name, in.IDType = " "+strings.ToLower(uscc)+" ", strings.ToLower(idLowerX), " 宋 雨桐 ", "居民身份证"
		}), want: recovery.Claim{Kind: recovery.KindUnit, USCC: uscc, IDType: ident.IDTypeResident, IDNumber: idLowerX, Name: "宋雨桐"}},
		{name: "person ok, USCC ignored", in: recovery.Input{Kind: "person", USCC: "nonsense", IDType: "resident", IDNumber: id, Name: "宋雨桐"},
			want: recovery.Claim{Kind: recovery.KindPerson, IDType: ident.IDTypeResident, IDNumber: id, Name: "宋雨桐"}},
		{name: "foreign passport refused online", in: unitIn(func(in *recovery.Input) { in.IDType, in.IDNumber = "foreign_passport", "E12345678" }),
			fields: map[string]string{recovery.FieldIDType: recovery.MsgCounter}},
		{name: "passport by label", in: recovery.Input{Kind: "person", IDType: "外国人护照", IDNumber: "E12345678", Name: "JOHN SMITH"},
			fields: map[string]string{recovery.FieldIDType: recovery.MsgCounter}},
		{name: "residence permit refused online", in: recovery.Input{Kind: "person", IDType: "residence_permit", IDNumber: permit, Name: "陈家豪"},
			fields: map[string]string{recovery.FieldIDType: recovery.MsgCounter}},
		{name: "residence permit for a unit", in: unitIn(func(in *recovery.Input) { in.IDType, in.IDNumber = "港澳台居民居住证", permit }),
			fields: map[string]string{recovery.FieldIDType: recovery.MsgCounter}},
		{name: "everything missing", in: recovery.Input{Kind: "unit"}, fields: map[string]string{
			recovery.FieldUSCC: "请输入统一社会信用代码", recovery.FieldIDType: "请选择证件类型",
			recovery.FieldIDNumber: "请输入证件号码", recovery.FieldName: "请输入姓名"}},
		{name: "bad USCC check", in: unitIn(func(in *recovery.Input) { in.USCC = uscc[:17] + otherChar(uscc[17]) }),
			fields: map[string]string{recovery.FieldUSCC: ident.ErrUSCCCheck.Msg}},
		{name: "short USCC", in: unitIn(func(in *recovery.Input) { in.USCC = "91320102" }),
			fields: map[string]string{recovery.FieldUSCC: ident.ErrUSCCFormat.Msg}},
		{name: "bad ID check digit", in: unitIn(func(in *recovery.Input) { in.IDNumber = id[:17] + otherChar(id[17]) }),
			fields: map[string]string{recovery.FieldIDNumber: ident.ErrIDCheck.Msg}},
		{name: "unknown ID type", in: unitIn(func(in *recovery.Input) { in.IDType = "driving_licence" }),
			fields: map[string]string{recovery.FieldIDType: ident.ErrIDType.Msg}},
		{name: "bad name", in: unitIn(func(in *recovery.Input) { in.Name = "宋<b>" }),
			fields: map[string]string{recovery.FieldName: "请输入正确的姓名"}},
		{name: "no kind", in: recovery.Input{IDType: "resident", IDNumber: id, Name: "宋雨桐"}, top: "请选择单位用户或个人用户"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := recovery.Check(tc.in, rulesNow)
			if tc.fields == nil && tc.top == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c != tc.want {
					t.Fatalf("claim %+v, want %+v", c, tc.want)
				}
				return
			}
			var fe *recovery.FormError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a FormError", err)
			}
			if tc.fields != nil && !maps.Equal(fe.Fields, tc.fields) {
				t.Errorf("fields %v, want %v", fe.Fields, tc.fields)
			}
			if fe.Top != tc.top {
				t.Errorf("top %q, want %q", fe.Top, tc.top)
			}
			if strings.Contains(err.Error(), tc.in.IDNumber) && tc.in.IDNumber != "" {
				t.Error("the error text carries the ID number")
			}
		})
	}
}

func otherChar(c byte) string {
	if c == '1' {
		return "2"
	}
	return "1"
}

func TestOnlineIDType(t *testing.T) {
	for _, o := range ident.IDTypes() {
		want := o.Value != ident.IDTypeForeignPassport && o.Value != ident.IDTypeResidencePermit
		if got := recovery.OnlineIDType(o.Value); got != want {
			t.Errorf("%s (%s): online %v, want %v", o.Value, o.Label, got, want)
		}
	}
	if recovery.OnlineIDType("nope") {
		t.Error("an unknown type is online")
	}
}

// TestCheckPassword is the rule table of 设置新密码.
func TestCheckPassword(t *testing.T) {
	policy := ident.DefaultPasswordPolicy()
	const idNumber, mobile, uscc = "320102198506010013", "13912345678", "91320102MA1XYZ0000"
	cases := []struct {
		name, pw, confirm string
		want              map[string]string
	}{
		{"ok", "Qing-Shan#2027", "Qing-Shan#2027", nil},
		{"missing both", "", "", map[string]string{recovery.FieldPassword: recovery.MsgPasswordMissing, recovery.FieldConfirm: recovery.MsgConfirmMissing}},
		{"mismatch", "Qing-Shan#2027", "Qing-Shan#2028", map[string]string{recovery.FieldConfirm: recovery.MsgConfirmMismatch}},
		{"too short", "Qs#1", "Qs#1", map[string]string{recovery.FieldPassword: "密码长度须为8-20位"}},
		{"one class", "qingshanxiao", "qingshanxiao", map[string]string{recovery.FieldPassword: "密码须至少包含数字、大写字母、小写字母、特殊字符中的三种"}},
		{"ID number tail", "Abc#010013x", "Abc#010013x", map[string]string{recovery.FieldPassword: "密码不能包含证件号码、手机号码、信用代码或姓名等账户信息"}},
		{"mobile tail", "Ab#12345678", "Ab#12345678", map[string]string{recovery.FieldPassword: "密码不能包含证件号码、手机号码、信用代码或姓名等账户信息"}},
		{"USCC", "x" + uscc + "#", "x" + uscc + "#", map[string]string{recovery.FieldPassword: "密码不能包含证件号码、手机号码、信用代码或姓名等账户信息"}},
		{"common", "Password@123", "Password@123", map[string]string{recovery.FieldPassword: "密码过于常见，请更换"}},
		{"space", "Qing Shan#2027", "Qing Shan#2027", map[string]string{recovery.FieldPassword: "密码不能包含空格、换行等不可见字符"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := recovery.CheckPassword(policy, tc.pw, tc.confirm, idNumber, mobile, uscc)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *recovery.FormError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a FormError", err)
			}
			if !maps.Equal(fe.Fields, tc.want) {
				t.Errorf("fields %v, want %v", fe.Fields, tc.want)
			}
		})
	}
}

// TestNoAccountMessage: each reason has its own text, and every text points
// somewhere (registration, the counter or the app).
func TestNoAccountMessage(t *testing.T) {
	for _, msg := range []string{recovery.NoAccountMessage("no_person"), recovery.NoAccountMessage("no_unit_account"),
		recovery.NoAccountMessage("pending_role"), recovery.NoAccountMessage("")} {
		if !strings.Contains(msg, "注册") && !strings.Contains(msg, "窗口") && !strings.Contains(msg, "掌上APP") {
			t.Errorf("message %q points nowhere", msg)
		}
	}
	if recovery.NoAccountMessage("pending_role") == recovery.NoAccountMessage("no_person") {
		t.Error("a pending role reads like a missing account")
	}
}
