package web

import (
	"errors"
	"net/http"

	"hall/internal/sealed"
)

// httpError is an error with a status and a message safe to show to the user.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// StatusError returns an error that renders as the given status with msg shown.
func StatusError(status int, msg string) error { return &httpError{status: status, msg: msg} }

// StatusOf is the status err renders as: its own for a StatusError, 500 for anything
// else.
func StatusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return http.StatusInternalServerError
}

// Whom to ask about a record that does not open (sealed.RecordUnreadable): a user of
// the hall can only report it at the counter; the back office's staff can have the
// data keys checked, the likely cause when many records fail at once.
const (
	unreadableAdviceUser  = "，请联系经办窗口"
	unreadableAdviceStaff = "，请联系系统管理员核查数据密钥"
)

// renderError is the one place errors become responses. Known errors show their own
// message; a record whose sealed values do not open is 500 with the domain's
// sentence and whom to ask (the domain has logged the record and the cause);
// anything else is logged with the request ID and shown as a generic page, so no
// internal detail reaches the user (fail closed).
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "系统繁忙，请稍后再试。"
	title := ""
	backOffice, _ := r.Context().Value(backOfficeKey).(bool)
	var he *httpError
	var unreadable *sealed.RecordUnreadable
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.As(err, &unreadable):
		title = "数据无法读取"
		msg = unreadable.Msg + unreadableAdviceUser
		if backOffice {
			msg = unreadable.Msg + unreadableAdviceStaff
		}
		attrs := []any{"refusal", unreadable.Code, "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path}
		if sealed.Unreadable(err) {
			// The cause without its place: a row key may be a secret (sealed.Refusal).
			attrs = append(attrs, "cause", sealed.Refusal(err).Error())
		}
		s.Log.WarnContext(r.Context(), "request refused: a record does not open", attrs...)
	default:
		s.Log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path)
	}
	data := struct {
		Status  int
		Message string
		Back    errorBack
	}{status, msg, errorBackFor(VisitorFrom(r.Context()))}
	page := "error"
	if backOffice && s.pages.byName["admin-error"] != nil {
		// The back office's error page (package admin) in its own layout.
		page, data.Back = "admin-error", errorBack{Href: "/admin/", Label: "返回后台首页"}
	}
	if title == "" {
		title = statusTitle(status)
	}
	if rerr := s.Render(w, r, status, page, title, "", data); rerr != nil {
		s.Log.ErrorContext(r.Context(), "render error page", "err", rerr)
		http.Error(w, msg, status)
	}
}

// errorBack is the way back an error page offers besides the hall's home page.
type errorBack struct{ Href, Label string }

// errorBackFor is where a refused or failed page sends the visitor back to: the unit
// center's home in a unit session, the institution user center in an institution
// session, the personal center when signed in personally, None otherwise (the page always links the hall's home).
func errorBackFor(v *Visitor) errorBack {
	switch {
	case v != nil && v.Institution != nil:
		return errorBack{Href: InstitutionHome, Label: "返回机构用户中心"}
	case v == nil || !v.SignedIn():
		return errorBack{}
	case v.Unit != nil:
		return errorBack{Href: "/unit/", Label: "返回单位主页"}
	}
	return errorBack{Href: "/me", Label: "返回个人中心"}
}

func (s *Server) NotFound(w http.ResponseWriter, r *http.Request) error {
	return StatusError(http.StatusNotFound, "您访问的页面不存在。")
}

// statusTitle is the page title for an error status.
func statusTitle(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "请求有误"
	case http.StatusForbidden:
		return "无权访问"
	case http.StatusNotFound:
		return "页面不存在"
	case http.StatusMethodNotAllowed:
		return "请求方式不支持"
	case http.StatusRequestEntityTooLarge:
		return "提交内容过长"
	case http.StatusTooManyRequests:
		return "请求过于频繁"
	}
	if status >= 500 {
		return "系统繁忙"
	}
	return "出错了"
}
