package counter

import (
	"context"
	"fmt"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/sms"
)

// SMS purposes of the counter's messages.
const (
	PurposeInitialPassword = "counter-password"
	PurposeUnitOpened      = "counter-unit"
	PurposeAppeal          = "appeal-answer"
)

// Texts of the counter's messages. The one-time password is in the message and
// nowhere else: it is not stored, and the audit log only says a message was sent.
func (s *Service) hotline() string {
	if s.d.Hotline == "" {
		return "服务热线"
	}
	return "服务热线" + s.d.Hotline
}

func (s *Service) resetText(password string) string {
	return fmt.Sprintf("【%s】您的个人账户密码已由人社经办窗口重置，初始密码：%s 。请尽快登录并修改密码，初始密码仅能用于首次登录。如非本人办理，请立即拨打%s。",
		s.d.Sign, password, s.hotline())
}

func (s *Service) unitNewAccountText(unitName, password string) string {
	return fmt.Sprintf("【%s】%s已在人社经办窗口开通网上办事账户，您为该单位法定代表人。您的个人账户初始密码：%s ，登录后须修改密码。如非本人办理，请立即拨打%s。",
		s.d.Sign, unitName, password, s.hotline())
}

func (s *Service) unitExistingAccountText(unitName string) string {
	return fmt.Sprintf("【%s】%s已在人社经办窗口开通网上办事账户，您为该单位法定代表人，请使用您的个人账户密码登录单位账户。如非本人办理，请立即拨打%s。",
		s.d.Sign, unitName, s.hotline())
}

func (s *Service) appealReleasedText(what string) string {
	return fmt.Sprintf("【%s】您的用户申诉已办结：该%s已释放，现在可以注册或绑定使用。如有疑问请拨打%s。", s.d.Sign, what, s.hotline())
}

func (s *Service) appealRejectedText(reason string) string {
	return fmt.Sprintf("【%s】您的用户申诉未予支持，原因：%s。如有疑问，请携带有效证件到人社经办窗口办理或拨打%s。", s.d.Sign, reason, s.hotline())
}

// send hands one message to the gateway and records the outcome in the audit log
// ("counter.sms", masked mobile, no text). It reports whether the gateway took it.
func (s *Service) send(ctx context.Context, mobile, purpose, text string) bool {
	err := s.d.SMS.Send(ctx, sms.Message{Mobile: mobile, Text: text, Purpose: purpose})
	e := audit.Entry{Action: "counter.sms", Target: "mobile:" + ident.MaskMobile(mobile), Result: audit.Success,
		Detail: map[string]string{"purpose": purpose}}
	if err != nil {
		e.Result, e.Detail["error"] = audit.Failure, ident.MaskText(err.Error())
	}
	_, _ = s.d.Audit.Record(ctx, e)
	return err == nil
}
