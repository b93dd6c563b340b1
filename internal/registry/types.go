package registry

import (
	"strings"

	"hall/internal/ident"
)

// UnitType is the kind of unit the registry records. The values are stable English
// codes for storage (like ident.IDType); Label gives the Chinese name.
type UnitType string

const (
	UnitEnterprise           UnitType = "enterprise"             // 企业
	UnitGovernment           UnitType = "government"             // 机关
	UnitPublicInstitution    UnitType = "public_institution"     // 事业单位
	UnitSocialOrganization   UnitType = "social_organization"    // 社会团体
	UnitPrivateNonEnterprise UnitType = "private_non_enterprise" // 民办非企业单位
	UnitIndividualBusiness   UnitType = "individual_business"    // 个体工商户
	UnitFoundation           UnitType = "foundation"             // 基金会
	UnitCooperative          UnitType = "cooperative"            // 农民专业合作社
	UnitOther                UnitType = "other"                  // 其他组织 (律师事务所, 宗教活动场所…)
)

type label struct {
	code    string
	label   string
	aliases []string // other spellings seen in registry exports and spreadsheets
}

var unitTypes = []label{
	{string(UnitEnterprise), "企业", []string{"企业法人", "公司"}},
	{string(UnitGovernment), "机关", []string{"机关单位", "机关法人"}},
	{string(UnitPublicInstitution), "事业单位", []string{"事业", "事业单位法人"}},
	{string(UnitSocialOrganization), "社会团体", []string{"社团", "社会团体法人"}},
	{string(UnitPrivateNonEnterprise), "民办非企业单位", []string{"民非", "民办非企业", "社会服务机构"}},
	{string(UnitIndividualBusiness), "个体工商户", []string{"个体"}},
	{string(UnitFoundation), "基金会", nil},
	{string(UnitCooperative), "农民专业合作社", []string{"合作社"}},
	{string(UnitOther), "其他组织", []string{"其他"}},
}

// Status is the unit's registration status.
type Status string

const (
	StatusActive    Status = "active"    // 存续: in business
	StatusCancelled Status = "cancelled" // 注销: deregistered by the unit
	StatusRevoked   Status = "revoked"   // 吊销: licence revoked by the regulator
)

var statuses = []label{
	// 在业/在营/开业 are older spellings of 存续 that still appear in exports.
	{string(StatusActive), "存续", []string{"在业", "在营", "开业", "存续（在营、开业、在册）"}},
	{string(StatusCancelled), "注销", []string{"已注销"}},
	{string(StatusRevoked), "吊销", []string{"已吊销", "吊销，未注销"}},
}

func labelOf(ls []label, code string) string {
	for _, l := range ls {
		if l.code == code {
			return l.label
		}
	}
	return ""
}

// parseLabel accepts a code (case-insensitive), a label or an alias.
func parseLabel(ls []label, s string) (string, bool) {
	s = ident.Fold(strings.TrimFunc(s, ident.IsTrimmable))
	for _, l := range ls {
		if strings.EqualFold(s, l.code) || s == ident.Fold(l.label) {
			return l.code, true
		}
		for _, a := range l.aliases {
			if s == ident.Fold(a) {
				return l.code, true
			}
		}
	}
	return "", false
}

// UnitTypes lists every unit type, in the order a form offers them.
func UnitTypes() []UnitType {
	out := make([]UnitType, len(unitTypes))
	for i, l := range unitTypes {
		out[i] = UnitType(l.code)
	}
	return out
}

// Label returns the Chinese name, or "" for an unknown type.
func (t UnitType) Label() string { return labelOf(unitTypes, string(t)) }

// Valid reports whether t is one of the defined unit types.
func (t UnitType) Valid() bool { return t.Label() != "" }

// Label returns the Chinese name, or "" for an unknown status.
func (s Status) Label() string { return labelOf(statuses, string(s)) }

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool { return s.Label() != "" }

// Field error codes of this package, for programs; the Msg of each is for people.
const (
	CodeUnitType = "registry_unit_type"
	CodeStatus   = "registry_status_value"
)

var (
	errUnitType = &ident.FieldError{Code: CodeUnitType,
		Msg: "单位类型无法识别（应为企业、机关、事业单位、社会团体、民办非企业单位、个体工商户、基金会、农民专业合作社或其他组织）"}
	errStatus = &ident.FieldError{Code: CodeStatus, Msg: "登记状态无法识别（应为存续、注销或吊销）"}
)

// ParseUnitType accepts the code ("enterprise"), the Chinese label ("企业") or a
// common alias ("民非"). The error is a *ident.FieldError.
func ParseUnitType(s string) (UnitType, error) {
	if c, ok := parseLabel(unitTypes, s); ok {
		return UnitType(c), nil
	}
	return "", errUnitType
}

// ParseStatus accepts the code ("active"), the Chinese label ("存续") or an older
// spelling ("在业"). The error is a *ident.FieldError.
func ParseStatus(s string) (Status, error) {
	if c, ok := parseLabel(statuses, s); ok {
		return Status(c), nil
	}
	return "", errStatus
}
