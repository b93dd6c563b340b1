package app

import (
	"net/http"
	"net/url"
	"strings"

	"hall/internal/token"
	"hall/internal/web"
)

// appScanShow is 扫一扫: the camera (app-scan.js, where the browser has the
// BarcodeDetector API) and the 二维码链接 Form, which works without JavaScript.
func (s *handler) appScanShow(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-scan", "扫一扫", "app-scan", &appData{Form: web.NewForm(r)})
}

// appScanPost opens a pasted QR link: only a link into this app is followed, and
// only its path and query, so the form cannot send anyone to another site; a rights
// record's verify link opens the app's own verification screen.
func (s *handler) appScanPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	target, msg := s.appScanTarget(f.Get("link"))
	if msg != "" {
		f.Fail("link", msg)
		return s.appRender(w, r, http.StatusUnprocessableEntity, "app-scan", "扫一扫", "app-scan", &appData{Form: f})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// appScanTarget checks a scanned or pasted link and returns the local path to open,
// or the message for the field.
func (s *handler) appScanTarget(raw string) (string, string) {
	if raw == "" {
		return "", "请输入或粘贴二维码链接"
	}
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2048 {
		return "", "无法识别该链接，请检查后重试"
	}
	if u.Host != "" || u.Scheme != "" {
		// The codes the hall draws carry Config.BaseURL (verify.Link), so that is the
		// one host whose links are ours.
		base, berr := url.Parse(s.Config.BaseURL)
		sameHall := berr == nil && u.User == nil && strings.EqualFold(u.Host, base.Host)
		if (u.Scheme != "http" && u.Scheme != "https") || !sameHall {
			return "", "这不是本系统的二维码，请扫描网上办事服务大厅页面上的二维码"
		}
	}
	if id, ok := strings.CutPrefix(u.Path, "/verify/"); ok && u.RawQuery == "" {
		// The QR code of a rights record (SPEC A4) leads to the hall's public verify
		// page; the app shows the same check on its own screen.
		if !token.Valid(id) {
			return "", "无法识别该链接，请检查后重试"
		}
		return "/app/records/" + id, ""
	}
	if !strings.HasPrefix(u.Path, "/app/") || strings.Contains(u.Path, "..") {
		return "", "这不是本系统的二维码，请扫描网上办事服务大厅页面上的二维码"
	}
	target := u.EscapedPath()
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	return web.LocalPath(target), ""
}
