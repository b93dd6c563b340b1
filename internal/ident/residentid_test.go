package ident

import (
	"errors"
	"testing"
	"time"
)

// testNow is a fixed "now" so birth-date rules do not drift with the clock.
var testNow = time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC) // 10:00 in China

// mod112Reference is ISO 7064 MOD 11-2 in its recursive textbook form
// (p = (p + digit) * 2 mod 11), a different computation from the weight
// table in CheckDigit, so a wrong table cannot hide behind itself.
func mod112Reference(first17 string) byte {
	p := 0
	for i := 0; i < len(first17); i++ {
		p = (p + int(first17[i]-'0')) * 2 % 11
	}
	c := (12 - p) % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

func TestCheckDigit(t *testing.T) {
	// Literals computed independently; all numbers are invented.
	cases := map[string]byte{
		"32010219900101123": '2',
		"32058319850615002": '2',
		"32070119900101101": 'X',
		"32010219900101103": 'X',
		"81000019900101001": '9',
	}
	for body, want := range cases {
		if got := CheckDigit(body); got != want {
			t.Errorf("CheckDigit(%s) = %q, want %q", body, got, want)
		}
	}
	for seed := uint64(0); seed < 200; seed++ {
		body := GenerateResidentID(newRand(seed), "", time.Time{}, seed%2 == 0)[:17]
		if got, want := CheckDigit(body), mod112Reference(body); got != want {
			t.Fatalf("CheckDigit(%s) = %q, reference %q", body, got, want)
		}
	}
	for _, bad := range []string{"", "3201021990010112", "320102199001011234", "3201021990010112a", "３2010219900101123"} {
		if got := CheckDigit(bad); got != 0 {
			t.Errorf("CheckDigit(%q) = %q, want 0", bad, got)
		}
	}
}

func TestParseResidentID(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string // normalised number when valid
		err    error
		sex    Sex
		birth  string
		region string
	}{
		{name: "valid male", in: "320102199001011232", want: "320102199001011232", sex: SexMale, birth: "1990-01-01", region: "320102"},
		{name: "valid female", in: "320583198506150022", want: "320583198506150022", sex: SexFemale, birth: "1985-06-15", region: "320583"},
		{name: "X check", in: "32070119900101101X", want: "32070119900101101X", sex: SexMale, birth: "1990-01-01", region: "320701"},
		{name: "lower-case x", in: "32070119900101101x", want: "32070119900101101X", sex: SexMale, birth: "1990-01-01", region: "320701"},
		{name: "spaces around", in: "  320102199001011232\t", want: "320102199001011232", sex: SexMale, birth: "1990-01-01", region: "320102"},
		{name: "full-width", in: "３２０１０２１９９００１０１１２３２", want: "320102199001011232", sex: SexMale, birth: "1990-01-01", region: "320102"},
		{name: "full-width x", in: "３２０７０１１９９００１０１１０１ｘ", want: "32070119900101101X", sex: SexMale, birth: "1990-01-01", region: "320701"},
		{name: "leap day", in: "321281198002290015", want: "321281198002290015", sex: SexMale, birth: "1980-02-29", region: "321281"},
		{name: "Hong Kong prefix", in: "810000199001010019", want: "810000199001010019", sex: SexMale, birth: "1990-01-01", region: "810000"},
		{name: "born today in China", in: withCheck("3201022026031500" + "1"), want: withCheck("32010220260315001"), sex: SexMale, birth: "2026-03-15", region: "320102"},
		{name: "born 1900-01-01", in: withCheck("32010219000101002"), want: withCheck("32010219000101002"), sex: SexFemale, birth: "1900-01-01", region: "320102"},

		{name: "empty", in: "", err: ErrIDFormat},
		{name: "17 chars", in: "32010219900101123", err: ErrIDFormat},
		{name: "19 chars", in: "3201021990010112320", err: ErrIDFormat},
		{name: "15-digit old format", in: "320102900101123", err: ErrIDFormat},
		{name: "inner space", in: "320102 19900101123", err: ErrIDFormat},
		{name: "letter inside", in: "3201021990O1011232", err: ErrIDFormat},
		{name: "X not last", in: "3201021990010112X2", err: ErrIDFormat},
		{name: "other check letter", in: "32070119900101101Y", err: ErrIDFormat},
		{name: "wrong check digit", in: "320102199001011233", err: ErrIDCheck},
		{name: "X where digit due", in: "32010219900101123X", err: ErrIDCheck},
		{name: "typo in body", in: "320102199001011332", err: ErrIDCheck},
		{name: "transposed digits", in: "320102199001012132", err: ErrIDCheck},
		{name: "unknown province 99", in: withCheck("99010219900101123"), err: ErrIDRegion},
		{name: "province 83 is permit only", in: withCheck("83000019850512002"), err: ErrIDRegion},
		{name: "province 00", in: withCheck("00010219900101123"), err: ErrIDRegion},
		{name: "Feb 30", in: withCheck("32010219900230123"), err: ErrIDBirth},
		{name: "Feb 29 non-leap", in: withCheck("32010219900229123"), err: ErrIDBirth},
		{name: "month 13", in: withCheck("32010219901301123"), err: ErrIDBirth},
		{name: "month 00", in: withCheck("32010219900001123"), err: ErrIDBirth},
		{name: "day 00", in: withCheck("32010219900100123"), err: ErrIDBirth},
		{name: "day 32", in: withCheck("32010219900132123"), err: ErrIDBirth},
		{name: "before 1900", in: withCheck("32010218991231123"), err: ErrIDBirth},
		{name: "tomorrow in China", in: withCheck("32010220260316001"), err: ErrIDBirth},
		{name: "far future", in: withCheck("32010230000101001"), err: ErrIDBirth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResidentID(tt.in, testNow)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if got != (ResidentID{}) {
					t.Errorf("got %+v with error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if got.Number != tt.want || got.Sex != tt.sex || got.RegionCode != tt.region ||
				got.BirthDate.Format(time.DateOnly) != tt.birth || got.BirthDate.Location() != time.UTC {
				t.Errorf("got %+v, want number %s sex %v birth %s region %s", got, tt.want, tt.sex, tt.birth, tt.region)
			}
		})
	}
}

// TestParseResidentIDToday checks that "today" is the Chinese calendar day:
// at 20:00 UTC on 15 March it is already 16 March in China.
func TestParseResidentIDToday(t *testing.T) {
	id := withCheck("32010220260316001")
	if _, err := ParseResidentID(id, time.Date(2026, 3, 15, 15, 59, 0, 0, time.UTC)); !errors.Is(err, ErrIDBirth) {
		t.Errorf("15:59 UTC (23:59 CST): err = %v, want ErrIDBirth", err)
	}
	if _, err := ParseResidentID(id, time.Date(2026, 3, 15, 16, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("16:00 UTC (00:00 CST next day): err = %v", err)
	}
}

func TestSexLabel(t *testing.T) {
	for s, want := range map[Sex]string{SexMale: "男", SexFemale: "女", SexUnknown: "未知", Sex(9): "未知"} {
		if got := s.Label(); got != want {
			t.Errorf("Sex(%d).Label() = %q, want %q", s, got, want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	// The messages are part of the UI: pin the ones the SPEC quotes.
	for err, want := range map[error]string{
		ErrIDFormat:     "请输入正确的18位公民身份号码",
		ErrIDCheck:      "身份号码校验位错误",
		ErrIDBirth:      "出生日期无效",
		ErrUSCCCheck:    "统一社会信用代码校验位错误",
		ErrMobileFormat: "请输入正确的11位手机号码",
	} {
		if err.Error() != want {
			t.Errorf("%v: message %q, want %q", err, err.Error(), want)
		}
	}
	var fe *FieldError
	if _, err := ParseResidentID("x", testNow); !errors.As(err, &fe) || fe.Code != CodeIDFormat {
		t.Errorf("errors.As FieldError: %v", err)
	}
	if errors.Is(ErrIDCheck, ErrIDBirth) || !errors.Is(&FieldError{Code: CodeIDCheck, Msg: "x"}, ErrIDCheck) {
		t.Error("FieldError.Is must match on Code only")
	}
}

// withCheck appends the check digit to a 17-digit body.
func withCheck(body string) string { return body + string(CheckDigit(body)) }
