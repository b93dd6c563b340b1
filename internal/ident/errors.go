package ident

// FieldError is a validation error for one form field. Code is stable and
// meant for programs; Msg is Simplified Chinese and meant for the person
// filling in the form. Neither contains the rejected value, so both are safe
// to log.
type FieldError struct {
	Code string
	Msg  string
}

func (e *FieldError) Error() string { return e.Msg }

// Is reports whether target is a *FieldError with the same Code. Matching on
// the code rather than on identity lets callers use the Err* sentinels while
// validators still return a message specialised to the context (for example
// naming the ID type).
func (e *FieldError) Is(target error) bool {
	t, ok := target.(*FieldError)
	return ok && t.Code == e.Code
}

// Codes of the errors returned by this package.
const (
	CodeIDType       = "id_type"
	CodeIDFormat     = "id_format"
	CodeIDCheck      = "id_check"
	CodeIDBirth      = "id_birth"
	CodeIDRegion     = "id_region"
	CodeUSCCFormat   = "uscc_format"
	CodeUSCCCheck    = "uscc_check"
	CodeUSCCOrgCheck = "uscc_org_check"
	CodeMobileFormat = "mobile_format"
	CodeUnitNoFormat = "unit_no_format"
	CodeUnitNoCheck  = "unit_no_check"
	CodeInstNoFormat = "inst_no_format"
	CodeInstNoCheck  = "inst_no_check"
	CodeUnitAccount  = "unit_account"
)

// Sentinels for errors.Is. Validators may return a FieldError with the same
// Code and a more specific message; errors.Is still matches.
var (
	ErrIDType       = &FieldError{CodeIDType, "请选择正确的证件类型"}
	ErrIDFormat     = &FieldError{CodeIDFormat, "请输入正确的18位公民身份号码"}
	ErrIDCheck      = &FieldError{CodeIDCheck, "身份号码校验位错误"}
	ErrIDBirth      = &FieldError{CodeIDBirth, "出生日期无效"}
	ErrIDRegion     = &FieldError{CodeIDRegion, "身份号码地址码无效"}
	ErrUSCCFormat   = &FieldError{CodeUSCCFormat, "请输入正确的18位统一社会信用代码"}
	ErrUSCCCheck    = &FieldError{CodeUSCCCheck, "统一社会信用代码校验位错误"}
	ErrUSCCOrgCheck = &FieldError{CodeUSCCOrgCheck, "统一社会信用代码校验位错误（组织机构代码部分）"}
	ErrMobileFormat = &FieldError{CodeMobileFormat, "请输入正确的11位手机号码"}
	ErrUnitNoFormat = &FieldError{CodeUnitNoFormat, "请输入正确的13位单位编号"}
	ErrUnitNoCheck  = &FieldError{CodeUnitNoCheck, "单位编号校验位错误"}
	ErrInstNoFormat = &FieldError{CodeInstNoFormat, "请输入正确的机构编号（J开头，共17位）"}
	ErrInstNoCheck  = &FieldError{CodeInstNoCheck, "机构编号校验位错误"}
	ErrUnitAccount  = &FieldError{CodeUnitAccount, "请输入正确的统一社会信用代码、单位编号或机构编号"}
)
