package app

import (
	"errors"
	"net/http"
	"strconv"

	"hall/internal/qrlogin"
	"hall/internal/web"
)

// The app's 扫码登录 screen (SPEC L2, L6) at /app/qr/{id}, the link a login page's QR
// code carries (qrlogin.Link). Opening it records the scan for the signed-in person
// (qrlogin.Scan) and shows which browser asks (device, place, time) and, for a unit
// login, the units the person may act for (qrlogin.Choices; unusable ones disabled
// with the reason); 确认登录 or 取消 decide, and a result page follows.

// qrConfirmData is what the screen shows. State is "screen" (the decision),
// "confirmed", "cancelled" or "refused" (Message says why).
type qrConfirmData struct {
	State   string
	ID      string
	Ticket  qrlogin.Ticket
	Asked   string // when the browser asked, Asia/Shanghai
	Choices []qrlogin.Choice
	Message string
	Form    *web.Form
	// Unit is the unit the login was confirmed for (result page).
	Unit string
}

// UnitLogin reports whether the ticket is a unit login.
func (d *qrConfirmData) UnitLogin() bool { return d.Ticket.Kind == qrlogin.KindUnit }

func (s *handler) qrConfirmRender(w http.ResponseWriter, r *http.Request, status int, d *qrConfirmData) error {
	return s.Render(w, r, status, "app-qr-login", "扫码登录", "app-scan", d)
}

// qrConfirmRefused shows err's message as the result.
func (s *handler) qrConfirmRefused(w http.ResponseWriter, r *http.Request, err error) error {
	status := http.StatusConflict
	switch {
	case errors.Is(err, qrlogin.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, qrlogin.ErrOtherPerson), errors.Is(err, qrlogin.ErrNotUsable):
		status = http.StatusForbidden
	case !errors.As(err, new(*qrlogin.Error)):
		return err
	}
	return s.qrConfirmRender(w, r, status, &qrConfirmData{State: "refused", Message: qrlogin.Message(err)})
}

// qrConfirmShow is GET /app/qr/{id}: the scan, then the screen.
func (s *handler) qrConfirmShow(w http.ResponseWriter, r *http.Request) error {
	return s.qrConfirmScreen(w, r, http.StatusOK, web.NewForm(r))
}

// qrConfirmScreen scans the ticket again (a no-op for the same person) and shows
// the decision screen with form f.
func (s *handler) qrConfirmScreen(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	id := r.PathValue("id")
	personID := web.VisitorFrom(r.Context()).Person.ID
	t, err := s.QRLogin.Scan(r.Context(), id, personID)
	if err != nil {
		return s.qrConfirmRefused(w, r, err)
	}
	d := &qrConfirmData{State: "screen", ID: id, Ticket: t, Form: f,
		Asked: t.CreatedAt.In(web.Shanghai).Format("2006-01-02 15:04:05")}
	if t.Kind == qrlogin.KindUnit {
		if d.Choices, err = s.QRLogin.Choices(r.Context(), personID); err != nil {
			return err
		}
	}
	return s.qrConfirmRender(w, r, status, d)
}

// qrConfirmPost is POST /app/qr/{id}: 确认登录 (decision=confirm, with the unit for a
// unit login) or 取消 (decision=cancel).
func (s *handler) qrConfirmPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	id := r.PathValue("id")
	personID := web.VisitorFrom(r.Context()).Person.ID
	at := s.LoginAttempt(r)
	if f.Get("decision") != "confirm" {
		if _, err := s.QRLogin.Cancel(r.Context(), id, personID, at); err != nil {
			return s.qrConfirmRefused(w, r, err)
		}
		return s.qrConfirmRender(w, r, http.StatusOK, &qrConfirmData{State: "cancelled"})
	}
	var unitID int64
	if raw := f.Get("unit"); raw != "" {
		unitID, _ = strconv.ParseInt(raw, 10, 64)
	}
	t, err := s.QRLogin.Confirm(r.Context(), id, personID, unitID, at)
	switch {
	case errors.Is(err, qrlogin.ErrUnitChoice), errors.Is(err, qrlogin.ErrNotUsable):
		// The ticket stays scanned: another unit may be chosen.
		f.Fail("unit", qrlogin.Message(err))
		return s.qrConfirmScreen(w, r, http.StatusUnprocessableEntity, f)
	case err != nil:
		return s.qrConfirmRefused(w, r, err)
	}
	d := &qrConfirmData{State: "confirmed", Ticket: t}
	if t.Kind == qrlogin.KindUnit {
		u, err := s.Units.Get(r.Context(), t.UnitID)
		if err != nil {
			return err
		}
		d.Unit = u.Name
	}
	return s.qrConfirmRender(w, r, http.StatusOK, d)
}
