package address_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"hall/internal/address"
)

func TestCheck(t *testing.T) {
	ok := input(0)
	with := func(change func(*address.Input)) address.Input {
		in := ok
		change(&in)
		return in
	}
	for _, tc := range []struct {
		name  string
		in    address.Input
		field string // "" when accepted
	}{
		{"valid", ok, ""},
		{"landline with extension", with(func(in *address.Input) { in.Phone = "025 8312 3456 转 801" }), ""},
		{"county-level city", with(func(in *address.Input) { in.City, in.County = "3202", "320281" }), ""},
		{"transliterated name", with(func(in *address.Input) { in.Recipient = "阿卜杜·热合曼" }), ""},
		{"no recipient", with(func(in *address.Input) { in.Recipient = "  " }), address.FieldRecipient},
		{"one-character recipient", with(func(in *address.Input) { in.Recipient = "王" }), address.FieldRecipient},
		{"digits in recipient", with(func(in *address.Input) { in.Recipient = "王12" }), address.FieldRecipient},
		{"long recipient", with(func(in *address.Input) { in.Recipient = strings.Repeat("王", 31) }), address.FieldRecipient},
		{"no phone", with(func(in *address.Input) { in.Phone = "" }), address.FieldPhone},
		{"bad phone", with(func(in *address.Input) { in.Phone = "12345" }), address.FieldPhone},
		{"no province", with(func(in *address.Input) { in.Province = "" }), address.FieldProvince},
		{"province not offered", with(func(in *address.Input) { in.Province = "11" }), address.FieldProvince},
		{"no city", with(func(in *address.Input) { in.City = "" }), address.FieldCity},
		{"city of no offered county", with(func(in *address.Input) { in.City, in.County = "3207", "320703" }), address.FieldCity},
		{"city of another province", with(func(in *address.Input) { in.Province, in.City = "32", "3301" }), address.FieldCity},
		{"no county", with(func(in *address.Input) { in.County = "" }), address.FieldCounty},
		{"county of another city", with(func(in *address.Input) { in.County = "320281" }), address.FieldCounty},
		{"retired county code", with(func(in *address.Input) { in.City, in.County = "3210", "321088" }), address.FieldCounty},
		{"no detail", with(func(in *address.Input) { in.Detail = "" }), address.FieldDetail},
		{"one-character detail", with(func(in *address.Input) { in.Detail = "号" }), address.FieldDetail},
		{"long detail", with(func(in *address.Input) { in.Detail = strings.Repeat("路", 81) }), address.FieldDetail},
		{"control character", with(func(in *address.Input) { in.Detail = "中山路\x07号" }), address.FieldDetail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := address.Check(tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.Region != tc.in.County {
					t.Fatalf("region %q, want %q", got.Region, tc.in.County)
				}
				return
			}
			var fe *address.FormError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a FormError", err)
			}
			if fe.Fields[tc.field] == "" {
				t.Fatalf("messages %v, want one for %s", fe.Fields, tc.field)
			}
		})
	}
}

func TestCheckCleans(t *testing.T) {
	got, err := address.Check(address.Input{Recipient: " 王  小明 ", Phone: "１３８１２３４５６７８", Province: "32", City: "3201",
		County: "320102", Detail: " 中山路  78号 "})
	if err != nil {
		t.Fatal(err)
	}
	want := address.Fields{Recipient: "王 小明", Phone: "13812345678", Region: "320102", Detail: "中山路 78号"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestHint(t *testing.T) {
	for n, want := range map[int]string{
		0:  "温馨提示：最多10个，当前已设置 0 个，还可以增加 10 个",
		1:  "温馨提示：最多10个，当前已设置 1 个，还可以增加 9 个",
		10: "温馨提示：最多10个，当前已设置 10 个，还可以增加 0 个",
	} {
		if got := address.Hint(n); got != want {
			t.Errorf("Hint(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestRegions: the picker offers every county FACTS.md lists, each under its city
// and province, and names it in full.
func TestRegions(t *testing.T) {
	ps := address.Provinces()
	if len(ps) != 1 || ps[0].Code != "32" || ps[0].Name != "江苏省" {
		t.Fatalf("provinces %v", ps)
	}
	counties := 0
	for _, c := range address.Cities("32") {
		for _, k := range address.Counties(c.Code) {
			counties++
			name, ok := address.RegionName(k.Code)
			if !ok || !strings.HasPrefix(name, "江苏省"+c.Name) || !strings.HasSuffix(name, k.Name) {
				t.Errorf("RegionName(%s) = %q, %v", k.Code, name, ok)
			}
		}
	}
	if counties != 19 {
		t.Fatalf("%d counties offered, want the 19 of FACTS.md", counties)
	}
	if name, _ := address.RegionName("320102"); name != "江苏省南京市玄武区" {
		t.Fatalf("RegionName(320102) = %q", name)
	}
	for _, bad := range []string{"", "32", "3201", "320100", "321088", "110101"} {
		if _, ok := address.RegionName(bad); ok {
			t.Errorf("RegionName(%q) accepted", bad)
		}
	}
}

// FuzzCheck: any typed input is either refused with messages for named fields, or
// accepted as a county the picker offers with fields within their limits.
func FuzzCheck(f *testing.F) {
	f.Add("王小明", "13812345678", "32", "3201", "320102", "中山路78号")
	f.Add("", "025-83123456-801", "32", "3202", "320281", "\x00")
	f.Fuzz(func(t *testing.T, recipient, phone, province, city, county, detail string) {
		got, err := address.Check(address.Input{Recipient: recipient, Phone: phone, Province: province, City: city,
			County: county, Detail: detail})
		if err != nil {
			var fe *address.FormError
			if !errors.As(err, &fe) || len(fe.Fields) == 0 {
				t.Fatalf("refusal %v is not a FormError with fields", err)
			}
			return
		}
		if _, ok := address.RegionName(got.Region); !ok {
			t.Fatalf("accepted region %q", got.Region)
		}
		if n := utf8.RuneCountInString(got.Detail); n < address.MinDetail || n > address.MaxDetail {
			t.Fatalf("accepted detail of %d characters", n)
		}
		if got.Phone == "" || got.Recipient == "" {
			t.Fatalf("accepted %+v", got)
		}
	})
}
