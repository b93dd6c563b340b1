package unitcenter

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/unit"
	"hall/internal/web"
)

// 单位信息 (SPEC U2): GET /unit/info shows the unit's basic information (the legal
// rep's locked, with the seed's explanation) and the insurance tabs, each paged by
// keyset (?after= / ?before= carry the cursor), ordered by its date newest or oldest
// first (?sort=old), filtered by person (?person=: a name or a masked ID number,
// matched on the server; a full ID number is posted to POST /unit/info and named in
// the address only by its key, ?who=, so that it reaches no access log, browser
// history or Referer) and exported as CSV (unit_info_export.go). Every usable unit
// session may look; changing the basic information is business (unit_info_edit.go).

// infoEditItem is the catalog item whose grant lets an agent change the unit's basic
// information: 单位参保信息变更登记 (FACTS.md), the registration of changes to a unit's
// insurance registration data (its address and contact among them). The legal rep
// and the admin may always.
const infoEditItem = "SB-009"

// infoLegalRepNote is the seed's explanation beside the locked legal-rep fields.
const infoLegalRepNote = "不支持法人基础信息修改。法人基础信息修改需要原注册登记机构办理后（如市场监管），再到人社经办机构进行变更。"

// infoReachingMonths: 到龄人员 lists who reaches retirement age in this many months
// from the current one.
const infoReachingMonths = 12

// Query parameters of the page and the export.
const (
	infoParamTab      = "tab"
	infoParamPerson   = "person"
	infoParamWho      = "who"
	infoParamSort     = "sort"
	infoParamMonth    = "month"
	infoParamAfter    = "after"
	infoParamBefore   = "before"
	infoParamEncoding = "encoding"
	infoSortOldest    = "old"
)

// infoMaxPerson bounds the person filter (a name or an ID number is far shorter).
const infoMaxPerson = 50

// infoView is what the page and the export were asked for.
type infoView struct {
	Tab infoTab
	// Person is the filter the lists apply: a name, a masked ID number, or the full
	// ID number Key stands for (never shown, never in an address).
	Person string
	// Key is cases.EmployeeKey of a full ID number typed as the filter; Shown is
	// the filter as the page shows it (the ID number masked).
	Key    string
	Shown  string
	Oldest bool
	Month  insurance.Month // 人员缴费基数: the month shown
	After  string
	Before string
}

// infoViewOf reads the query string; a malformed month or an overlong filter is
// dropped rather than refused, since the page's own links never carry one.
func infoViewOf(q url.Values) infoView {
	v := infoView{Tab: infoTabByKey(q.Get(infoParamTab)), Oldest: q.Get(infoParamSort) == infoSortOldest,
		After: q.Get(infoParamAfter), Before: q.Get(infoParamBefore)}
	if k := q.Get(infoParamWho); v.Tab.FilterLabel != "" && len(k) == 16 {
		if _, err := hex.DecodeString(k); err == nil {
			v.Key = k
		}
	}
	if p := strings.TrimSpace(q.Get(infoParamPerson)); v.Tab.FilterLabel != "" && v.Key == "" && utf8.RuneCountInString(p) <= infoMaxPerson {
		v.Person, v.Shown = p, p
	}
	if m, ok := insurance.ParseMonth(q.Get(infoParamMonth)); ok {
		v.Month = m
	}
	return v
}

// values is the view's query string, with the cursor only when withCursor.
func (v infoView) values(withCursor bool) url.Values {
	q := url.Values{}
	q.Set(infoParamTab, v.Tab.Key)
	switch {
	case v.Key != "":
		q.Set(infoParamWho, v.Key)
	case v.Person != "":
		q.Set(infoParamPerson, v.Person)
	}
	if v.Oldest {
		q.Set(infoParamSort, infoSortOldest)
	}
	if v.Month != 0 && v.Tab.Key == "bases" {
		q.Set(infoParamMonth, v.Month.String())
	}
	if withCursor {
		if v.After != "" {
			q.Set(infoParamAfter, v.After)
		}
		if v.Before != "" {
			q.Set(infoParamBefore, v.Before)
		}
	}
	return q
}

// isFullID reports whether a person filter is a full ID number: it has a digit
// (no name has) and no '*' (the masks the pages show have).
func isFullID(p string) bool {
	return !strings.Contains(p, "*") && strings.ContainsAny(p, "0123456789")
}

// keyed is v with a full ID number in Person replaced by its key (keyOf:
// cases.Service.EmployeeKey), for an address.
func (v infoView) keyed(uscc string, keyOf func(uscc, idNumber string) string) infoView {
	if v.Key == "" && isFullID(v.Person) {
		v.Key = keyOf(uscc, strings.ToUpper(v.Person))
		v.Person, v.Shown = "", ""
	}
	return v
}

// infoNobody is the filter of a key that names none of the unit's employees: '!'
// is in no name and no ID number, so the lists keep nothing.
const infoNobody = "!"

// resolve sets the filter of v's Key: the employee's ID number, shown masked.
// Errors: database failures.
func (s *handler) infoResolve(ctx context.Context, uscc string, v *infoView) error {
	if v.Key == "" {
		return nil
	}
	id, ok, err := s.Insurance.EmployeeIDNumber(ctx, uscc, v.Key, s.Cases.EmployeeKey)
	switch {
	case err != nil:
		return err
	case ok:
		v.Person, v.Shown = id, ident.MaskID(id)
	default:
		v.Person, v.Shown = infoNobody, "所选人员"
	}
	return nil
}

// unitInfoFilter is POST /unit/info (behind UnitCenterGuard): the person filter's
// form, answered by a redirect to the filtered page, whose address carries a full
// ID number only as its key.
func (s *handler) unitInfoFilter(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求无法解析，请返回重试。")
	}
	v := infoViewOf(r.PostForm).keyed(web.VisitorFrom(r.Context()).Unit.USCC, s.Cases.EmployeeKey)
	v.After, v.Before = "", ""
	http.Redirect(w, r, v.url(), http.StatusSeeOther) // #nosec G710 -- the path is fixed, the query encoded
	return nil
}

// url is the page's address for v.
func (v infoView) url() string { return "/unit/info?" + v.values(true).Encode() }

// query is the read model's query for v in the unit usccOf at the current month now;
// month is the latest month with payments, for 人员缴费基数 without ?month=.
func (v infoView) query(uscc string, now, latest insurance.Month) insurance.Query {
	q := insurance.Query{USCC: uscc, Person: v.Person, Page: insurance.Page{Oldest: v.Oldest}}
	switch v.Tab.Key {
	case "bases":
		q.Month = v.Month
		if q.Month == 0 {
			q.Month = latest
		}
	case "overage":
		q.Month = now
	case "reaching":
		q.From, q.To = now, now.Add(infoReachingMonths-1)
	}
	return q
}

// infoTabLink is one tab of the page.
type infoTabLink struct {
	Label, URL string
	Current    bool
}

// infoBasic is the 基本信息 panel.
type infoBasic struct {
	Unit          unit.Unit
	LegalRepName  string // masked
	LegalRepID    string // masked
	LegalRepIDTyp string
	ContactPhone  string // masked
	CanEdit       bool
	EditNote      string // why not, for an agent without the grant
}

// unitInfoData is the template data of 单位信息.
type unitInfoData struct {
	Shell       web.UnitShell
	Basic       infoBasic
	LegalNote   string
	Notice      string
	Groups      [][]infoTabLink // the seed's rows of tabs
	Tab         infoTab
	View        infoView
	Month       string // 人员缴费基数: the month shown (YYYY-MM)
	Rows        [][]string
	Pager       web.Pager // by cursor: previous and next only
	SortNewURL  string
	SortOldURL  string
	ExportURL   string
	ExportGBURL string
	ClearURL    string
}

// unitInfoShow is GET /unit/info (behind UnitCenterGuard).
func (s *handler) unitInfoShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	vis := web.VisitorFrom(ctx)
	u, err := s.Units.Get(ctx, vis.Unit.ID)
	if err != nil {
		return err
	}
	sh, err := s.UnitShellFor(ctx, "info")
	if err != nil {
		return err
	}
	d := unitInfoData{Shell: sh, LegalNote: infoLegalRepNote, Basic: infoBasic{Unit: u, ContactPhone: unit.MaskPhone(u.ContactPhone)}}
	if r.URL.Query().Get("notice") == "saved" {
		d.Notice = "基本信息已保存。"
	}
	if rep, err := s.Units.LegalRep(ctx, u.ID); err == nil {
		d.Basic.LegalRepName, d.Basic.LegalRepID = ident.MaskName(rep.Name), ident.MaskID(rep.IDNumber)
		d.Basic.LegalRepIDTyp = ident.IDType(rep.IDType).Label()
	} else if !errors.Is(err, unit.ErrNotFound) {
		return err
	}
	role := unit.Role(vis.Session.Subject.Role)
	switch err := s.Delegation.AuthorizeMembership(ctx, *vis.Membership, u.ID, role, infoEditItem); {
	case err == nil:
		d.Basic.CanEdit = true
	case errors.Is(err, delegation.ErrNotAuthorized):
		d.Basic.EditNote = "修改基本信息需要“单位参保信息变更登记”事项的授权，请联系单位法定代表人或管理员。"
	default:
		return err
	}

	v := infoViewOf(r.URL.Query())
	if k := v.keyed(u.USCC, s.Cases.EmployeeKey); k.Key != v.Key {
		// An address typed or bookmarked with a full ID number: answer with the
		// key's, so that at least the page's own links and history do not keep it.
		http.Redirect(w, r, k.url(), http.StatusSeeOther) // #nosec G710 -- the path is fixed, the query encoded
		return nil
	}
	if err := s.infoResolve(ctx, u.USCC, &v); err != nil {
		return err
	}
	d.Tab, d.View = v.Tab, v
	for _, t := range infoTabs {
		link := infoTabLink{Label: t.Label, URL: infoView{Tab: t}.url(), Current: t.Key == v.Tab.Key}
		if t.Group == infoGroupEnrol {
			if len(d.Groups) == 0 {
				d.Groups = append(d.Groups, nil)
			}
			d.Groups[0] = append(d.Groups[0], link)
			continue
		}
		if len(d.Groups) < 2 {
			d.Groups = append(d.Groups, nil)
		}
		d.Groups[1] = append(d.Groups[1], link)
	}

	now := insurance.MonthOf(s.Now().In(web.Shanghai))
	latest, err := s.infoLatestMonth(r, u.USCC, now)
	if err != nil {
		return err
	}
	q := v.query(u.USCC, now, latest)
	if v.Tab.Key == "bases" {
		d.Month = q.Month.String()
	}
	back := v.Before != ""
	q.After = v.After
	if back {
		q.After, q.Oldest = v.Before, !q.Oldest
	}
	rows, pg, err := v.Tab.read.page(ctx, s.Insurance, q)
	if errors.Is(err, insurance.ErrBadCursor) {
		return web.StatusError(http.StatusBadRequest, "翻页链接已失效，请从第一页重新查看。")
	}
	if err != nil {
		return err
	}
	prev, next := "", pg.Next
	if back {
		slices.Reverse(rows)
		prev, next = pg.Next, pg.First
	} else if v.After != "" {
		prev = pg.First
	}
	d.Rows = rows
	at := v
	at.After, at.Before = "", ""
	var prevURL, nextURL string
	if next != "" {
		n := at
		n.After = next
		nextURL = n.url()
	}
	if prev != "" {
		p := at
		p.Before = prev
		prevURL = p.url()
	}
	d.Pager = web.NewCursorPager(prevURL, nextURL)
	newest, oldest := at, at
	newest.Oldest, oldest.Oldest = false, true
	d.SortNewURL, d.SortOldURL = newest.url(), oldest.url()
	clear := at
	clear.Person, clear.Key = "", ""
	d.ClearURL = clear.url()
	exp := at.values(false)
	if v.Tab.Key == "bases" {
		exp.Set(infoParamMonth, q.Month.String())
	}
	d.ExportURL = "/unit/info/export?" + exp.Encode()
	exp.Set(infoParamEncoding, infoEncodingGB18030)
	d.ExportGBURL = "/unit/info/export?" + exp.Encode()
	return s.Render(w, r, http.StatusOK, "unit-info", "单位信息", "", d)
}

// infoLatestMonth is the latest month with payments of the unit (the default of
// 人员缴费基数), or the month before now when it has none.
func (s *handler) infoLatestMonth(r *http.Request, uscc string, now insurance.Month) (insurance.Month, error) {
	res, err := s.Insurance.Payments(r.Context(), insurance.Query{USCC: uscc, Page: insurance.Page{Limit: 1}})
	if err != nil {
		return 0, err
	}
	if len(res.Rows) == 0 {
		return now.Add(-1), nil
	}
	return res.Rows[0].Month, nil
}
