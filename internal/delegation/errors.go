package delegation

import "errors"

// Error is a refusal a person can act on: Code is stable and meant for programs and
// logs, Msg is the Simplified Chinese sentence to show. Neither contains personal data.
// The package's sentinels are *Error values; compare with errors.Is.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "delegation: " + e.Code }

// Message returns the Chinese message of err for a page: the Msg of an *Error or
// *Denial in err's chain, or a generic sentence for anything else (a database
// failure, whose details belong in the log, not on the page).
func Message(err error) string {
	var d *Denial
	if errors.As(err, &d) {
		return d.Msg
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return "系统繁忙，请稍后再试"
}

// MsgNomineeMismatch is the seed's message when the nominated person is not a
// registered real-name user with exactly that name, ID number and mobile.
const MsgNomineeMismatch = "请确认输入的经办人信息是否已实名注册且与注册信息一致"

// Sentinel errors of the commands. Each method says which it returns and when.
var (
	ErrUnitNotFound = &Error{"unit_not_found", "单位不存在"}
	ErrUnitClosed   = &Error{"unit_closed", "单位账户已注销，不能办理此操作"}
	// ErrNotLegalRep: only the unit's legal rep may set, replace or remove the admin.
	ErrNotLegalRep = &Error{"not_legal_rep", "只有单位法定代表人可以设置、更换或删除管理员"}
	// ErrNotManager: only the legal rep or an admin inside its validity may manage agents.
	ErrNotManager = &Error{"not_manager", "只有单位法定代表人或有效期内的管理员可以管理经办人"}
	// ErrNomineeMismatch: no registered person has exactly this name, ID and mobile.
	ErrNomineeMismatch = &Error{"nominee_mismatch", MsgNomineeMismatch}
	// ErrAlreadyMember: the nominee already is the legal rep, admin or an agent of the unit.
	ErrAlreadyMember = &Error{"already_member", "该人员已是本单位的法定代表人、管理员或经办人"}
	// ErrAdminExists: SetAdmin on a unit that has an admin (pending or confirmed).
	ErrAdminExists = &Error{"admin_exists", "本单位已有管理员，如需变更请使用“更换管理员”"}
	// ErrAdminChanged: ReplaceAdmin or RemoveAdmin named an admin who is no longer the
	// unit's admin (someone else changed it meanwhile).
	ErrAdminChanged = &Error{"admin_changed", "管理员信息已变更，请刷新页面后重试"}
	// ErrAgentLimit: the unit already has 10 agents (pending ones count).
	ErrAgentLimit = &Error{"agent_limit", "每个单位最多可添加10名经办人"}
	// ErrNoItems: an agent needs at least one business item.
	ErrNoItems = &Error{"no_items", "请至少选择一项授权业务"}
	// ErrUnknownItem: an item is not in the catalog, inactive, or not for units.
	ErrUnknownItem = &Error{"unknown_item", "所选业务事项不存在或单位不可办理"}
	// ErrBadValidity: the period is empty, already over, or malformed.
	ErrBadValidity = &Error{"bad_validity", "授权有效期不正确：结束时间须晚于开始时间和当前时间"}
	// ErrBeyondGrantor: an admin tried to grant past the end of its own validity.
	ErrBeyondGrantor = &Error{"beyond_grantor", "授权有效期不能超过您本人的授权有效期"}
	// ErrAgentNotFound: the membership is not a current agent of the unit.
	ErrAgentNotFound = &Error{"agent_not_found", "未找到该经办人，可能已被删除"}
	// ErrInvitationNotFound: no open invitation with this ID for this person (unknown,
	// someone else's, already answered, or its grant was revoked).
	ErrInvitationNotFound = &Error{"invitation_not_found", "邀请不存在或已处理"}
	// ErrInvitationExpired: the invitation was not confirmed in time.
	ErrInvitationExpired = &Error{"invitation_expired", "邀请已过期，请联系单位法定代表人或管理员重新添加"}
	// ErrVerificationRequired: Confirm without a fitting, passed and consumed face
	// verification of the invited person.
	ErrVerificationRequired = &Error{"verification_required", "请先完成本人的人脸识别验证"}
	// ErrNotAuthorized is matched (errors.Is) by every *Denial that Authorize returns.
	ErrNotAuthorized = &Error{"not_authorized", "您无权办理该业务"}
)
