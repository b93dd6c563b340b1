package staff

import (
	"errors"
	"fmt"

	"hall/internal/store"
)

// Error is a refusal a staff member can act on: Code is stable, for programs and
// logs; Msg is the Chinese sentence to show. Neither holds personal data or secrets.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "staff: " + e.Code }

// Message returns the Chinese message of err for a page: the Msg of an *Error or
// *Denial in err's chain, or a generic sentence for anything else (whose details
// belong in the log).
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

// Sentinel errors. Each function says which it returns and when.
var (
	// ErrNotFound: no staff account with that id or login.
	ErrNotFound = fmt.Errorf("staff: %w", store.ErrNotFound)
	// ErrBadCredentials is the one answer to a failed login: unknown login, disabled
	// account, wrong password, wrong, old or replayed TOTP code alike.
	ErrBadCredentials = &Error{"bad_credentials", "账号、密码或动态口令错误"}
	// ErrNoRole: a staff account needs at least one role.
	ErrNoRole = &Error{"no_role", "请至少选择一个角色"}
	// ErrRoleConflict: the roles break the separation of duties (三员分立).
	ErrRoleConflict = &Error{"role_conflict", "安全管理员、审计员不能兼任其他角色，也不能兼任窗口经办或审核"}
	// ErrLoginTaken: another account has that login name.
	ErrLoginTaken = &Error{"login_taken", "该登录名已被使用"}
	// ErrBadLogin: the login name is not 3–32 of a-z, 0-9, '.', '_' and '-',
	// starting with a letter.
	ErrBadLogin = &Error{"bad_login", "登录名须为3至32位小写字母、数字、点、下划线或连字符，以字母开头"}
	// ErrBadName: the name is empty, too long or holds characters that are not text.
	ErrBadName = &Error{"bad_name", "请填写1至64字的姓名"}
	// ErrReasonRequired: every write needs the reason typed by the staff member.
	ErrReasonRequired = &Error{"reason_required", "请填写办理事由"}
	// ErrReasonTooLong: the reason is longer than MaxReasonRunes.
	ErrReasonTooLong = &Error{"reason_too_long", "办理事由不能超过200字"}
	// ErrSecurityExists: `hall staff add` without --force when an enabled security
	// administrator exists already.
	ErrSecurityExists = &Error{"security_exists", "已有启用的安全管理员，请由其在后台创建账户"}
	// ErrStaleRoles: the account's roles changed since the page read them.
	ErrStaleRoles = &Error{"stale_roles", "该账户的角色已被他人修改，请刷新后重试"}
	// ErrPasswordMismatch and ErrPasswordSame: the change-password form.
	ErrPasswordMismatch = &Error{"password_mismatch", "两次输入的新密码不一致"}
	ErrPasswordSame     = &Error{"password_same", "新密码不能与当前密码相同"}
)
