package oidc_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/unit"
)

var claimNow = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

// licenceNames are claim names like an e-business licence's.
var licenceNames = oidc.ClaimNames{IDNumber: "holder_id", IDType: "holder_id_type", Name: "holder_name",
	Mobile: "holder_mobile", USCC: "uscc", UnitName: "entname", Role: "holder_role", Verified: "real_name_verified"}

var defaultRoles = map[string]unit.Role{"法定代表人": unit.RoleLegalRep, "管理员": unit.RoleAdmin, "经办人": unit.RoleAgent, "1": unit.RoleLegalRep}

func TestAssert(t *testing.T) {
	g := rand.New(rand.NewPCG(3, 5))
	id := ident.GenerateResidentID(g, "320102", time.Date(1985, 6, 7, 0, 0, 0, 0, time.UTC), true)
	uscc := ident.GenerateUSCC(g, "320102")
	mobile := ident.GenerateMobile(g)
	hk := ident.GenerateID(g, ident.IDTypeHKMacaoPass)
	numeric := id // an ID number without X, sendable as a JSON number
	for strings.HasSuffix(numeric, "X") {
		numeric = ident.GenerateResidentID(g, "320102", time.Date(1985, 6, 7, 0, 0, 0, 0, time.UTC), true)
	}
	doc := func(extra string) []byte {
		return []byte(`{"sub": "abc", "holder_id": "` + id + `", "holder_name": "周 明远", "real_name_verified": true` + extra + `}`)
	}
	cases := []struct {
		name    string
		doc     []byte
		purpose oidc.Purpose
		want    oidc.Asserted // compared when msg is ""
		msg     string        // part of the refusal's message
	}{
		{"person", doc(`, "holder_mobile": "+86 ` + mobile + `"`), oidc.PurposePerson,
			oidc.Asserted{Subject: "abc", IDType: ident.IDTypeResident, IDNumber: id, Name: "周明远", Mobile: mobile}, ""},
		{"unit with role", doc(`, "uscc": "` + strings.ToLower(uscc) + `", "entname": "示范启航软件有限公司", "holder_role": "法定代表人"`), oidc.PurposeUnit,
			oidc.Asserted{Subject: "abc", IDType: ident.IDTypeResident, IDNumber: id, Name: "周明远", USCC: uscc,
				UnitName: "示范启航软件有限公司", Role: unit.RoleLegalRep}, ""},
		{"role code", doc(`, "uscc": "` + uscc + `", "holder_role": 1`), oidc.PurposeUnit,
			oidc.Asserted{Subject: "abc", IDType: ident.IDTypeResident, IDNumber: id, Name: "周明远", USCC: uscc, Role: unit.RoleLegalRep}, ""},
		{"unmapped role", doc(`, "uscc": "` + uscc + `", "holder_role": "股东"`), oidc.PurposeUnit,
			oidc.Asserted{Subject: "abc", IDType: ident.IDTypeResident, IDNumber: id, Name: "周明远", USCC: uscc}, ""},
		{"ID number as a JSON number", []byte(`{"holder_id": ` + numeric + `, "holder_name": "周明远", "real_name_verified": "true"}`),
			oidc.PurposePerson, oidc.Asserted{IDType: ident.IDTypeResident, IDNumber: numeric, Name: "周明远"}, ""},
		{"HK pass by numeric type code", []byte(`{"holder_id": "` + hk + `", "holder_id_type": "516", "holder_name": "陈大文", "real_name_verified": 1}`),
			oidc.PurposePerson, oidc.Asserted{IDType: ident.IDTypeHKMacaoPass, IDNumber: hk, Name: "陈大文"}, ""},
		{"mobile that is not one is dropped", doc(`, "holder_mobile": "555-987-6543"`), oidc.PurposePerson,
			oidc.Asserted{Subject: "abc", IDType: ident.IDTypeResident, IDNumber: id, Name: "周明远"}, ""},
		{"unit name with a control character is dropped", doc(`, "uscc": "` + uscc + `", "entname": "示范\u0007公司"`), oidc.PurposeUnit,
			oidc.Asserted{Subject: "abc", IDType: ident.IDTypeResident, IDNumber: id, Name: "周明远", USCC: uscc}, ""},
		{"not verified", []byte(`{"holder_id": "` + id + `", "holder_name": "周明远", "real_name_verified": false}`), oidc.PurposePerson, oidc.Asserted{}, "实名认证"},
		{"verified missing", []byte(`{"holder_id": "` + id + `", "holder_name": "周明远"}`), oidc.PurposePerson, oidc.Asserted{}, "实名认证"},
		{"no ID number", []byte(`{"holder_name": "周明远", "real_name_verified": true}`), oidc.PurposePerson, oidc.Asserted{}, "未提供证件号码"},
		{"ID number wrong check digit", []byte(`{"holder_id": "` + flip(id) + `", "holder_name": "周明远", "real_name_verified": true}`), oidc.PurposePerson, oidc.Asserted{}, "证件号码无效"},
		{"ID number as an object", []byte(`{"holder_id": {"v": "` + id + `"}, "holder_name": "周明远", "real_name_verified": true}`), oidc.PurposePerson, oidc.Asserted{}, "未提供证件号码"},
		{"unknown ID type", doc(`, "holder_id_type": "999"`), oidc.PurposePerson, oidc.Asserted{}, "证件类型"},
		{"no name", []byte(`{"holder_id": "` + id + `", "real_name_verified": true}`), oidc.PurposePerson, oidc.Asserted{}, "姓名"},
		{"name with digits", []byte(`{"holder_id": "` + id + `", "holder_name": "周明远2", "real_name_verified": true}`), oidc.PurposePerson, oidc.Asserted{}, "姓名"},
		{"unit login without USCC", doc(``), oidc.PurposeUnit, oidc.Asserted{}, "统一社会信用代码，无法登录单位"},
		{"USCC wrong check character", doc(`, "uscc": "` + flip(uscc) + `"`), oidc.PurposeUnit, oidc.Asserted{}, "统一社会信用代码无效"},
		{"not JSON", []byte(`id=1`), oidc.PurposePerson, oidc.Asserted{}, "格式无效"},
		{"null", []byte(`null`), oidc.PurposePerson, oidc.Asserted{}, "格式无效"},
		{"too large", []byte(`{"x": "` + strings.Repeat("a", 70<<10) + `"}`), oidc.PurposePerson, oidc.Asserted{}, "过大"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := oidc.Assert(tc.doc, licenceNames, defaultRoles, tc.purpose, claimNow)
			if tc.msg != "" {
				if !errors.Is(err, oidc.ErrClaims) || !strings.Contains(oidc.Message(err), tc.msg) {
					t.Fatalf("Assert = %v (%q), want ErrClaims with %q", err, oidc.Message(err), tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a != tc.want {
				t.Fatalf("Assert = %#v\nwant %#v", a, tc.want)
			}
		})
	}
}

func TestAssertedIsMasked(t *testing.T) {
	a := oidc.Asserted{IDNumber: "110101199003077774", Name: "周明远", Mobile: "13912345678", USCC: "91320102MA1XXXXX0Y"}
	for _, s := range []string{a.String(), fmt.Sprint(a), a.LogValue().String()} {
		if strings.Contains(s, "199003077") || strings.Contains(s, "明远") || strings.Contains(s, "12345678") || strings.Contains(s, "MA1XXXXX") {
			t.Errorf("unmasked: %s", s)
		}
	}
}
