package web

// VerifyStep is what the "verify-step" template (the verify step of 法定代表人注册
// and 历史单位用户升级, whose person proves who they are in the companion app) says
// of the page's flow, and where it posts.
type VerifyStep struct {
	// Who scans the QR code, as the messages name them (法定代表人, 管理员).
	Who string
	// Hint is the line below the QR code.
	Hint string
	// FormID is the form that verify-wait.js submits once the session passed.
	FormID string
	// Continue is the button that moves a passed verification on.
	Continue string
	// FlowPath is the flow's page; its /verified and /restart take the posts.
	FlowPath string
}
