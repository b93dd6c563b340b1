package recovery_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/recovery"
)

// FuzzCheck feeds 填写账号信息 arbitrary fields: Check never panics, either accepts a
// claim that is itself valid and online, or refuses with field messages that never
// echo the input.
func FuzzCheck(f *testing.F) {
	f.Add("unit", "91320102MA1XYZ0000", "resident", "320102198506010013", "宋雨桐")
	f.Add("person", "", "外国人护照", "E12345678", "JOHN SMITH")
	f.Add("person", "", "residence_permit", "810000199001010028", "陈家豪")
	f.Add("unit", "９１３２", "hk_macao_pass", "h12345678", "李·娜")
	f.Add("", "\x00", "\xff", "'; DROP TABLE persons; --", "<script>")
	f.Fuzz(func(t *testing.T, kind, uscc, idType, idNumber, name string) {
		c, err := recovery.Check(recovery.Input{Kind: kind, USCC: uscc, IDType: idType, IDNumber: idNumber, Name: name}, rulesNow)
		if err != nil {
			var fe *recovery.FormError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v", err, err)
			}
			for field, msg := range fe.Fields {
				if msg == "" || !utf8.ValidString(msg) {
					t.Fatalf("field %s: message %q", field, msg)
				}
				for _, in := range []string{uscc, idNumber, name} {
					if len(in) >= 6 && strings.Contains(msg, in) {
						t.Fatalf("message %q echoes the input", msg)
					}
				}
			}
			return
		}
		if c.Kind != recovery.KindUnit && c.Kind != recovery.KindPerson {
			t.Fatalf("kind %q accepted", c.Kind)
		}
		if !recovery.OnlineIDType(c.IDType) {
			t.Fatalf("ID type %q accepted online", c.IDType)
		}
		if n, err := ident.ValidateID(c.IDType, c.IDNumber, rulesNow); err != nil || n != c.IDNumber {
			t.Fatalf("accepted ID number %q does not validate to itself: %q %v", c.IDNumber, n, err)
		}
		if c.Kind == recovery.KindUnit {
			if u, err := ident.ValidateUSCC(c.USCC); err != nil || u != c.USCC {
				t.Fatalf("accepted USCC %q: %v", c.USCC, err)
			}
		} else if c.USCC != "" {
			t.Fatalf("personal claim with USCC %q", c.USCC)
		}
		if c.Name == "" || !utf8.ValidString(c.Name) {
			t.Fatalf("name %q", c.Name)
		}
	})
}
