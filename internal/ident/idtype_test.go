package ident

import (
	"errors"
	"testing"
)

func TestIDTypes(t *testing.T) {
	opts := IDTypes()
	want := []string{"居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "港澳台居民居住证", "外国人永久居留身份证", "外国人护照"}
	if len(opts) != len(want) {
		t.Fatalf("IDTypes() has %d entries, want %d", len(opts), len(want))
	}
	for i, o := range opts {
		if o.Label != want[i] || o.Value.Label() != want[i] || !o.Value.Valid() {
			t.Errorf("option %d = %+v, want label %s", i, o, want[i])
		}
		if got, err := ParseIDType(string(o.Value)); err != nil || got != o.Value {
			t.Errorf("ParseIDType(%q) = %q, %v", o.Value, got, err)
		}
		if got, err := ParseIDType(" " + o.Label + " "); err != nil || got != o.Value {
			t.Errorf("ParseIDType(%q) = %q, %v", o.Label, got, err)
		}
	}
	opts[0].Label = "changed"
	if IDTypes()[0].Label != "居民身份证" {
		t.Error("IDTypes must return a copy")
	}
	for _, bad := range []string{"", "RESIDENT", "身份证", "passport", "01"} {
		if _, err := ParseIDType(bad); !errors.Is(err, ErrIDType) {
			t.Errorf("ParseIDType(%q) err = %v, want ErrIDType", bad, err)
		}
	}
	if IDType("x").Valid() || IDType("x").Label() != "" {
		t.Error("unknown IDType must be invalid with empty label")
	}
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		typ  IDType
		in   string
		want string
		err  error
	}{
		{IDTypeResident, "32070119900101101x", "32070119900101101X", nil},
		{IDTypeResident, "320102199001011233", "", ErrIDCheck},
		{IDTypeResident, withCheck("32010219900230123"), "", ErrIDBirth},

		{IDTypeResidencePermit, "810000199001010019", "810000199001010019", nil},
		{IDTypeResidencePermit, "830000198505120026", "830000198505120026", nil},
		{IDTypeResidencePermit, withCheck("82000020010203004"), withCheck("82000020010203004"), nil},
		{IDTypeResidencePermit, "320102199001011232", "", ErrIDRegion}, // a mainland number is not a permit
		{IDTypeResidencePermit, "830000198505120027", "", ErrIDCheck},
		{IDTypeResidencePermit, withCheck("83000020300101001"), "", ErrIDBirth},
		{IDTypeResidencePermit, "8300001985051200", "", ErrIDFormat},

		{IDTypeHKMacaoPass, "H12345678", "H12345678", nil},
		{IDTypeHKMacaoPass, "m87654321", "M87654321", nil},
		{IDTypeHKMacaoPass, "H1234567890", "H1234567890", nil},
		{IDTypeHKMacaoPass, "Ｈ１２３４５６７８", "H12345678", nil},
		{IDTypeHKMacaoPass, "C12345678", "", ErrIDFormat},
		{IDTypeHKMacaoPass, "H1234567", "", ErrIDFormat},
		{IDTypeHKMacaoPass, "H123456789", "", ErrIDFormat},
		{IDTypeHKMacaoPass, "HA2345678", "", ErrIDFormat},
		{IDTypeHKMacaoPass, "", "", ErrIDFormat},

		{IDTypeTaiwanPass, "12345678", "12345678", nil},
		{IDTypeTaiwanPass, " 1234567890 ", "1234567890", nil},
		{IDTypeTaiwanPass, "1234567", "", ErrIDFormat},
		{IDTypeTaiwanPass, "123456789", "", ErrIDFormat},
		{IDTypeTaiwanPass, "T1234567", "", ErrIDFormat},

		{IDTypeForeignPermanent, withCheck("93284019900101001"), withCheck("93284019900101001"), nil},
		{IDTypeForeignPermanent, "usa320590101001", "USA320590101001", nil},
		{IDTypeForeignPermanent, "93284019900101001" + string(otherCheck(CheckDigit("93284019900101001"))), "", ErrIDCheck},
		{IDTypeForeignPermanent, "320102199001011232", "", ErrIDFormat}, // must start with 9
		{IDTypeForeignPermanent, "US1320590101001", "", ErrIDFormat},
		{IDTypeForeignPermanent, "USA32059010100A", "", ErrIDFormat},
		{IDTypeForeignPermanent, "USA3205901010", "", ErrIDFormat},

		{IDTypeForeignPassport, "e12345678", "E12345678", nil},
		{IDTypeForeignPassport, "AB123", "AB123", nil},
		{IDTypeForeignPassport, "A1234567890123456789", "A1234567890123456789", nil},
		{IDTypeForeignPassport, "AB12", "", ErrIDFormat},
		{IDTypeForeignPassport, "A12345678901234567890", "", ErrIDFormat},
		{IDTypeForeignPassport, "AB-12345", "", ErrIDFormat},
		{IDTypeForeignPassport, "AB 12345", "", ErrIDFormat},
		{IDTypeForeignPassport, "护照12345", "", ErrIDFormat},

		{IDType("unknown"), "320102199001011232", "", ErrIDType},
	}
	for _, tt := range tests {
		got, err := ValidateID(tt.typ, tt.in, testNow)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || got != "" {
				t.Errorf("ValidateID(%s, %q) = %q, %v; want error %v", tt.typ, tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateID(%s, %q) = %q, %v; want %q", tt.typ, tt.in, got, err, tt.want)
		}
		// Normalised values validate to themselves.
		if again, err := ValidateID(tt.typ, got, testNow); err != nil || again != got {
			t.Errorf("ValidateID(%s, %q) not idempotent: %q, %v", tt.typ, got, again, err)
		}
	}
}

func TestValidateIDMessagesNameType(t *testing.T) {
	_, err := ValidateID(IDTypeHKMacaoPass, "x", testNow)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Code != CodeIDFormat || fe.Msg == ErrIDFormat.Msg {
		t.Errorf("HK/Macao format error = %#v, want its own message with CodeIDFormat", err)
	}
}

// otherCheck returns a check character different from c.
func otherCheck(c byte) byte {
	if c == '1' {
		return '2'
	}
	return '1'
}
