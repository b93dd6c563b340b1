package address

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"hall/internal/formerr"
	"hall/internal/unit"
)

// MaxPerUnit is how many addresses a unit may keep (the seed's "最多10个"); the
// database refuses more (migration 0020).
const MaxPerUnit = 10

// ItemCode is the catalog item whose grant lets an agent change the unit's
// addresses: 单位参保信息变更登记 (FACTS.md), the item under which a unit changes its
// address and contact with the bureau. The legal rep and the admin may always.
const ItemCode = "SB-009"

// Hint is the seed's hint beside the form for a unit that has n addresses.
func Hint(n int) string {
	left := max(MaxPerUnit-n, 0)
	return fmt.Sprintf("温馨提示：最多%d个，当前已设置 %d 个，还可以增加 %d 个", MaxPerUnit, n, left)
}

// MsgLimit is the refusal of an 11th address, shown with the hint.
const MsgLimit = "收件地址已达上限，请先删除不再使用的地址后再新增。"

// The form's fields, as Check's FormError keys them.
const (
	FieldRecipient = "recipient"
	FieldPhone     = "phone"
	FieldProvince  = "province"
	FieldCity      = "city"
	FieldCounty    = "county"
	FieldDetail    = "detail"
)

// Limits of the typed fields, in characters.
const (
	MaxRecipient = 30
	MinDetail    = 2
	MaxDetail    = 80
)

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "address" }

// FormError is refused input: a Chinese message per field (Field*) and, for the
// limit, one for the whole form. Messages never repeat what was typed.
type FormError = formerr.Error[source]

// Input is an address as typed: the region as the picker's three choices.
type Input struct {
	Recipient string
	Phone     string
	Province  string // two digits
	City      string // four digits
	County    string // six digits
	Detail    string
}

// Fields is what Check keeps of an address.
type Fields struct {
	Recipient string
	Phone     string // unit.NormalizePhone's form
	Region    string // the county's code
	Detail    string
}

// Check validates in and returns it cleaned (spaces trimmed and folded, the phone
// normalized), or a *FormError. The region must be a county the picker offers,
// inside the chosen city and province: a county that does not belong to them is
// refused at the first choice that does not fit, so the form asks again from there.
func Check(in Input) (Fields, error) {
	e := &FormError{}
	out := Fields{Recipient: fold(in.Recipient), Detail: fold(in.Detail)}
	switch n := utf8.RuneCountInString(out.Recipient); {
	case n == 0:
		e.Add(FieldRecipient, "请填写收件人")
	case n < 2:
		e.Add(FieldRecipient, "收件人至少2个字")
	case n > MaxRecipient:
		e.Add(FieldRecipient, fmt.Sprintf("收件人不能超过%d个字", MaxRecipient))
	case !unit.NameLike(out.Recipient):
		e.Add(FieldRecipient, "收件人只能包含汉字、字母、空格和间隔号“·”")
	}
	phone, err := unit.NormalizePhone(in.Phone)
	if err != nil {
		e.Add(FieldPhone, err.Error())
	}
	out.Phone = phone
	if region, field, msg := checkRegion(in); msg != "" {
		e.Add(field, msg)
	} else {
		out.Region = region
	}
	switch n := utf8.RuneCountInString(out.Detail); {
	case n == 0:
		e.Add(FieldDetail, "请填写详细地址")
	case n < MinDetail:
		e.Add(FieldDetail, fmt.Sprintf("详细地址过短，请填写街道和门牌号（至少%d个字）", MinDetail))
	case n > MaxDetail:
		e.Add(FieldDetail, fmt.Sprintf("详细地址不能超过%d个字", MaxDetail))
	case unit.HasControl(out.Detail):
		e.Add(FieldDetail, "详细地址含有不能识别的字符")
	}
	if err := e.OrNil(); err != nil {
		return out, err
	}
	return out, nil
}

// checkRegion returns the county's code, or the field of the first choice that is
// missing or does not fit, with its message.
func checkRegion(in Input) (code, field, msg string) {
	province, city, county := strings.TrimSpace(in.Province), strings.TrimSpace(in.City), strings.TrimSpace(in.County)
	if !offered(Provinces(), province) {
		return "", FieldProvince, "请选择省份"
	}
	if !offered(Cities(province), city) {
		return "", FieldCity, "请选择城市"
	}
	if !offered(Counties(city), county) {
		return "", FieldCounty, "请选择区县"
	}
	return county, "", ""
}

func offered(rs []Region, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// InputOf is the picker's three choices for a stored county code.
func InputOf(region string) (province, city, county string) {
	if len(region) != 6 {
		return "", "", ""
	}
	return region[:2], region[:4], region
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }
