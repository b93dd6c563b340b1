package unitcenter

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/delivery"
	"hall/internal/ident"
	"hall/internal/unit"
	"hall/internal/web"
)

// 单位办件 (U4) and the online application of 人员参保登记: GET /unit/cases lists
// the unit's cases (every usable unit session), /unit/cases/{id} shows one with its
// timeline; applying, withdrawing and resubmitting are the business of the case's
// item, which cases.Service authorizes again on every command (an agent only with
// the grant, every use audited).

// casesPerPage is the page size of 单位办件.
const casesPerPage = 20

// caseActor is the session's person acting for its unit.
func caseActor(r *http.Request) cases.Actor {
	v := web.VisitorFrom(r.Context())
	return cases.Actor{UnitID: v.Unit.ID, PersonID: v.Person.ID, Role: unit.Role(v.Session.Subject.Role),
		ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context())}
}

// caseListData is the template data of 单位办件.
type caseListData struct {
	Shell      web.UnitShell
	Cases      []cases.Case
	Total      int
	Pager      web.Pager
	Items      map[string]string // code → name, for the filter
	States     []cases.State
	Item       string
	State      string
	Channel    string // online or counter: 网上申报 or 窗口办理
	From, To   string // YYYY-MM-DD as typed
	FilterNote string
	ToError    string // beside 申报日期止: the range it makes is reversed
	Notice     string
	Drafts     []myDraft // 我的草稿 (unit_case_drafts.go)
}

var caseNotices = map[string]string{
	"withdrawn":   "已撤销该申请。",
	"resubmitted": "已重新提交，请等待经办机构受理。",
	"draft-saved": "草稿已保存，可在“我的草稿”中继续填写。",
}

// maxCasesPage bounds the page number read from the address.
const maxCasesPage = 1 << 20

// msgCaseDate is the note when a date of the filter cannot be read.
const msgCaseDate = "申报日期的格式应为“2026-04-13”，已忽略该条件。"

// msgCaseDateRange is the note beside 申报日期止 when it is before 申报日期起: the
// range would list nothing, which reads as "no cases" rather than as a mistake.
const msgCaseDateRange = "申报日期止不能早于申报日期起，已忽略该条件。"

// caseQuery reads 单位办件's filter from the address: an item among items and a
// state that exist (anything else is no condition), the dates as YYYY-MM-DD in
// China's time (one that does not read is dropped with FilterNote; To includes
// its day; a To before From is dropped with ToError) and the page, from 1 to maxCasesPage. The returned data holds the
// conditions as kept, which pageURL writes back.
func caseQuery(q url.Values, items map[string]string) (caseListData, cases.CaseFilter) {
	d := caseListData{Item: q.Get("item"), State: q.Get("state"), Channel: q.Get("channel"), From: q.Get("from"), To: q.Get("to")}
	f := cases.CaseFilter{PerPage: casesPerPage}
	if _, ok := items[d.Item]; ok && d.Item != "" {
		f.ItemCode = d.Item
	} else {
		d.Item = ""
	}
	if st := cases.State(d.State); st.Valid() {
		f.State = st
	} else {
		d.State = ""
	}
	if ch := cases.Channel(d.Channel); ch == cases.ChannelOnline || ch == cases.ChannelCounter {
		f.Channel = ch
	} else {
		d.Channel = ""
	}
	if d.From != "" {
		if t, err := time.ParseInLocation("2006-01-02", d.From, web.Shanghai); err == nil {
			f.From = t
		} else {
			d.FilterNote, d.From = msgCaseDate, ""
		}
	}
	if d.To != "" {
		if t, err := time.ParseInLocation("2006-01-02", d.To, web.Shanghai); err == nil {
			f.To = t.AddDate(0, 0, 1)
		} else {
			d.FilterNote, d.To = msgCaseDate, ""
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		d.ToError, d.To, f.To = msgCaseDateRange, "", time.Time{}
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = min(max(f.Page, 1), maxCasesPage)
	return d, f
}

// pageURL is 单位办件's address of page n with d's conditions.
func (d caseListData) pageURL(n int) string {
	u := url.Values{}
	for k, val := range map[string]string{"item": d.Item, "state": d.State, "channel": d.Channel, "from": d.From, "to": d.To} {
		if val != "" {
			u.Set(k, val)
		}
	}
	u.Set("page", strconv.Itoa(n))
	return "/unit/cases?" + u.Encode()
}

// casesShow is GET /unit/cases (UnitCenterGuard).
func (s *handler) casesShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	sh, err := s.UnitShellFor(ctx, "cases")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, err := s.Catalog.UnitItemNames(ctx)
	if err != nil {
		return err
	}
	d, f := caseQuery(q, items)
	d.Shell, d.States, d.Items = sh, cases.States, items
	if d.Cases, d.Total, err = s.Cases.UnitCases(ctx, v.Unit.ID, f); err != nil {
		return err
	}
	pages := cases.Pages(d.Total, casesPerPage)
	d.Pager = web.NewPager(min(f.Page, pages), pages, func(n int) string { return d.pageURL(n) })
	d.Pager.Label = "办件分页"
	d.Notice = caseNotices[q.Get("notice")]
	if d.Drafts, err = s.myDrafts(r, d.Items); err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, "unit-cases", "单位办件", "", d)
}

// caseDetailData is the template data of one case.
type caseDetailData struct {
	Shell  web.UnitShell
	Case   cases.Case
	Events []cases.Event
	Facts  []cases.Fact // the form's values; nil when it cannot be read
	// Materials are the files sent with the case (unit_case_materials.go);
	// MayDownload says whether this session may read them and the approved
	// case's result notice (the case's item is in its grant), so an agent without
	// it is not offered links to a refusal.
	Materials   []cases.CaseMaterial
	MayDownload bool
	Notice      string
	Error       string
	// Delivery is the paper result's delivery (U5), nil when none yet; MailTo is
	// where the unit asked it be posted, nil when it did not.
	Delivery *delivery.Delivery
	MailTo   *delivery.Request
}

// caseOf reads the case of the path's id for the session's unit, or a 404.
func (s *handler) caseOf(r *http.Request) (cases.Case, []cases.Event, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return cases.Case{}, nil, web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	c, ev, err := s.Cases.UnitCase(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id)
	if errors.Is(err, cases.ErrCaseNotFound) {
		return cases.Case{}, nil, web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	return c, ev, err
}

// caseShow is GET /unit/cases/{id} (UnitCenterGuard).
func (s *handler) caseShow(w http.ResponseWriter, r *http.Request) error {
	return s.caseRender(w, r, http.StatusOK, "")
}

func (s *handler) caseRender(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	c, ev, err := s.caseOf(r)
	if err != nil {
		return err
	}
	sh, err := s.UnitShellFor(r.Context(), "cases")
	if err != nil {
		return err
	}
	// The unit's own applicants are shown masked, as the shell shows the signed-in
	// person (SPEC §2).
	for i := range ev {
		ev[i].ActorName = ident.MaskName(ev[i].ActorName)
	}
	d := caseDetailData{Shell: sh, Case: c, Events: ev, Notice: caseNotices[r.URL.Query().Get("notice")], Error: msg}
	if form, ok := c.Details(); ok {
		d.Facts = form.Facts()
	}
	if d.Materials, err = s.Cases.CaseMaterials(r.Context(), c); err != nil {
		return err
	}
	// The materials and the paper result's post are the business of the case's
	// item: an agent without its grant is shown neither (the links would lead to
	// a refusal: unit_case_materials.go, unit_deliveries.go).
	granted := false
	if v := web.VisitorFrom(r.Context()); v.Membership != nil && v.Session != nil {
		var denial *delegation.Denial
		switch err := s.Delegation.AuthorizeMembership(r.Context(), *v.Membership, v.Unit.ID, unit.Role(v.Session.Subject.Role), c.ItemCode); {
		case err == nil:
			granted = true
		case !errors.As(err, &denial):
			return err
		}
	}
	d.MayDownload = granted
	if !granted {
		return s.Render(w, r, status, "unit-case", "办件详情", "", d)
	}
	switch dl, err := s.Deliveries.CaseDelivery(r.Context(), c.UnitID, c.ID); {
	case err == nil:
		d.Delivery = &dl
	case !errors.Is(err, delivery.ErrNotFound):
		return err
	}
	req, asked, err := s.Deliveries.Requested(r.Context(), c.UnitID, c.ID)
	if err != nil {
		return err
	}
	if asked {
		d.MailTo = &req
	}
	return s.Render(w, r, status, "unit-case", "办件详情", "", d)
}

// caseWithdraw is POST /unit/cases/{id}/withdraw (UnitCenterGuard; the service
// authorizes the case's item).
func (s *handler) caseWithdraw(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseOf(r)
	if err != nil {
		return err
	}
	_, err = s.Cases.Withdraw(r.Context(), caseActor(r), c.ID)
	var d *delegation.Denial
	switch {
	case errors.As(err, &d):
		return web.StatusError(http.StatusForbidden, d.Msg)
	case errors.Is(err, cases.ErrStale):
		return s.caseRender(w, r, http.StatusConflict, cases.ErrStale.Msg)
	case errors.Is(err, cases.ErrCounterCase):
		return s.caseRender(w, r, http.StatusConflict, cases.ErrCounterCase.Msg)
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/unit/cases/"+strconv.FormatInt(c.ID, 10)+"?notice=withdrawn", http.StatusSeeOther)
	return nil
}

// caseApplyData is the template data of the application form (new or correction).
type caseApplyData struct {
	Shell      web.UnitShell
	Item       cases.Item
	Case       *cases.Case // the returned case being corrected; nil for a new one
	Action     string
	Title      string // the form panel's heading
	Form       *web.Form
	Fields     []web.Field
	Types      []caseTypeBox // 人员参保登记's insurance types; nil for other items
	TypesError string
	// Leave: 退工停保登记's list of the unit's insured employees (Choose) and the
	// typed alternative (Typed).
	Leave *leaveFields
	// Subsidy: 稳岗返还's computation from the unit's data of last year, shown
	// before the form is sent.
	Subsidy *cases.Subsidy
	// Post: the form offers to post the paper result (U5): a new 人员参保登记. The
	// unit's addresses, the default first, and the choice as typed.
	Post        bool
	Addresses   []address.Address
	Mail        bool
	MailAddress string
	MailError   string
	// Materials: a file field per material of the item's form.
	Materials []materialBox
	// FilesLimit and FilesTooLarge: what material-size.js checks the files chosen
	// against before the form is sent, and the message it shows beside them (the
	// server's own, for a body over materialBodyLimit).
	FilesLimit    int64
	FilesTooLarge string
	// Draft: the session's saved draft of the item (a new application only).
	Draft  *draftNotice
	Notice string
}

type caseTypeBox struct {
	Value, Label string
	Checked      bool
}

// leaveFields are the employee fields of 退工停保登记: a list of the unit's insured
// employees, or the ID number and name typed.
type leaveFields struct {
	Choose web.Field
	Typed  []web.Field
	More   bool // the unit has more employees than the list shows
}

func (s *handler) caseApplyRender(w http.ResponseWriter, r *http.Request, status int, it cases.Item, c *cases.Case, f *web.Form) error {
	sh, err := s.UnitShellFor(r.Context(), "")
	if err != nil {
		return err
	}
	d := caseApplyData{Shell: sh, Item: it, Case: c, Form: f, Action: "/unit/items/" + it.Code + "/apply",
		FilesLimit: materialBodyLimit() - materialFieldsMargin, FilesTooLarge: msgMaterialsTooLarge()}
	if c != nil {
		d.Action = "/unit/cases/" + strconv.FormatInt(c.ID, 10) + "/resubmit"
		filed, err := s.Cases.CaseMaterials(r.Context(), *c)
		if err != nil {
			return err
		}
		d.Materials = s.materialBoxes(r, it.Code, f, filed)
	} else {
		if delivery.Offered(it.Code) {
			d.Post = true
			if d.Addresses, err = s.Addresses.List(r.Context(), web.VisitorFrom(r.Context()).Unit.ID); err != nil {
				return err
			}
			d.Mail, d.MailAddress, d.MailError = f.Values.Get(delivery.FieldMail) == "1", f.Values.Get(delivery.FieldMailAddress), f.Errors[delivery.FieldMailAddress]
			if d.MailAddress == "" && len(d.Addresses) > 0 {
				d.MailAddress = strconv.FormatInt(d.Addresses[0].ID, 10) // the default is listed first
			}
		}
		if r.Method == http.MethodGet || web.Oversize(r) {
			// A form given back for a body over the limit says too that the
			// draft, if any, is still there.
			if d.Draft, err = s.caseDraftOffer(r, it, f); err != nil {
				return err
			}
			if r.URL.Query().Get("notice") == "draft-discarded" {
				d.Notice = "已放弃草稿。"
			}
		}
	}
	if c == nil {
		// After the draft offer, which may fill the form with the draft's values.
		d.Materials = s.materialBoxes(r, it.Code, f, nil)
	}
	switch it.Code {
	case cases.ItemEnrolment:
		s.enrolmentFields(&d)
	case cases.ItemLeave:
		if err := s.leaveFields(r, &d); err != nil {
			return err
		}
	case cases.ItemSubsidy:
		if err := s.subsidyFields(r, &d); err != nil {
			return err
		}
	case cases.ItemUnitChange:
		if err := s.unitChangeFields(r, &d); err != nil {
			return err
		}
	}
	return s.Render(w, r, status, "unit-case-apply", it.Name, "", d)
}

// enrolmentFields are the fields of 人员参保登记.
func (s *handler) enrolmentFields(d *caseApplyData) {
	f, b := d.Form, s.Cases.Bounds()
	floor, ceil := strconv.FormatInt(b.Floor/100, 10), strconv.FormatInt(b.Ceiling/100, 10)
	d.Title, d.TypesError = "填写职工参保信息", f.Errors[cases.FieldTypes]
	d.Fields = []web.Field{
		f.Field(cases.FieldName, "职工姓名", "text"),
		f.Field(cases.FieldIDNumber, "公民身份号码", "text", "18位居民身份证号码"),
		f.Field(cases.FieldStartMonth, "参保年月", "month", "上月、本月或下月，格式如 2026-04"),
		f.Field(cases.FieldBase, "月缴费基数（元）", "text", "整数元，"+floor+"至"+ceil+"元"),
	}
	for _, t := range cases.EnrolmentTypes {
		checked := false
		for _, v := range f.Values[cases.FieldTypes] {
			checked = checked || v == string(t)
		}
		d.Types = append(d.Types, caseTypeBox{Value: string(t), Label: t.Label(), Checked: checked})
	}
}

// leaveFields are the fields of 退工停保登记.
func (s *handler) leaveFields(r *http.Request, d *caseApplyData) error {
	f := d.Form
	choices, more, err := s.Cases.LeaveChoices(r.Context(), web.VisitorFrom(r.Context()).Unit.ID)
	if err != nil {
		return err
	}
	opts := make([]string, 0, 2*len(choices))
	for _, c := range choices {
		opts = append(opts, c.Key, c.Label)
	}
	d.Title = "填写退工停保信息"
	d.Leave = &leaveFields{Choose: f.Field(cases.FieldEmployee, "选择参保职工", "select", opts...), More: more,
		Typed: []web.Field{
			f.Field(cases.FieldIDNumber, "公民身份号码", "text", "18位居民身份证号码"),
			f.Field(cases.FieldName, "职工姓名", "text"),
		}}
	d.Leave.Choose.Required = false
	for i := range d.Leave.Typed {
		d.Leave.Typed[i].Required = false
	}
	reasons := make([]string, 0, 2*len(cases.LeaveReasons))
	for _, r := range cases.LeaveReasons {
		reasons = append(reasons, string(r), r.Label())
	}
	d.Fields = []web.Field{
		f.Field(cases.FieldLeaveDate, "离职日期", "date", "解除或终止劳动关系的日期；离职10日内可网上办理"),
		f.Field(cases.FieldStopMonth, "停保年月", "month", "最后一个参保缴费的月份：离职当月或次月"),
		f.Field(cases.FieldReason, "停保原因", "select", reasons...),
	}
	return nil
}

// subsidyFields are the fields of 稳岗返还 and the computation they apply for.
func (s *handler) subsidyFields(r *http.Request, d *caseApplyData) error {
	sub, err := s.Cases.SubsidyPreview(r.Context(), web.VisitorFrom(r.Context()).Unit.ID)
	if err != nil {
		return err
	}
	f, year := d.Form, strconv.Itoa(sub.Basis.Year)
	d.Title, d.Subsidy = "填写稳岗返还申领信息", &sub
	d.Fields = []web.Field{
		f.Field(cases.FieldYear, "申领年度", "select", year, year+"年"),
		f.Field(cases.FieldBank, "开户银行", "text", "单位基本存款账户的开户银行，如 中国工商银行南京分行"),
		f.Field(cases.FieldAccount, "银行账号", "text", "8至30位数字"),
	}
	return nil
}

// unitChangeFields are the fields of 单位参保信息变更登记: the ones 基本信息 修改 has;
// the registry's data is not in the form. The phone is never shown in full: its
// field starts empty with the masked number as the hint, and left empty keeps it.
func (s *handler) unitChangeFields(r *http.Request, d *caseApplyData) error {
	u, err := s.Units.Get(r.Context(), web.VisitorFrom(r.Context()).Unit.ID)
	if err != nil {
		return err
	}
	f := d.Form
	d.Title = "填写变更后的单位信息"
	phone := f.Field(unit.FieldContactPhone, "联系电话", "tel", "可填写手机号码或“区号-电话号码”，如 025-83123456。")
	phone.Value = ""
	if u.ContactPhone != "" {
		phone.Required = false
		phone.Hint = "当前为 " + unit.MaskPhone(u.ContactPhone) + "，不修改请留空。"
	}
	d.Fields = []web.Field{
		f.Field(unit.FieldAddress, "单位地址", "text", "单位名称、统一社会信用代码、单位类型和法定代表人以市场监管登记为准，不在此变更。"),
		f.Field(unit.FieldContactName, "联系人", "text"),
		phone,
	}
	return nil
}

// caseApplyItem is the item of the path, which must have an online form.
func (s *handler) caseApplyItem(r *http.Request) (cases.Item, error) {
	code := r.PathValue("code")
	if !cases.OnlineForm(code) {
		return cases.Item{}, web.StatusError(http.StatusNotFound, cases.ErrNotOnline.Msg)
	}
	return s.Catalog.Get(r.Context(), code)
}

// caseApplyShow is GET /unit/items/{code}/apply (businessBusiness).
func (s *handler) caseApplyShow(w http.ResponseWriter, r *http.Request) error {
	it, err := s.caseApplyItem(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	switch it.Code {
	case cases.ItemEnrolment:
		for _, t := range cases.EnrolmentTypes {
			f.Values.Add(cases.FieldTypes, string(t))
		}
	case cases.ItemSubsidy:
		f.Values.Set(cases.FieldYear, strconv.Itoa(s.Cases.SubsidyYear()))
	case cases.ItemUnitChange:
		u, err := s.Units.Get(r.Context(), web.VisitorFrom(r.Context()).Unit.ID)
		if err != nil {
			return err
		}
		f.Values.Set(unit.FieldAddress, u.Address)
		f.Values.Set(unit.FieldContactName, u.ContactName)
	}
	return s.caseApplyRender(w, r, http.StatusOK, it, nil, f)
}

// caseApplyPost is POST /unit/items/{code}/apply (businessBusiness).
func (s *handler) caseApplyPost(w http.ResponseWriter, r *http.Request) error {
	it, err := s.caseApplyItem(r)
	if err != nil {
		return err
	}
	f, err := s.materialForm(r, it.Code)
	if errors.Is(err, errMaterialsTooLarge) {
		return s.caseApplyRender(w, r, http.StatusRequestEntityTooLarge, it, nil, f)
	}
	if err != nil {
		return err
	}
	if delivery.Offered(it.Code) {
		if err := s.mailChoice(r, f); err != nil {
			return err
		}
	}
	if len(f.Errors) > 0 {
		// The rest of the form is checked too, so that every message shows at once;
		// nothing is applied.
		_, cerr := s.Cases.CheckForm(it.Code, f.Values)
		s.caseFormFailed(f, cases.SubjectField(it.Code), cerr)
		s.caseFormFailed(f, "", s.Cases.CheckMaterials(caseActor(r), it.Code, f.Values, nil))
		f.Top = web.MsgFormTop
		return s.caseApplyRender(w, r, http.StatusUnprocessableEntity, it, nil, f)
	}
	// The choice of post is recorded in the filing's transaction
	// (delivery.Service.CaseFiled, cases.Deps.Filings): the case and its post
	// commit together. An address deleted since the check above refuses the whole
	// application.
	c, err := s.Cases.Apply(r.Context(), caseActor(r), it.Code, f.Values)
	if errors.Is(err, delivery.ErrNoAddress) {
		f.Fail(delivery.FieldMailAddress, msgAddressGone)
		f.Top = web.MsgFormTop
		return s.caseApplyRender(w, r, http.StatusUnprocessableEntity, it, nil, f)
	}
	if s.caseFormFailed(f, cases.SubjectField(it.Code), err) {
		return s.caseApplyRender(w, r, http.StatusUnprocessableEntity, it, nil, f)
	}
	if err != nil {
		return caseRefusal(err)
	}
	http.Redirect(w, r, "/unit/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

// caseResubmitShow is GET /unit/cases/{id}/resubmit (UnitCenterGuard): the returned
// case's form, filled with what was sent.
func (s *handler) caseResubmitShow(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseOf(r)
	if err != nil {
		return err
	}
	// The correction form gives back what was typed, full ID numbers included, and
	// 退工停保's list of the unit's insured: only someone who may handle the case's
	// item sees it (the one gate, as for a new application); Resubmit checks again.
	return s.businessItem(c.ItemCode, func(w http.ResponseWriter, r *http.Request) error {
		return s.caseResubmitForm(w, r, c)
	})(w, r)
}

// caseResubmitForm is the correction form of case c, returned for correction.
func (s *handler) caseResubmitForm(w http.ResponseWriter, r *http.Request, c cases.Case) error {
	e, ok := c.Details()
	if !ok || c.State != cases.StateReturned {
		return web.StatusError(http.StatusConflict, "该办件不是退回补正状态，无需修改")
	}
	it, err := s.Catalog.Get(r.Context(), c.ItemCode)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	f.Values = e.Values()
	return s.caseApplyRender(w, r, http.StatusOK, it, &c, f)
}

// caseResubmitPost is POST /unit/cases/{id}/resubmit (UnitCenterGuard; the service
// authorizes the case's item).
func (s *handler) caseResubmitPost(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.caseOf(r)
	if err != nil {
		return err
	}
	f, err := s.materialForm(r, c.ItemCode)
	if err != nil && !errors.Is(err, errMaterialsTooLarge) {
		return err
	}
	if len(f.Errors) > 0 {
		// A file refused on upload, or a body over the limit: the form comes back
		// with its message (413 for the body) and nothing is resubmitted.
		status := http.StatusUnprocessableEntity
		if errors.Is(err, errMaterialsTooLarge) {
			// What could not be read back is shown as it was sent before.
			status = http.StatusRequestEntityTooLarge
			if e, ok := c.Details(); ok {
				sent := e.Values()
				for name, values := range f.Values {
					sent[name] = values
				}
				f.Values = sent
			}
		}
		it, gerr := s.Catalog.Get(r.Context(), c.ItemCode)
		if gerr != nil {
			return gerr
		}
		if f.Top == "" {
			f.Top = web.MsgFormTop
		}
		return s.caseApplyRender(w, r, status, it, &c, f)
	}
	_, err = s.Cases.Resubmit(r.Context(), caseActor(r), c.ID, f.Values)
	if s.caseFormFailed(f, cases.SubjectField(c.ItemCode), err) {
		it, gerr := s.Catalog.Get(r.Context(), c.ItemCode)
		if gerr != nil {
			return gerr
		}
		return s.caseApplyRender(w, r, http.StatusUnprocessableEntity, it, &c, f)
	}
	if err != nil {
		return caseRefusal(err)
	}
	http.Redirect(w, r, "/unit/cases/"+strconv.FormatInt(c.ID, 10)+"?notice=resubmitted", http.StatusSeeOther)
	return nil
}

// caseFormFailed moves a refused form's messages onto f and reports whether it was
// one (a FormError, or a refusal about the employee shown above the form).
func (s *handler) caseFormFailed(f *web.Form, field string, err error) bool {
	var fe *cases.FormError
	switch {
	case errors.As(err, &fe):
		fields, _ := fe.Messages()
		for name, msg := range fields {
			f.Fail(name, msg)
		}
		f.Top = web.MsgFormTop
		return true
	case cases.Message(err) != "" && !errors.Is(err, cases.ErrStale) && !errors.Is(err, cases.ErrNotOnline) &&
		!errors.Is(err, cases.ErrCaseNotFound):
		// A refusal of the form against the data (ErrPending, ErrEnrolled,
		// ErrNotEnrolled, ErrIneligible …), beside the item's subject field.
		if field != "" {
			f.Fail(field, cases.Message(err))
		}
		f.Top = cases.Message(err)
		return true
	}
	return false
}

// caseRefusal is the page of a refused command.
func caseRefusal(err error) error {
	var d *delegation.Denial
	switch {
	case errors.As(err, &d):
		return web.StatusError(http.StatusForbidden, d.Msg)
	case errors.Is(err, cases.ErrStale):
		return web.StatusError(http.StatusConflict, cases.ErrStale.Msg)
	case errors.Is(err, cases.ErrNotOnline):
		return web.StatusError(http.StatusNotFound, cases.ErrNotOnline.Msg)
	}
	return err
}
