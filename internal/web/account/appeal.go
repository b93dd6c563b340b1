package account

import (
	"errors"
	"hall/internal/web"
	"net/http"
	"strconv"
	"strings"

	"hall/internal/captcha"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/throttle"
)

// 用户申诉 (SPEC B6 intake): a person whose ID number or mobile is taken by another
// account asks the counter staff to sort it out. No login is needed, and nothing on
// these pages depends on whether an account exists: person.FileAppeal checks the form,
// not the accounts.

// appealReviewDays is what the confirmation page promises: staff review an appeal
// within this many working days.
const appealReviewDays = 5

// appealNumberPrefix starts an appeal number (申诉编号), "SS" for 申诉; the rest
// is the appeal's id, zero-padded, so the back office finds it directly.
const appealNumberPrefix = "SS"

// appealNumber formats an appeal id as the number shown to the person.
func appealNumber(id int64) string { return person.AppealNumber(id) }

// parseAppealNumber reads an appeal number from a URL: "SS" and 8 to 18 digits,
// naming an id of at least 1. ok is false for anything else.
func parseAppealNumber(s string) (id int64, ok bool) {
	digits, found := strings.CutPrefix(s, appealNumberPrefix)
	if !found || len(digits) < 8 || len(digits) > 18 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id < 1 {
		return 0, false
	}
	return id, true
}

// appealData is what the appeal form shows. The form always has the slider
// captcha (anyone may file, without an account); CaptchaError is its message.
type appealData struct {
	Form         *web.Form
	CaptchaError string
}

// ReviewDays is the review time the page promises.
func (d *appealData) ReviewDays() int { return appealReviewDays }

// KindField is the 申诉类型 select.
func (d *appealData) KindField() web.Field {
	return d.Form.Field(person.FieldKind, "申诉类型", "select",
		string(person.AppealIDTaken), "证件号码被占用",
		string(person.AppealMobileTaken), "手机号码被占用",
		string(person.AppealOther), "其他")
}

// IDTypeField is the 证件类型 select.
func (d *appealData) IDTypeField() web.Field {
	return d.Form.Field(person.FieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// MobileField is the number the appeal is about; only the mobile kind needs it.
func (d *appealData) MobileField() web.Field {
	fd := d.Form.Field(person.FieldMobile, "被占用的手机号码", "tel", "申诉类型为“手机号码被占用”时必填")
	fd.Required = false
	return fd
}

// ContactField is where the staff reach the person.
func (d *appealData) ContactField() web.Field {
	fd := d.Form.Field(person.FieldContactMobile, "联系电话", "tel", "请填写可以联系到您本人的手机号码，审核结果将以短信通知")
	fd.Autocomplete = "tel"
	return fd
}

// Description is the 申诉说明 text as typed, and its message.
func (d *appealData) Description() web.Field {
	fd := d.Form.Field(person.FieldDescription, "申诉说明", "textarea")
	fd.Required = false
	return fd
}

func (s *handler) renderAppeal(w http.ResponseWriter, r *http.Request, status int, d *appealData) error {
	return s.Render(w, r, status, "appeal", "用户申诉", "", d)
}

// appealShow is GET /appeal; ?kind=id_taken|mobile_taken preselects the kind (the
// registration page links here that way).
func (s *handler) appealShow(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	if k := person.AppealKind(r.URL.Query().Get("kind")); k.Label() != "" {
		f.Values.Set(person.FieldKind, string(k))
	}
	f.Values.Set(person.FieldIDType, string(ident.IDTypeResident))
	return s.renderAppeal(w, r, http.StatusOK, &appealData{Form: f})
}

// appealPost is POST /appeal: it files the appeal and shows its number. Appeals
// are counted per client address (throttle scope appeal-addr: every one filed
// counts, a refused form does not), and each needs the slider captcha solved.
func (s *handler) appealPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	d := &appealData{Form: f}
	tk, err := s.AnonymousReserve(r, throttle.ScopeAppealAddr)
	var limited *web.AnonymousRateError
	if errors.As(err, &limited) {
		f.Top = limited.Message()
		limited.SetRetryAfter(w, s.Now())
		return s.renderAppeal(w, r, http.StatusTooManyRequests, d)
	} else if err != nil {
		return err
	}
	filed := false
	defer func() { s.AnonymousDone(r, tk, filed) }()

	ctx := r.Context()
	if err := s.Captcha.Redeem(ctx, f.Get(captcha.FormField), captcha.PurposeLogin, web.VisitorFrom(ctx).Binding); err != nil {
		if !errors.Is(err, captcha.ErrNotFound) && !errors.Is(err, captcha.ErrExpired) && !errors.Is(err, captcha.ErrUsed) {
			return err
		}
		d.CaptchaError = captcha.FormMessage(err)
		f.Top = "请先完成拼图验证，再提交申诉。"
		return s.renderAppeal(w, r, http.StatusUnprocessableEntity, d)
	}
	id, err := s.Persons.FileAppeal(ctx, person.Appeal{
		Kind:          person.AppealKind(f.Get(person.FieldKind)),
		IDType:        ident.IDType(f.Get(person.FieldIDType)),
		IDNumber:      f.Get(person.FieldIDNumber),
		Name:          f.Values.Get(person.FieldName),
		Mobile:        f.Get(person.FieldMobile),
		ContactMobile: f.Get(person.FieldContactMobile),
		Description:   f.Values.Get(person.FieldDescription),
		ClientAddr:    web.ClientAddr(r),
	})
	var fe *person.FormError
	switch {
	case errors.As(err, &fe):
		for name, msg := range fe.Fields {
			f.Fail(name, msg)
		}
		f.Top = "申诉信息有误，请按提示修改后重新提交。"
		// The puzzle was spent: the form asks for it again.
		d.CaptchaError = web.MsgCaptcha
		return s.renderAppeal(w, r, http.StatusUnprocessableEntity, d)
	case err != nil:
		return err
	}
	filed = true
	http.Redirect(w, r, "/appeal/filed?no="+appealNumber(id), http.StatusSeeOther)
	return nil
}

// appealFiledData is what the confirmation page shows.
type appealFiledData struct {
	Number     string
	ReviewDays int
}

// appealFiled is GET /appeal/filed?no=…: the number and what happens next. It
// shows only what the URL carries (a number of the right shape), so it reveals
// nothing about any appeal or account.
func (s *handler) appealFiled(w http.ResponseWriter, r *http.Request) error {
	no := r.URL.Query().Get("no")
	if _, ok := parseAppealNumber(no); !ok {
		return s.NotFound(w, r)
	}
	return s.Render(w, r, http.StatusOK, "appeal-filed", "申诉已提交", "",
		appealFiledData{Number: no, ReviewDays: appealReviewDays})
}
