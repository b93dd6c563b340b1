package cases

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// validUSCC is a code that passes ident.ValidateUSCC (its check characters hold).
const validUSCC = "91350100M000100Y43"

// TestCheckProgressQuery: the rules of 办件进度查询's two fields, each message
// beside its field, and the values as normalized.
func TestCheckProgressQuery(t *testing.T) {
	if _, err := ident.ValidateUSCC(validUSCC); err != nil {
		t.Fatalf("the test's USCC is not valid: %v", err)
	}
	bad := validUSCC[:17] + "0"
	if bad == validUSCC {
		bad = validUSCC[:17] + "1"
	}
	for _, tc := range []struct {
		name, number, uscc string
		wantNumber         string // the normalized number when accepted
		wantUSCC           string
		numberMsg, usccMsg string // the messages expected; "" for none
	}{
		{"valid", "20260413000001", validUSCC, "20260413000001", validUSCC, "", ""},
		{"spaces around", "  20260413000001\t", " " + validUSCC + " ", "20260413000001", validUSCC, "", ""},
		{"full-width digits", "２０２６０４１３０００００１", validUSCC, "20260413000001", validUSCC, "", ""},
		{"lower-case USCC", "20260413000001", strings.ToLower(validUSCC), "20260413000001", validUSCC, "", ""},
		{"last day of February in a leap year", "20280229000123", validUSCC, "20280229000123", validUSCC, "", ""},
		{"both empty", "", "", "", "", MsgNumberEmpty, MsgUSCCEmpty},
		{"number blank", "   ", validUSCC, "", "", MsgNumberEmpty, ""},
		{"thirteen digits", "2026041300001", validUSCC, "", "", MsgNumberFormat, ""},
		{"fifteen digits", "202604130000011", validUSCC, "", "", MsgNumberFormat, ""},
		{"a letter", "2026041300000A", validUSCC, "", "", MsgNumberFormat, ""},
		{"inner space", "20260413 000001", validUSCC, "", "", MsgNumberFormat, ""},
		{"month 13", "20261313000001", validUSCC, "", "", MsgNumberFormat, ""},
		{"February 30", "20260230000001", validUSCC, "", "", MsgNumberFormat, ""},
		{"sequence zero", "20260413000000", validUSCC, "", "", MsgNumberFormat, ""},
		{"sign", "+2026041300001", validUSCC, "", "", MsgNumberFormat, ""},
		{"USCC blank", "20260413000001", "  ", "", "", "", MsgUSCCEmpty},
		{"USCC short", "20260413000001", validUSCC[:17], "", "", "", ident.ErrUSCCFormat.Msg},
		{"USCC check character", "20260413000001", bad, "", "", "", ident.ErrUSCCCheck.Msg},
		{"both wrong", "abc", "xyz", "", "", MsgNumberFormat, ident.ErrUSCCFormat.Msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, errs := CheckProgressQuery(tc.number, tc.uscc)
			if got := errs[ProgressFieldNumber]; got != tc.numberMsg {
				t.Errorf("number message %q, want %q", got, tc.numberMsg)
			}
			if got := errs[ProgressFieldUSCC]; got != tc.usccMsg {
				t.Errorf("USCC message %q, want %q", got, tc.usccMsg)
			}
			if accepted := tc.numberMsg == "" && tc.usccMsg == ""; accepted != (errs == nil) {
				t.Fatalf("errs = %v", errs)
			}
			if q.Number != tc.wantNumber || q.USCC != tc.wantUSCC {
				t.Errorf("query %+v, want %q %q", q, tc.wantNumber, tc.wantUSCC)
			}
		})
	}
}

// FuzzParseNumber: the typed number is outside input. What is accepted is always
// 14 ASCII digits of a real day and a sequence from 1, and stays as it is when
// parsed again.
func FuzzParseNumber(f *testing.F) {
	f.Add("20260413000001")
	f.Add("２０２６０４１３０００００１")
	f.Add("20260230000001")
	f.Add(" 2026-04-13-000001 ")
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseNumber(s)
		if !ok {
			if n != "" {
				t.Fatalf("refused %q but returned %q", s, n)
			}
			return
		}
		if len(n) != 14 || strings.Trim(n, "0123456789") != "" || n[8:] == "000000" {
			t.Fatalf("accepted %q from %q", n, s)
		}
		if d, err := time.Parse("20060102", n[:8]); err != nil || d.Format("20060102") != n[:8] {
			t.Fatalf("accepted the day %q from %q", n[:8], s)
		}
		if again, ok := ParseNumber(n); !ok || again != n {
			t.Fatalf("ParseNumber(%q) = %q, %v", n, again, ok)
		}
	})
}

// TestPublicProgress: on both engines, the case's number with its unit's USCC shows
// the item, the state and the timeline's steps; with another unit's USCC, or an
// unknown number, the one miss. A returned case shows 退回补正 and its steps, and
// the progress carries no reason, applicant or unit name.
func TestPublicProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		otherRep := f.person(t, "周别家")
		var other unit.Unit
		if err := db.Tx(f.ctx, func(tx *store.Tx) error {
			var err error
			other, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.rnd, "320102"), Name: "示范别家有限公司",
				UnitType: "enterprise", Region: "320102", LegalRepPersonID: otherRep.ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c := f.apply(t)

		p, err := f.svc.PublicProgress(f.ctx, ProgressQuery{Number: c.Number, USCC: f.unit.USCC})
		if err != nil {
			t.Fatal(err)
		}
		if p.Number != c.Number || p.ItemName != "用人单位用工参保登记" || p.State != StateSubmitted || p.Returned() ||
			len(p.Steps) != 1 || p.Steps[0].Step != StepApply || !p.Steps[0].At.Equal(caseT0) {
			t.Fatalf("progress %+v", p)
		}
		misses := []ProgressQuery{
			{Number: c.Number, USCC: other.USCC},
			{Number: c.Number[:8] + "999999", USCC: f.unit.USCC},
			{Number: c.Number[:8] + "999999", USCC: other.USCC},
			{Number: c.Number, USCC: ""},
		}
		for _, q := range misses {
			if p, err := f.svc.PublicProgress(f.ctx, q); !errors.Is(err, ErrNoProgress) || p.ItemName != "" || p.Steps != nil {
				t.Errorf("%+v: %+v, %v; want the one miss", q, p, err)
			}
		}

		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		f.clk.t = caseT0.Add(time.Hour)
		if _, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "缺少劳动合同复印件"); err != nil {
			t.Fatal(err)
		}
		p, err = f.svc.PublicProgress(f.ctx, ProgressQuery{Number: c.Number, USCC: f.unit.USCC})
		if err != nil {
			t.Fatal(err)
		}
		if p.State != StateReturned || !p.Returned() || p.AtCounter() || len(p.Steps) != 3 || p.Steps[2].Step != StepReturn ||
			!p.Steps[2].At.Equal(caseT0.Add(time.Hour)) {
			t.Fatalf("returned progress %+v", p)
		}
	})
}
