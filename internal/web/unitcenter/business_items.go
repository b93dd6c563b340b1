package unitcenter

import (
	"errors"
	"hall/internal/web"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/audit"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/unit"
)

// The unit's business entry (SPEC U6, H2, QUALITY "authorization on every request"):
// GET /unit/items lists the catalog's unit items with those outside an agent's scope
// disabled, and GET /unit/items/{code} is the 在线办理 Page of one item. Both pass
// through businessBusiness, the one gate of the routes that do business for a unit: it
// asks delegation.AuthorizeMembership on every request, with the membership the
// Visitor layer re-read for this very request, so a grant that expired, was narrowed
// or revoked stops working at the next request.

// businessItemPerPage is the page size of the list.
const businessItemPerPage = 20

// businessBusiness guards a handler that does business for the session's unit, on the
// item named by the path value "code" (None for pages of no single item): the legal
// rep may do any item, the admin any item within its validity, an agent only its
// granted items within its validity. A refusal is a 403 page with the reason, and
// an audit record; a failure of the check refuses too (fail closed). Visitors
// without a unit session go where UnitCenterGuard sends them.
func (s *handler) businessBusiness(h web.HandlerFunc) web.HandlerFunc {
	return s.businessGuard(func(r *http.Request) string { return r.PathValue("code") }, h)
}

// businessItem is businessBusiness for the pages of one fixed item (code), such as
// 单位权益单 (rights.ItemCode).
func (s *handler) businessItem(code string, h web.HandlerFunc) web.HandlerFunc {
	return s.businessGuard(func(*http.Request) string { return code }, h)
}

// businessGuard is businessBusiness with the item the request is about named by codeOf.
func (s *handler) businessGuard(codeOf func(*http.Request) string, h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		v := web.VisitorFrom(ctx)
		code := codeOf(r)
		if code != "" && !businessPlausibleCode(code) {
			return web.StatusError(http.StatusNotFound, "您查找的事项不存在，请在可办理业务中查找。")
		}
		if e := v.EndedSession; e != nil && !v.SignedIn() {
			err := s.Delegation.AuthorizeMembership(ctx, e.Membership, e.Membership.UnitID, e.Role, code)
			var d *delegation.Denial
			if !errors.As(err, &d) {
				// Ended for a reason the rules do not name (it cannot be used either way).
				d = &delegation.Denial{Reason: delegation.ReasonRevoked, Msg: delegation.ReasonRevoked.Message(), Item: code}
			}
			s.businessAuditDenial(r, e.Membership.PersonID, e.Membership.UnitID, e.Role, code, d)
			return s.businessDenied(w, r, nil, code, d)
		}
		if v.Institution != nil {
			return web.StatusError(http.StatusForbidden, web.MsgInstitutionOnly)
		}
		if v.SignedIn() && v.Unit == nil {
			http.Redirect(w, r, "/unit/choose", http.StatusSeeOther)
			return nil
		}
		if !v.SignedIn() || v.Unit == nil || v.Membership == nil || v.Session == nil {
			return s.ToUnitLogin(w, r)
		}
		role := unit.Role(v.Session.Subject.Role)
		err := s.Delegation.AuthorizeMembership(ctx, *v.Membership, v.Unit.ID, role, code)
		var d *delegation.Denial
		switch {
		case errors.As(err, &d):
			s.businessAuditDenial(r, v.Person.ID, v.Unit.ID, role, code, d)
			sh, err := s.UnitShellFor(ctx, "")
			if err != nil {
				return err
			}
			return s.businessDenied(w, r, &sh, code, d)
		case err != nil:
			return err
		}
		return h(w, r)
	}
}

// businessPlausibleCode: an item code as the catalog writes them (1–16 of A-Z, 0-9, '-').
func businessPlausibleCode(code string) bool {
	if len(code) == 0 || len(code) > 16 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// businessAuditDenial records a refused business request (who, which item, why). A
// failed write is logged: the request is refused either way.
func (s *handler) businessAuditDenial(r *http.Request, personID, unitID int64, role unit.Role, code string, d *delegation.Denial) {
	target := "unit:" + strconv.FormatInt(unitID, 10)
	if code != "" {
		target = "item:" + code
	}
	e := audit.Entry{PersonID: personID, UnitID: unitID, Role: string(role), Action: "business.open", Target: target,
		Result: audit.Denied, ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context()),
		Detail: map[string]string{"reason": string(d.Reason), "path": r.URL.Path}}
	if _, err := s.Audit.Record(r.Context(), e); err != nil {
		s.Log.ErrorContext(r.Context(), "audit business denial", "err", err, "request_id", web.RequestID(r.Context()))
	}
}

// businessItemData is the template data of the item page and of a refusal.
type businessItemData struct {
	// Shell is the unit center's frame; nil when the refusal ended the session.
	Shell  *web.UnitShell
	Item   cases.Item
	Denial *delegation.Denial
	Apply  string // where 开始办理 leads: the online form, or for an item without one the counter page
	// AtCounter: the item has no online form here; 开始办理 is 到窗口办理 and leads
	// to the page saying what to bring and where (businessItemCounter).
	AtCounter bool
}

// businessDenied renders the 403 page with the refusal's reason.
func (s *handler) businessDenied(w http.ResponseWriter, r *http.Request, sh *web.UnitShell, code string, d *delegation.Denial) error {
	data := businessItemData{Shell: sh, Denial: d}
	if code != "" {
		if it, err := s.Catalog.Get(r.Context(), code); err == nil {
			data.Item = it
		}
	}
	return s.Render(w, r, http.StatusForbidden, "business-item", "无权办理", "", data)
}

// businessItemShow is GET /unit/items/{code} (behind businessBusiness): the 在线办理 Page of one
// Unit item, with its facts from the catalog.
func (s *handler) businessItemShow(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Catalog.Get(r.Context(), r.PathValue("code"))
	if errors.Is(err, cases.ErrNotFound) || (err == nil && it.Applicant != cases.ApplicantUnit && it.Applicant != cases.ApplicantBoth) {
		return web.StatusError(http.StatusNotFound, "您查找的事项不存在或不是单位办理的事项，请在可办理业务中查找。")
	}
	if err != nil {
		return err
	}
	sh, err := s.UnitShellFor(r.Context(), "")
	if err != nil {
		return err
	}
	d := businessItemData{Shell: &sh, Item: it, Apply: "/unit/items/" + it.Code + "/apply"}
	if !cases.OnlineForm(it.Code) {
		d.Apply, d.AtCounter = "/unit/items/"+it.Code+"/counter", true
	}
	return s.Render(w, r, http.StatusOK, "business-item", it.Name, "", d)
}

// businessItemCounter is GET /unit/items/{code}/counter (behind businessBusiness):
// 到窗口办理 of a unit item the hall has no online form for. Such an item is handled
// at the counter (cases.EnterCounter: a clerk checks the materials and enters the
// case), so the page says so plainly: the materials to bring, from the catalog,
// and where — the bureau's service windows — with the way back to the item. An
// item with an online form has no such page (404): it is filed online.
func (s *handler) businessItemCounter(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Catalog.Get(r.Context(), r.PathValue("code"))
	if errors.Is(err, cases.ErrNotFound) || (err == nil && it.Applicant != cases.ApplicantUnit && it.Applicant != cases.ApplicantBoth) {
		return web.StatusError(http.StatusNotFound, "您查找的事项不存在或不是单位办理的事项，请在可办理业务中查找。")
	}
	if err != nil {
		return err
	}
	if cases.OnlineForm(it.Code) {
		return web.StatusError(http.StatusNotFound, "该事项已开通网上申报，请在事项页面点击“开始办理”在线申报。")
	}
	sh, err := s.UnitShellFor(r.Context(), "")
	if err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, "business-item-counter", it.Name+" · 到窗口办理", "",
		businessItemData{Shell: &sh, Item: it, AtCounter: true})
}

// businessItemRow is one row of 可办理业务.
type businessItemRow struct {
	Item    cases.Item
	Allowed bool
	Reason  string // why not, for a disabled row
}

// businessItemGroup is the rows of one category on the current page.
type businessItemGroup struct {
	Name string
	Rows []businessItemRow
}

// businessCategoryTab is one category filter of the list.
type businessCategoryTab struct {
	Code, Name, URL string
	Count           int
	Current         bool
}

// businessItemsData is the template data of 可办理业务.
type businessItemsData struct {
	Shell    web.UnitShell
	Tabs     []businessCategoryTab
	Category string
	Only     bool   // only the items the person may handle
	OnlyURL  string // the list with the other setting of Only
	Limited  bool   // some items are outside the person's scope
	Allowed  int    // items the person may handle (in the whole catalog)
	Groups   []businessItemGroup
	Total    int // rows after the filters
	Page     int
	Pages    int
	Pager    web.Pager
}

// businessItemsURL is the list's link for a category, the Only filter and a page.
func businessItemsURL(category string, only bool, page int) string {
	v := url.Values{}
	if category != "" {
		v.Set("category", category)
	}
	if only {
		v.Set("only", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/unit/items"
	}
	return "/unit/items?" + v.Encode()
}

// businessItemsList is GET /unit/items (behind businessBusiness): every unit item by category,
// those the person may not handle disabled with the reason (delegation.Scope).
func (s *handler) businessItemsList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	items, err := s.Catalog.UnitItems(ctx)
	if err != nil {
		return err
	}
	scope, err := s.Delegation.Scope(ctx, *v.Membership)
	if err != nil {
		return err
	}
	reason := delegation.ReasonOutOfScope.Message()
	if err := s.Delegation.Usable(*v.Membership); err != nil {
		reason = delegation.Message(err)
	}
	sh, err := s.UnitShellFor(ctx, "")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := businessItemsData{Shell: sh, Only: q.Get("only") == "1"}

	var rows []businessItemRow
	counts := map[string]int{}
	var tabs []businessCategoryTab
	for _, it := range items {
		row := businessItemRow{Item: it, Allowed: scope[it.Code]}
		if row.Allowed {
			d.Allowed++
		} else {
			row.Reason, d.Limited = reason, true
		}
		if d.Only && !row.Allowed {
			continue
		}
		if counts[it.Category] == 0 {
			tabs = append(tabs, businessCategoryTab{Code: it.Category, Name: it.CategoryName})
		}
		counts[it.Category]++
		rows = append(rows, row)
	}
	for _, t := range tabs {
		if t.Code == q.Get("category") {
			d.Category = t.Code
		}
	}
	d.Tabs = append(d.Tabs, businessCategoryTab{Name: "全部", URL: businessItemsURL("", d.Only, 1), Count: len(rows), Current: d.Category == ""})
	for _, t := range tabs {
		t.Count, t.URL, t.Current = counts[t.Code], businessItemsURL(t.Code, d.Only, 1), t.Code == d.Category
		d.Tabs = append(d.Tabs, t)
	}
	if d.Category != "" {
		kept := rows[:0:0]
		for _, row := range rows {
			if row.Item.Category == d.Category {
				kept = append(kept, row)
			}
		}
		rows = kept
	}
	d.OnlyURL = businessItemsURL(d.Category, !d.Only, 1)

	d.Total = len(rows)
	d.Pages = max(1, (d.Total+businessItemPerPage-1)/businessItemPerPage)
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = min(max(d.Page, 1), d.Pages)
	start := (d.Page - 1) * businessItemPerPage
	for _, row := range rows[start:min(start+businessItemPerPage, len(rows))] {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Name != row.Item.CategoryName {
			d.Groups = append(d.Groups, businessItemGroup{Name: row.Item.CategoryName})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, row)
	}
	d.Pager = web.NewPager(d.Page, d.Pages, func(n int) string { return businessItemsURL(d.Category, d.Only, n) })
	return s.Render(w, r, http.StatusOK, "business-items", "可办理业务", "", d)
}
