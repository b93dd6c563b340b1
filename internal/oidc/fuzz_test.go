package oidc_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/token"
)

// FuzzParseCallback feeds arbitrary query strings to ParseCallback. Invariants: no
// panic; a refusal is ErrState or ErrBadCallback; an accepted callback has a
// well-formed state, exactly one of code and error, both within the RFC 6749
// character set and their bounds, and a description of at most 256 bytes.
func FuzzParseCallback(f *testing.F) {
	state := token.New()
	for _, s := range []string{
		"state=" + state + "&code=SplxlOBeZQQYbYS6WxSbIA",
		"state=" + state + "&error=access_denied&error_description=The+user+said+no",
		"state=" + state + "&code=a&iss=https%3A%2F%2Fsso.example",
		"state=" + state + "&state=" + state + "&code=a",
		"state=" + state + "&code=a&error=x",
		"state=" + state,
		"code=a", "state=short&code=a", "", "%zz", "state=" + state + "&code=%00",
		"state=" + state + "&error=%22quoted%22", "state=" + state + "&error=x&error_description=" + strings.Repeat("d", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := oidc.ParseCallback(q)
		if err != nil {
			if !errors.Is(err, oidc.ErrState) && !errors.Is(err, oidc.ErrBadCallback) {
				t.Fatalf("error %v is neither ErrState nor ErrBadCallback", err)
			}
			return
		}
		if !token.Valid(p.State) || (p.Code == "") == (p.Error == "") || len(p.Code) > 2048 || len(p.Error) > 64 ||
			len(p.ErrorDescription) > 256 || len(p.Issuer) > 512 {
			t.Fatalf("accepted %+v from %q", p, raw)
		}
		for _, v := range []string{p.Code, p.Error, p.ErrorDescription} {
			if strings.ContainsAny(v, "\"\\\x00\n\r") || !utf8.ValidString(v) {
				t.Fatalf("accepted a value outside RFC 6749's characters: %q", v)
			}
		}
	})
}

// FuzzAssert feeds arbitrary claims documents to Assert. Invariants: no panic; a
// refusal is ErrClaims; an accepted identity has a valid ID number and name, a
// valid USCC when it has one (always for a unit login), and a mobile only when
// it is a mainland mobile.
func FuzzAssert(f *testing.F) {
	for _, s := range []string{
		`{"holder_id": "110101199003077774", "holder_name": "钱多多", "real_name_verified": true}`,
		`{"holder_id": 110101199003077774, "holder_name": "钱多多", "real_name_verified": 1, "uscc": "91320102MA1XXXXX0Y"}`,
		`{"holder_id": "H12345678", "holder_id_type": "516", "holder_name": "陈大文", "real_name_verified": "true"}`,
		`{"holder_role": ["法定代表人"], "entname": null}`, `[]`, `{}`, `{"a":`, `null`, `"x"`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, doc []byte, forUnit bool) {
		purpose := oidc.PurposePerson
		if forUnit {
			purpose = oidc.PurposeUnit
		}
		a, err := oidc.Assert(doc, licenceNames, defaultRoles, purpose, claimNow)
		if err != nil {
			if !errors.Is(err, oidc.ErrClaims) {
				t.Fatalf("error %v is not ErrClaims", err)
			}
			return
		}
		if n, err := ident.ValidateID(a.IDType, a.IDNumber, claimNow); err != nil || n != a.IDNumber {
			t.Fatalf("accepted ID number %q (%v)", a.IDNumber, err)
		}
		if n, ok := person.NormalizeName(a.Name); !ok || n != a.Name {
			t.Fatalf("accepted name %q", a.Name)
		}
		if (forUnit || a.USCC != "") && func() bool { u, err := ident.ValidateUSCC(a.USCC); return err != nil || u != a.USCC }() {
			t.Fatalf("accepted USCC %q", a.USCC)
		}
		if a.Mobile != "" {
			if m, err := ident.NormalizeMobile(a.Mobile); err != nil || m != a.Mobile {
				t.Fatalf("accepted mobile %q", a.Mobile)
			}
		}
		if a.Role != "" && !a.Role.Valid() {
			t.Fatalf("accepted role %q", a.Role)
		}
	})
}
