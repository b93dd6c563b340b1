package registry

import (
	"errors"
	"strings"
	"testing"

	"hall/internal/ident"
)

func TestMatch(t *testing.T) {
	e := activeEntry(1)
	ok := Claim{USCC: e.USCC, Name: e.Name, LegalRepIDType: e.LegalRepIDType,
		LegalRepIDNumber: e.LegalRepIDNumber, LegalRepName: e.LegalRepName}
	foreign := e
	foreign.LegalRepName = "阿卜杜·热合曼"
	xID := e
	xID.LegalRepIDNumber = e.LegalRepIDNumber[:17] + "X" // only the comparison matters here
	wide := func(s string) string {                      // ASCII → full-width, as an input method types it
		return strings.Map(func(r rune) rune {
			if r > ' ' && r < 0x7f {
				return r + 0xFEE0
			}
			return r
		}, s)
	}

	cases := []struct {
		name  string
		entry Entry
		edit  func(c *Claim)
		want  error
	}{
		{"exact", e, nil, nil},
		{"half-width brackets", e, func(c *Claim) { c.Name = "江苏恒睿科技(南京)有限公司" }, nil},
		{"spaces in name", e, func(c *Claim) { c.Name = " 江苏恒睿科技 （南京）\u3000有限公司 " }, nil},
		{"lower-case USCC, spaces", e, func(c *Claim) { c.USCC = " " + strings.ToLower(e.USCC) + " " }, nil},
		{"full-width USCC", e, func(c *Claim) { c.USCC = wide(e.USCC) }, nil},
		{"full-width ID number", e, func(c *Claim) { c.LegalRepIDNumber = wide(e.LegalRepIDNumber) }, nil},
		{"lower-case x in ID", xID, func(c *Claim) { c.LegalRepIDNumber = e.LegalRepIDNumber[:17] + "x" }, nil},
		{"space in person name", e, func(c *Claim) { c.LegalRepName = "王 伟" }, nil},
		{"middle dot variants", foreign, func(c *Claim) {
			c.LegalRepName = "阿卜杜•热合曼"
		}, nil},
		{"middle dot as period", foreign, func(c *Claim) { c.LegalRepName = "阿卜杜.热合曼" }, nil},
		{"other USCC", e, func(c *Claim) { c.USCC = activeEntry(2).USCC }, ErrUSCCMismatch},
		{"empty USCC", e, func(c *Claim) { c.USCC = "  " }, ErrUSCCMismatch},
		{"name differs", e, func(c *Claim) { c.Name = "江苏恒睿科技有限公司" }, ErrNameMismatch},
		{"name empty", e, func(c *Claim) { c.Name = "" }, ErrNameMismatch},
		{"different bracket kind", e, func(c *Claim) { c.Name = "江苏恒睿科技【南京】有限公司" }, ErrNameMismatch},
		{"ID type differs", e, func(c *Claim) { c.LegalRepIDType = ident.IDTypeResidencePermit }, ErrLegalRepMismatch},
		{"ID number differs", e, func(c *Claim) { c.LegalRepIDNumber = activeEntry(3).LegalRepIDNumber }, ErrLegalRepMismatch},
		{"ID number empty", e, func(c *Claim) { c.LegalRepIDNumber = "" }, ErrLegalRepMismatch},
		{"rep name differs", e, func(c *Claim) { c.LegalRepName = "王伟明" }, ErrLegalRepMismatch},
		{"rep name empty", e, func(c *Claim) { c.LegalRepName = " " }, ErrLegalRepMismatch},
		{"cancelled unit", withStatus(e, StatusCancelled), nil, ErrStatusAbnormal},
		{"revoked unit", withStatus(e, StatusRevoked), nil, ErrStatusAbnormal},
		{"revoked unit, wrong name too", withStatus(e, StatusRevoked), func(c *Claim) { c.Name = "x" }, ErrStatusAbnormal},
		{"USCC checked before status", withStatus(e, StatusRevoked), func(c *Claim) { c.USCC = activeEntry(2).USCC }, ErrUSCCMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			if tc.entry.LegalRepName != e.LegalRepName {
				c.LegalRepName = tc.entry.LegalRepName
			}
			if tc.entry.LegalRepIDNumber != e.LegalRepIDNumber {
				c.LegalRepIDNumber = tc.entry.LegalRepIDNumber
			}
			if tc.edit != nil {
				tc.edit(&c)
			}
			err := Match(tc.entry, c)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Match = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Match = %v, want %v", err, tc.want)
			}
			var fe *ident.FieldError
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("Match error %v is not a FieldError with a message", err)
			}
			// The message must not reveal the registered data.
			for _, secret := range []string{tc.entry.LegalRepName, tc.entry.LegalRepIDNumber, tc.entry.Name} {
				if strings.Contains(fe.Msg, secret) {
					t.Fatalf("message %q reveals registered data", fe.Msg)
				}
			}
		})
	}
}

func withStatus(e Entry, s Status) Entry {
	e.Status = s
	return e
}

func TestMatchMessages(t *testing.T) {
	want := map[error]string{
		ErrNameMismatch:     "单位名称与登记信息不一致",
		ErrLegalRepMismatch: "法定代表人信息与登记信息不一致",
		ErrStatusAbnormal:   "该单位登记状态异常，请到窗口办理",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("%v: message %q, want %q", err, err.Error(), msg)
		}
	}
}
