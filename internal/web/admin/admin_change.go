package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hall/internal/counter"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/scans"
	"hall/internal/unit"
	"hall/internal/validity"
	"hall/internal/web"
)

// adminChangeScans are the documents of a 管理员变更 (counter.RequiredScans): the
// business licence, the nominee's ID and the legal rep's authorization letter.
var adminChangeScans = []scanField{
	{"scan_licence", scans.KindLicence},
	{"scan_id", scans.KindIDCard},
	{"scan_authorization", scans.KindAuthorization},
}

// adminChangeBodyLimit bounds the 管理员变更 form: its three scans and the fields.
const adminChangeBodyLimit = 3*scans.MaxBytes + 64<<10

// adminChangePage is the 管理员变更 form (B2): first the unit looked up, then the
// new administrator as their ID shows them, the scans and the reason.
type adminChangePage struct {
	Lookup *web.Form // the unit's account
	Form   *web.Form
	// Unit is the unit found (nil before the lookup), Admin its administrator now
	// (nil when it has none).
	Unit  *unit.Unit
	Admin *currentAdmin
}

// currentAdmin is the administrator a change replaces, masked.
type currentAdmin struct {
	MembershipID int64
	Name, ID     string
	Pending      bool
}

// IDTypeField is the new administrator's ID type.
func (p adminChangePage) IDTypeField() web.Field {
	return p.Form.Field("id_type", "证件类型", "select", web.IDTypeOptions()...)
}

// adminChangeShow is GET /admin/counter/admin-change[?unit=…] (clerks).
func (h *handler) adminChangeShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	lookup := &web.Form{Values: r.URL.Query(), Errors: map[string]string{}}
	return h.renderAdminChange(w, r, sr, lookup, web.NewForm(nil))
}

// renderAdminChange looks the unit of lookup up (when given) and shows the form.
func (h *handler) renderAdminChange(w http.ResponseWriter, r *http.Request, sr staffRequest, lookup, f *web.Form) error {
	p := adminChangePage{Lookup: lookup, Form: f}
	if account := lookup.Get("unit"); account != "" {
		u, ms, err := h.Counter.LookupUnit(r.Context(), sr.actor, account)
		switch {
		case errors.Is(err, counter.ErrUnitNotFound):
			lookup.Fail("unit", counter.Message(err))
		case err != nil:
			return refused(err)
		default:
			p.Unit = &u
			for _, m := range ms {
				if m.Role != unit.RoleAdmin {
					continue
				}
				holder, err := h.Persons.Get(r.Context(), m.PersonID)
				if err != nil {
					return err
				}
				p.Admin = &currentAdmin{MembershipID: m.ID, Name: ident.MaskName(holder.Name), ID: holder.MaskedID(),
					Pending: m.Status == unit.StatusPending}
			}
		}
	}
	return h.Render(w, r, http.StatusOK, "admin-admin-change", "管理员变更", "counter", p)
}

// adminChangePost is POST /admin/counter/admin-change (clerks): the change recorded
// for a reviewer (counter.SubmitAdminChange); at approval the online nomination's
// rules apply in the legal rep's name and the new administrator confirms in the app.
func (h *handler) adminChangePost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	at := refusalFields{IDNumber: "id_number", Name: "name", Scans: adminChangeScans}
	return h.submitCounterForm(w, r, sr, at, func(f *web.Form, uploads []scans.Upload) (counter.Request, error) {
		until, msg := adminChangeUntil(f.Get("valid_until"), h.Now())
		if msg != "" {
			f.Fail("valid_until", msg)
			return counter.Request{}, errFormRefused
		}
		replace, _ := strconv.ParseInt(f.Get("replace"), 10, 64)
		in := counter.AdminChangeInput{Unit: f.Get("unit"), Replace: replace, ValidUntil: until,
			Nominee: delegation.Nominee{Name: f.Get("name"), IDType: ident.IDType(f.Get("id_type")), IDNumber: f.Get("id_number"),
				Mobile: f.Get("mobile")}}
		return h.Counter.SubmitAdminChange(r.Context(), sr.actor, in, f.Values.Get("reason"), uploads)
	}, func(f *web.Form) error {
		lookup := &web.Form{Values: map[string][]string{"unit": {f.Get("unit")}}, Errors: map[string]string{}}
		return h.renderAdminChange(w, r, sr, lookup, f)
	})
}

// adminChangeUntil reads 授权有效期至 as the online form does: the last day of the
// period, which ends at midnight after it (validity.EndOf); it must be after today.
func adminChangeUntil(s string, now time.Time) (time.Time, string) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, "请选择授权有效期的结束日期"
	}
	d, err := time.ParseInLocation(validity.DateLayout, strings.TrimSpace(s), validity.Location)
	if err != nil {
		return time.Time{}, "请按“年-月-日”填写日期"
	}
	if validity.Day(d) < validity.Day(now) {
		return time.Time{}, "结束日期不能早于今天"
	}
	return validity.EndOf(d), ""
}
