package sms

import (
	"context"
	"fmt"
	"time"

	"hall/internal/chinatime"
	"hall/internal/ident"
)

// Account notices: after a change that would let someone else take over an
// account (a password reset, a password change, a new mobile), the account's mobile
// is told what changed and when, with the hotline to call if it was not the
// person. For a new mobile it is the old number that is told: the new one belongs
// to whoever made the change.

// PurposeAccountNotice is the Message.Purpose of account notices.
const PurposeAccountNotice = "account-notice"

// Change is a change an account notice reports.
type Change string

const (
	ChangePasswordReset     Change = "password-reset"      // the personal password, by 找回密码
	ChangeUnitPasswordReset Change = "unit-password-reset" // a unit password (经办密码), by 找回密码 or the app
	ChangePassword          Change = "password"            // the personal password, in the account pages
	ChangeUnitPassword      Change = "unit-password"       // a unit password, in the unit center
	ChangeMobile            Change = "mobile"              // the mobile number
)

// Notices sends account notices through a Sender.
type Notices struct {
	sender        Sender
	sign, hotline string
	now           func() time.Time
}

// NewNotices returns the account notices sent through sender, signed 【sign】, naming
// hotline; now is the clock (nil: time.Now).
func NewNotices(sender Sender, sign, hotline string, now func() time.Time) *Notices {
	if now == nil {
		now = time.Now
	}
	if sign == "" {
		sign = DefaultSign
	}
	return &Notices{sender: sender, sign: sign, hotline: hotline, now: now}
}

// NoticeText is the text of an account notice for change at time at. newMobile is
// the new number of ChangeMobile (shown masked) and ignored otherwise.
func NoticeText(sign, hotline string, change Change, at time.Time, newMobile string) string {
	when := at.In(chinatime.Zone).Format("2006年01月02日 15:04")
	var what string
	switch change {
	case ChangePasswordReset:
		what = "您的个人账户登录密码已于" + when + "通过“找回密码”重置"
	case ChangeUnitPasswordReset:
		what = "您在单位账户的经办密码已于" + when + "重置"
	case ChangePassword:
		what = "您的个人账户登录密码已于" + when + "修改"
	case ChangeUnitPassword:
		what = "您在单位账户的经办密码已于" + when + "修改"
	case ChangeMobile:
		what = "您账户绑定的手机号码已于" + when + "更换为" + ident.MaskMobile(newMobile) + "，本号码将不再接收该账户的短信"
	default:
		what = "您的账户信息已于" + when + "变更"
	}
	call := "请立即拨打服务热线"
	if hotline != "" {
		call += hotline
	}
	return fmt.Sprintf("【%s】%s。如非本人操作，%s。", sign, what, call)
}

// AccountChanged tells mobile that change was just made to its account (newMobile:
// see NoticeText). Errors: those of the Sender (ErrUndeliverable wrapped, or
// transient ones); the change stands either way, so callers log them.
func (n *Notices) AccountChanged(ctx context.Context, mobile string, change Change, newMobile string) error {
	return n.sender.Send(ctx, Message{Mobile: mobile, Purpose: PurposeAccountNotice,
		Text: NoticeText(n.sign, n.hotline, change, n.now(), newMobile)})
}
