package counter

import (
	"errors"

	"hall/internal/delegation"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/staff"
)

// Error is a refusal the back office shows: Code for programs, Msg in Chinese.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "counter: " + e.Code }

// Refusals. Each command says which it returns.
var (
	ErrNotFound         = &Error{"not_found", "未找到该业务"}
	ErrDecided          = &Error{"decided", "该业务已审核，不能重复处理"}
	ErrOpen             = &Error{"open", "该事项已有待审核的业务，请勿重复提交"}
	ErrPersonNotFound   = &Error{"person_not_found", "未找到该证件号码的个人账户，请核对证件类型和号码"}
	ErrNameMismatch     = &Error{"name_mismatch", "姓名与个人账户登记的不一致，请核对证件"}
	ErrUnitNotFound     = &Error{"unit_not_found", "未找到该单位的网上办事账户"}
	ErrUnitTaken        = &Error{"unit_taken", "该单位已开通网上办事账户，如需更换管理员请办理管理员变更"}
	ErrRegistryDown     = &Error{"registry_unavailable", "登记信息核验服务暂时不可用，请稍后再试"}
	ErrRegistryStatus   = &Error{"registry_status", "该单位在登记机关的状态不是存续，不能开通账户"}
	ErrMobileTaken      = &Error{"mobile_taken", "法定代表人的手机号码已被其他账户使用，请先办理用户申诉"}
	ErrBadInput         = &Error{"bad_input", "请完整填写表单"}
	ErrScanMissing      = &Error{"scan_missing", "请上传所需的全部材料扫描件"}
	ErrNotResendable    = &Error{"not_resendable", "该业务无需重新发送初始密码（密码已由本人修改或业务未办结）"}
	ErrAppealNotFound   = &Error{"appeal_not_found", "未找到该申诉，或申诉已处理"}
	ErrNotReleasable    = &Error{"not_releasable", "此类申诉没有可释放的证件号码或手机号码，请以答复方式办结"}
	ErrNothingToRelease = &Error{"nothing_to_release", "该证件号码或手机号码目前未被占用，无需释放"}
	// ErrUnreadable and ErrAppealUnreadable: the record's sealed values do not open
	// under the database's keys (changed in the database, or sealed under a key no
	// longer configured); the cause is logged with the record's id.
	ErrUnreadable       = &sealed.RecordUnreadable{Code: "unreadable", Msg: "该业务的数据无法读取（已记录日志）"}
	ErrAppealUnreadable = &sealed.RecordUnreadable{Code: "appeal_unreadable", Msg: "该申诉的数据无法读取（已记录日志）"}
)

// ScanError is a refusal of one of a request's scans: ErrScanMissing, or the scans
// package's refusal of the file (scans.ErrType …), with the kind of document it
// concerns, so that the form shows it beside that upload.
type ScanError struct {
	Kind scans.Kind
	Err  error
}

func (e *ScanError) Error() string { return "counter: scan " + string(e.Kind) + ": " + e.Err.Error() }
func (e *ScanError) Unwrap() error { return e.Err }

// Message returns the Chinese message of err for a page.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	if m := scans.Message(err); m != "" {
		return m
	}
	var de *delegation.Error
	if errors.As(err, &de) {
		return delegation.Message(err)
	}
	return staff.Message(err)
}
