package admin

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/counter"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/validity"
	"hall/internal/web"
)

// 窗口注册 (SPEC B1/R3): a clerk records a unit from its business licence, its legal
// rep and, optionally, an administrator, with the scans of the licence, the
// applicant's ID and the authorization letter; a reviewer who is not that clerk
// approves it on the request page, and internal/counter opens the accounts
// (counter.SubmitUnitRegistration, Approve). This handler reads the form and puts
// each mistake beside its field; the domain checks everything again.

// registrationScans are the form's uploads (counter.RequiredScans of the kind).
var registrationScans = []scanField{
	{"licence_scan", scans.KindLicence},
	{"id_scan", scans.KindIDCard},
	{"authorization_scan", scans.KindAuthorization},
}

// registrationBodyLimit bounds the form: its three scans and its few fields.
const registrationBodyLimit = 3*scans.MaxBytes + 64<<10

// Messages of the form's own checks (the domain's refusals have theirs).
const (
	msgRequired      = "请填写此项"
	msgChoose        = "请选择"
	msgUnitName      = "单位名称不超过100字"
	msgRegion        = "请填写6位行政区划代码，或留空取统一社会信用代码中的代码"
	msgBadID         = "证件号码有误，请核对"
	msgBadMobile     = "手机号码有误，请核对"
	msgAdminPartial  = "设置管理员须填写管理员的全部信息；不设置时请全部留空"
	msgAdminUntil    = "请选择授权有效期的结束日期（今天以后）"
	msgPersonNameLen = "姓名不超过64字"
)

// unitRegistrationPage is the 窗口注册 form.
type unitRegistrationPage struct {
	Form *web.Form
}

// UnitTypeField is 单位类型, as the licence says.
func (p unitRegistrationPage) UnitTypeField() web.Field {
	var opts []string
	for _, t := range registry.UnitTypes() {
		opts = append(opts, string(t), t.Label())
	}
	return p.Form.Field("unit_type", "单位类型", "select", opts...)
}

// RegionField is 所在地区 (optional: the USCC's region code by default).
func (p unitRegistrationPage) RegionField() web.Field {
	return optional(p.Form.Field("region", "所在地区代码", "text", "6位行政区划代码；不填时取统一社会信用代码第3至8位"))
}

// AddressField is 住所 (optional).
func (p unitRegistrationPage) AddressField() web.Field {
	return optional(p.Form.Field("address", "住所", "text"))
}

// RepIDTypeField is the legal rep's ID type.
func (p unitRegistrationPage) RepIDTypeField() web.Field {
	return p.Form.Field("rep_id_type", "法定代表人证件类型", "select", web.IDTypeOptions()...)
}

// Admin fields: all or none.
func (p unitRegistrationPage) AdminNameField() web.Field {
	return optional(p.Form.Field("admin_name", "管理员姓名", "text"))
}

func (p unitRegistrationPage) AdminIDTypeField() web.Field {
	return optional(p.Form.Field("admin_id_type", "管理员证件类型", "select", web.IDTypeOptions()...))
}

func (p unitRegistrationPage) AdminIDNumberField() web.Field {
	return optional(p.Form.Field("admin_id_number", "管理员证件号码", "text"))
}

func (p unitRegistrationPage) AdminMobileField() web.Field {
	return optional(p.Form.Field("admin_mobile", "管理员手机号码", "tel"))
}

func (p unitRegistrationPage) AdminUntilField() web.Field {
	return optional(p.Form.Field("admin_until", "管理员授权有效期至", "date", "有效期至所选日期当天结束"))
}

// optional marks a field that may be left empty.
func optional(fd web.Field) web.Field {
	fd.Required = false
	return fd
}

// unitRegistrationShow is GET /admin/counter/unit-registration (clerks).
func (h *handler) unitRegistrationShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	if err := allow(sr.actor, staff.ActionCounterSubmit); err != nil {
		return err
	}
	return h.renderUnitRegistration(w, r, web.NewForm(nil))
}

func (h *handler) renderUnitRegistration(w http.ResponseWriter, r *http.Request, f *web.Form) error {
	return h.Render(w, r, http.StatusOK, "admin-unit-registration", "单位窗口注册", "counter", unitRegistrationPage{Form: f})
}

// unitRegistrationPost is POST /admin/counter/unit-registration: the form and its
// three scans, recorded for a reviewer (counter.SubmitUnitRegistration).
func (h *handler) unitRegistrationPost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	at := refusalFields{IDNumber: "rep_id_number", Name: "rep_name", Scans: registrationScans}
	return h.submitCounterForm(w, r, sr, at, func(f *web.Form, uploads []scans.Upload) (counter.Request, error) {
		in := registrationInput(f, h.Now())
		if !f.OK() {
			return counter.Request{}, errFormRefused
		}
		return h.Counter.SubmitUnitRegistration(r.Context(), sr.actor, in, f.Values.Get("reason"), uploads)
	}, func(f *web.Form) error { return h.renderUnitRegistration(w, r, f) })
}

// registrationInput reads the form, failing each field that is missing or
// malformed (the licence's USCC with its check character, the ID numbers, the
// mobiles, the administrator's fields all or none).
func registrationInput(f *web.Form, now time.Time) counter.UnitRegistrationInput {
	in := counter.UnitRegistrationInput{Name: f.Get("unit_name"), UnitType: registry.UnitType(f.Get("unit_type")),
		Region: f.Get("region"), Address: f.Get("address")}
	uscc, err := ident.ValidateUSCC(f.Get("uscc"))
	if err != nil {
		f.FailErr("uscc", err, "统一社会信用代码有误，请核对营业执照")
	}
	in.USCC = uscc
	switch {
	case in.Name == "":
		f.Fail("unit_name", msgRequired)
	case utf8.RuneCountInString(in.Name) > 100:
		f.Fail("unit_name", msgUnitName)
	}
	if !in.UnitType.Valid() {
		f.Fail("unit_type", msgChoose)
	}
	if in.Region != "" && (len(in.Region) != 6 || strings.Trim(in.Region, "0123456789") != "") {
		f.Fail("region", msgRegion)
	}
	in.LegalRep = identityOf(f, "rep_", now)
	if in.LegalRepMobile, err = ident.NormalizeMobile(f.Get("rep_mobile")); err != nil {
		f.FailErr("rep_mobile", err, msgBadMobile)
	}

	adminFields := []string{"admin_name", "admin_id_type", "admin_id_number", "admin_mobile", "admin_until"}
	var given int
	for _, name := range adminFields {
		if f.Get(name) != "" {
			given++
		}
	}
	switch {
	case given == 0:
		return in
	case given < len(adminFields):
		for _, name := range adminFields {
			if f.Get(name) == "" {
				f.Fail(name, msgAdminPartial)
			}
		}
		return in
	}
	admin := identityOf(f, "admin_", now)
	mobile, err := ident.NormalizeMobile(f.Get("admin_mobile"))
	if err != nil {
		f.FailErr("admin_mobile", err, msgBadMobile)
	}
	in.Admin = &delegation.Nominee{Name: admin.Name, IDType: admin.IDType, IDNumber: admin.IDNumber, Mobile: mobile}
	day, err := time.ParseInLocation("2006-01-02", f.Get("admin_until"), web.Shanghai)
	if in.AdminValidUntil = validity.EndOf(day); err != nil || !in.AdminValidUntil.After(now) {
		f.Fail("admin_until", msgAdminUntil)
	}
	return in
}

// identityOf reads the person fields with prefix (name, id_type, id_number).
func identityOf(f *web.Form, prefix string, now time.Time) counter.Identity {
	id := counter.Identity{Name: f.Get(prefix + "name"), IDType: ident.IDType(f.Get(prefix + "id_type"))}
	switch {
	case id.Name == "":
		f.Fail(prefix+"name", msgRequired)
	case utf8.RuneCountInString(id.Name) > 64:
		f.Fail(prefix+"name", msgPersonNameLen)
	}
	if !id.IDType.Valid() {
		f.Fail(prefix+"id_type", msgChoose)
		return id
	}
	n, err := ident.ValidateID(id.IDType, f.Get(prefix+"id_number"), now)
	if err != nil {
		f.FailErr(prefix+"id_number", err, msgBadID)
	}
	id.IDNumber = n
	return id
}

// registrationView is a unit registration as the request page shows it: the unit as
// its licence has it, the people with their ID numbers and mobiles masked.
type registrationView struct {
	Name, USCC, UnitType, Region, Address string
	LegalRep                              personView
	Admin                                 *personView
	AdminUntil                            time.Time // the last moment of the administrator's validity
	// RepAccount says, while the request waits, what approval does for the legal
	// rep's personal account ("" once decided).
	RepAccount string
}

// What approval does for the legal rep's personal account.
const (
	repAccountNew    = "尚无个人账户：审核通过后以其证件开通实名个人账户，初始密码以短信发送，首次登录须修改"
	repAccountExists = "已有个人账户：审核通过后使用本人个人账户密码登录单位"
)

// personView is a person of a request, masked.
type personView struct {
	Name, IDType, IDNumber, Mobile string
}

func registrationViewOf(in counter.UnitRegistrationInput) *registrationView {
	v := &registrationView{Name: in.Name, USCC: in.USCC, UnitType: in.UnitType.Label(), Region: in.Region, Address: in.Address,
		LegalRep: personView{Name: in.LegalRep.Name, IDType: in.LegalRep.IDType.Label(), IDNumber: ident.MaskID(in.LegalRep.IDNumber),
			Mobile: ident.MaskMobile(in.LegalRepMobile)}}
	if in.Admin != nil {
		v.Admin = &personView{Name: in.Admin.Name, IDType: in.Admin.IDType.Label(), IDNumber: ident.MaskID(in.Admin.IDNumber),
			Mobile: ident.MaskMobile(in.Admin.Mobile)}
		v.AdminUntil = in.AdminValidUntil.Add(-time.Second)
	}
	return v
}
