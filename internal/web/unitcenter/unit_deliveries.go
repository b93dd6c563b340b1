package unitcenter

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/chinatime"
	"hall/internal/delegation"
	"hall/internal/delivery"
	"hall/internal/unit"
	"hall/internal/web"
)

// 单位快递 (U5): GET /unit/deliveries lists the paper results posted to the unit,
// /unit/deliveries/{id} shows one with its history. Every usable unit session reads
// the page: the legal rep and the administrator every delivery of the unit, an
// agent (经办人) only those of cases whose item it is granted — the list leaves the
// others out (delivery.Filter.GrantedTo) and the page of one answers 403 with the
// reason, as the case's materials do for an ungranted item. The deliveries come
// from approved cases whose unit asked for the paper result by post on the
// application form (mailChoice).

// deliveriesPerPage is the page size of 单位快递.
const deliveriesPerPage = 20

// deliveryListData is the template data of 单位快递.
type deliveryListData struct {
	Shell      web.UnitShell
	Deliveries []delivery.Delivery
	Total      int
	Pager      web.Pager
	Statuses   []delivery.Status
	Status     string
	From, To   string // YYYY-MM-DD as typed
	FilterNote string
	DevCarrier bool
}

// deliveriesShow is GET /unit/deliveries (UnitCenterGuard).
func (s *handler) deliveriesShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	sh, err := s.UnitShellFor(ctx, "deliveries")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := deliveryListData{Shell: sh, Statuses: delivery.Statuses, Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"),
		DevCarrier: s.DevCarrier != nil}
	f := delivery.Filter{PerPage: deliveriesPerPage, GrantedTo: grantedTo(v)}
	if st := delivery.Status(d.Status); st.Valid() {
		f.Status = st
	} else {
		d.Status = ""
	}
	zone := chinatime.Zone
	if d.From != "" {
		if t, err := time.ParseInLocation("2006-01-02", d.From, zone); err == nil {
			f.From = t
		} else {
			d.FilterNote, d.From = "寄件日期的格式应为“2026-04-13”，已忽略该条件。", ""
		}
	}
	if d.To != "" {
		if t, err := time.ParseInLocation("2006-01-02", d.To, zone); err == nil {
			f.To = t.AddDate(0, 0, 1)
		} else {
			d.FilterNote, d.To = "寄件日期的格式应为“2026-04-13”，已忽略该条件。", ""
		}
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if d.Deliveries, d.Total, err = s.Deliveries.UnitDeliveries(ctx, v.Unit.ID, f); err != nil {
		return err
	}
	pages := cases.Pages(d.Total, deliveriesPerPage)
	page := min(max(f.Page, 1), max(pages, 1))
	d.Pager = web.NewPager(page, pages, func(n int) string {
		u := url.Values{}
		for k, val := range map[string]string{"status": d.Status, "from": d.From, "to": d.To} {
			if val != "" {
				u.Set(k, val)
			}
		}
		u.Set("page", strconv.Itoa(n))
		return "/unit/deliveries?" + u.Encode()
	})
	d.Pager.Label = "快递分页"
	return s.Render(w, r, http.StatusOK, "unit-deliveries", "单位快递", "", d)
}

// grantedTo is the delivery list's GrantedTo for the session v: zero for the legal
// rep and the administrator, who see every delivery of the unit; the membership
// otherwise, so that any role but those two sees only its granted items' (an
// agent; and should another role appear, it sees no more than an agent).
func grantedTo(v *web.Visitor) int64 {
	switch unit.Role(v.Session.Subject.Role) {
	case unit.RoleLegalRep, unit.RoleAdmin:
		if v.Membership.Role == unit.Role(v.Session.Subject.Role) {
			return 0
		}
	}
	return v.Membership.ID
}

// deliveryDetailData is the template data of one delivery.
type deliveryDetailData struct {
	Shell      web.UnitShell
	Delivery   delivery.Delivery
	Events     []delivery.Event
	DevCarrier bool
}

// deliveryShow is GET /unit/deliveries/{id} (UnitCenterGuard).
func (s *handler) deliveryShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.StatusError(http.StatusNotFound, "未找到该快递")
	}
	v := web.VisitorFrom(ctx)
	dl, ev, err := s.Deliveries.UnitDelivery(ctx, v.Unit.ID, id)
	if errors.Is(err, delivery.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, "未找到该快递")
	}
	if err != nil {
		return err
	}
	var denial *delegation.Denial
	switch err := s.Delegation.AuthorizeMembership(ctx, *v.Membership, v.Unit.ID, unit.Role(v.Session.Subject.Role), dl.ItemCode); {
	case errors.As(err, &denial):
		return web.StatusError(http.StatusForbidden, denial.Msg)
	case err != nil:
		return err
	}
	sh, err := s.UnitShellFor(ctx, "deliveries")
	if err != nil {
		return err
	}
	// The newest event first, as couriers show a shipment's course.
	for i, j := 0, len(ev)-1; i < j; i, j = i+1, j-1 {
		ev[i], ev[j] = ev[j], ev[i]
	}
	return s.Render(w, r, http.StatusOK, "unit-delivery", "快递详情", "",
		deliveryDetailData{Shell: sh, Delivery: dl, Events: ev, DevCarrier: dl.Carrier == delivery.DevCarrierName})
}

// msgAddressGone is the address field's message when the chosen address is not
// the unit's (any more).
const msgAddressGone = "所选收件地址已不存在，请重新选择"

// mailChoice checks the application form's 邮寄纸质结果 choice before the case is
// filed, so that its message shows with the others: when the unit asked, the
// address field gets a message unless one of the unit's addresses is chosen. The
// choice itself is recorded in the filing's transaction (delivery.Service.CaseFiled).
// Errors: database failures.
func (s *handler) mailChoice(r *http.Request, f *web.Form) error {
	if f.Values.Get(delivery.FieldMail) != "1" {
		return nil
	}
	id, err := strconv.ParseInt(f.Values.Get(delivery.FieldMailAddress), 10, 64)
	if err != nil || id <= 0 {
		f.Fail(delivery.FieldMailAddress, "请选择收件地址")
		return nil
	}
	_, err = s.Addresses.Get(r.Context(), web.VisitorFrom(r.Context()).Unit.ID, id)
	if errors.Is(err, address.ErrNotFound) {
		f.Fail(delivery.FieldMailAddress, msgAddressGone)
		return nil
	}
	return err
}
