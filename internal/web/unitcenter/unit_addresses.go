package unitcenter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"hall/internal/address"
	"hall/internal/delegation"
	"hall/internal/unit"
	"hall/internal/web"
)

// 账号设置 → 收件地址 (SPEC U9): GET /unit/account/addresses lists the unit's
// delivery addresses (the default first, with the seed's hint "最多10个,当前已设置 N
// 个,还可以增加 M 个") beside the form 新增收件地址; /unit/account/addresses/{id}/edit
// shows the same page with the form 修改收件地址. Every usable unit session may look;
// adding, changing, deleting and choosing the default are the business of
// address.ItemCode, so those routes pass businessItem (an agent needs the grant).
// The rules and the database's limits are package address.
//
// The region is picked province → city → county with three selects that work
// without JavaScript: 更新地区选项 sends the form back to have the next select
// filled (nothing is saved), and 保存 with a choice missing says which one beside
// it, with the choices of the next one filled too.

// addressActionRegion is the value of the 更新地区选项 button (name "action").
const addressActionRegion = "region"

// addressNotices are the messages after a change (?notice=…); only these keys are
// known, so a crafted link cannot put text on the page.
var addressNotices = map[string]string{
	"added":   "收件地址已新增。",
	"changed": "收件地址已修改。",
	"deleted": "收件地址已删除。",
	"default": "默认收件地址已更改。",
}

// addressesPath is the page's path.
const addressesPath = "/unit/account/addresses"

// addressesData is the template data of the page.
type addressesData struct {
	Shell     web.UnitShell
	Notice    string
	Addresses []address.Address
	Hint      string
	// CanChange: the session may change the addresses; DeniedNote says why not.
	CanChange  bool
	DeniedNote string
	Form       addressForm
}

// addressForm is the form 新增收件地址 or 修改收件地址. The form to change an address
// never shows its telephone in full (SPEC §2): the field starts empty with the
// masked number as its hint (the stored number is never put into the form), and
// left empty keeps the number.
type addressForm struct {
	Title     string
	Action    string // where it posts
	Editing   int64  // the address changed, 0 when adding
	Form      *web.Form
	Recipient web.Field
	Phone     web.Field
	Province  web.Field
	City      web.Field
	County    web.Field
	Detail    web.Field
	// Regions is every choice of the picker as JSON, for address-region.js.
	Regions string
}

// newAddressForm draws f's fields, with the city and county choices of the province
// and city chosen so far (a choice that does not belong to the one above it is
// dropped, so the next select asks again).
func newAddressForm(f *web.Form, editing address.Address) addressForm {
	province := f.Get(address.FieldProvince)
	if province == "" && len(address.Provinces()) == 1 {
		province = address.Provinces()[0].Code
	}
	city, county := f.Get(address.FieldCity), f.Get(address.FieldCounty)
	cities, counties := address.Cities(province), address.Counties(city)
	if !regionOffered(cities, city) {
		city, counties = "", nil
	}
	if !regionOffered(counties, county) {
		county = ""
	}
	f.Values.Set(address.FieldProvince, province)
	f.Values.Set(address.FieldCity, city)
	f.Values.Set(address.FieldCounty, county)
	a := addressForm{Title: "新增收件地址", Action: addressesPath, Form: f, Editing: editing.ID}
	a.Recipient = f.Field(address.FieldRecipient, "收件人", "text")
	a.Recipient.Autocomplete = "name"
	a.Phone = f.Field(address.FieldPhone, "联系电话", "tel", "手机号码或“区号-电话号码”，如 025-83123456")
	a.Phone.Autocomplete = "tel"
	if editing.ID != 0 {
		a.Title, a.Action = "修改收件地址", addressPath(editing.ID, "/edit")
		a.Phone.Required = false
		a.Phone.Hint = "当前为 " + editing.MaskedPhone() + "，不修改请留空。"
	}
	a.Province = f.Field(address.FieldProvince, "省份", "select", regionOptions(address.Provinces())...)
	a.City = f.Field(address.FieldCity, "城市", "select", regionOptions(cities)...)
	a.County = f.Field(address.FieldCounty, "区县", "select", regionOptions(counties)...)
	a.Detail = f.Field(address.FieldDetail, "详细地址", "text", "街道、门牌号等，如 中山路78号")
	a.Detail.Autocomplete = "street-address"
	a.Regions = addressRegionsJSON
	return a
}

// addressRegionsJSON is the picker's cities per province and counties per city, for
// address-region.js, which fills the next select without a round trip.
var addressRegionsJSON = func() string {
	pairs := func(rs []address.Region) [][2]string {
		out := make([][2]string, 0, len(rs))
		for _, r := range rs {
			out = append(out, [2]string{r.Code, r.Name})
		}
		return out
	}
	all := struct {
		Cities   map[string][][2]string `json:"cities"`
		Counties map[string][][2]string `json:"counties"`
	}{map[string][][2]string{}, map[string][][2]string{}}
	for _, p := range address.Provinces() {
		cities := address.Cities(p.Code)
		all.Cities[p.Code] = pairs(cities)
		for _, c := range cities {
			all.Counties[c.Code] = pairs(address.Counties(c.Code))
		}
	}
	b, err := json.Marshal(all)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return string(b)
}()

func regionOffered(rs []address.Region, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func regionOptions(rs []address.Region) []string {
	out := make([]string, 0, 2*len(rs))
	for _, r := range rs {
		out = append(out, r.Code, r.Name)
	}
	return out
}

func addressPath(id int64, rest string) string {
	return addressesPath + "/" + strconv.FormatInt(id, 10) + rest
}

// addressInput is the form's address as typed.
func addressInput(f *web.Form) address.Input {
	return address.Input{Recipient: f.Get(address.FieldRecipient), Phone: f.Get(address.FieldPhone),
		Province: f.Get(address.FieldProvince), City: f.Get(address.FieldCity), County: f.Get(address.FieldCounty),
		Detail: f.Get(address.FieldDetail)}
}

// addressActor is who acts, for the audit record.
func addressActor(r *http.Request) address.Actor {
	v := web.VisitorFrom(r.Context())
	return address.Actor{UnitID: v.Unit.ID, PersonID: v.Person.ID, Role: unit.Role(v.Session.Subject.Role),
		ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context())}
}

// addressesRender renders the page with the list and form.
func (s *handler) addressesRender(w http.ResponseWriter, r *http.Request, status int, form addressForm) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	sh, err := s.UnitShellFor(ctx, "account")
	if err != nil {
		return err
	}
	list, err := s.Addresses.List(ctx, v.Unit.ID)
	if err != nil {
		return err
	}
	d := addressesData{Shell: sh, Notice: addressNotices[r.URL.Query().Get("notice")], Addresses: list,
		Hint: address.Hint(len(list)), Form: form}
	switch err := s.Delegation.AuthorizeMembership(ctx, *v.Membership, v.Unit.ID, unit.Role(v.Session.Subject.Role), address.ItemCode); {
	case err == nil:
		d.CanChange = true
	case errors.Is(err, delegation.ErrNotAuthorized):
		d.DeniedNote = "新增、修改或删除收件地址需要“单位参保信息变更登记”事项的授权，请联系单位法定代表人或管理员。"
	default:
		return err
	}
	return s.Render(w, r, status, "unit-addresses", "收件地址", "", d)
}

// addressesShow is GET /unit/account/addresses (UnitCenterGuard).
func (s *handler) addressesShow(w http.ResponseWriter, r *http.Request) error {
	return s.addressesRender(w, r, http.StatusOK, newAddressForm(web.NewForm(r), address.Address{}))
}

// addressesAdd is POST /unit/account/addresses (businessItem).
func (s *handler) addressesAdd(w http.ResponseWriter, r *http.Request) error {
	return s.addressSubmit(w, r, address.Address{}, "added", func(in address.Input) error {
		_, err := s.Addresses.Add(r.Context(), addressActor(r), in)
		return err
	})
}

// addressEditShow is GET /unit/account/addresses/{id}/edit (businessItem).
func (s *handler) addressEditShow(w http.ResponseWriter, r *http.Request) error {
	a, err := s.addressOf(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	province, city, county := address.InputOf(a.Region)
	for name, value := range map[string]string{address.FieldRecipient: a.Recipient,
		address.FieldProvince: province, address.FieldCity: city, address.FieldCounty: county, address.FieldDetail: a.Detail} {
		f.Values.Set(name, value)
	}
	return s.addressesRender(w, r, http.StatusOK, newAddressForm(f, a))
}

// addressEditPost is POST /unit/account/addresses/{id}/edit (businessItem).
func (s *handler) addressEditPost(w http.ResponseWriter, r *http.Request) error {
	a, err := s.addressOf(r)
	if err != nil {
		return err
	}
	return s.addressSubmit(w, r, a, "changed", func(in address.Input) error {
		if in.Phone == "" {
			in.Phone = a.Phone
		}
		_, err := s.Addresses.Change(r.Context(), addressActor(r), a.ID, in)
		return err
	})
}

// addressSubmit handles the form's two buttons: 更新地区选项 renders the form again
// with the next choices; 保存 calls save and goes back to the list, or shows the
// refusal beside the fields (the limit above the form, with the hint).
func (s *handler) addressSubmit(w http.ResponseWriter, r *http.Request, editing address.Address, notice string, save func(address.Input) error) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, web.MsgBadRequest)
	}
	f := web.NewForm(r)
	if f.Get("action") == addressActionRegion {
		return s.addressesRender(w, r, http.StatusOK, newAddressForm(f, editing))
	}
	err := save(addressInput(f))
	var fe *address.FormError
	switch {
	case errors.As(err, &fe):
		fields, _ := fe.Messages()
		for name, msg := range fields {
			f.Fail(name, msg)
		}
		f.Top = web.MsgFormTop
	case errors.Is(err, address.ErrLimit):
		f.Top = address.MsgLimit
	case err != nil:
		return s.addressGone(err)
	default:
		http.Redirect(w, r, addressesPath+"?notice="+notice, http.StatusSeeOther)
		return nil
	}
	return s.addressesRender(w, r, http.StatusUnprocessableEntity, newAddressForm(f, editing))
}

// addressDefault is POST /unit/account/addresses/{id}/default (businessItem).
func (s *handler) addressDefault(w http.ResponseWriter, r *http.Request) error {
	return s.addressCommand(w, r, "default", s.Addresses.SetDefault)
}

// addressDelete is POST /unit/account/addresses/{id}/delete (businessItem).
func (s *handler) addressDelete(w http.ResponseWriter, r *http.Request) error {
	return s.addressCommand(w, r, "deleted", s.Addresses.Delete)
}

// addressCommand runs do on the address named by the path and goes back to the list.
func (s *handler) addressCommand(w http.ResponseWriter, r *http.Request, notice string,
	do func(ctx context.Context, who address.Actor, id int64) error) error {
	a, err := s.addressOf(r)
	if err != nil {
		return err
	}
	if err := do(r.Context(), addressActor(r), a.ID); err != nil {
		return s.addressGone(err)
	}
	http.Redirect(w, r, addressesPath+"?notice="+notice, http.StatusSeeOther)
	return nil
}

// addressOf is the address named by the path's {id}, of the session's unit.
func (s *handler) addressOf(r *http.Request) (address.Address, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return address.Address{}, s.addressGone(address.ErrNotFound)
	}
	a, err := s.Addresses.Get(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id)
	if err != nil {
		return a, s.addressGone(err)
	}
	return a, nil
}

// addressGone turns ErrNotFound into the 404 page.
func (s *handler) addressGone(err error) error {
	if errors.Is(err, address.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, "未找到该收件地址，它可能已被删除。")
	}
	return err
}
