package hall

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/unit"
	"hall/internal/web"
)

// catalogData is what the catalog page (服务清单, H2) shows.
type catalogData struct {
	Heading    string
	Filter     cases.Filter // the filter in effect, bad values dropped, page clamped
	Topic      *cases.Topic // the topic filter, when one is in effect
	Categories []cases.Category
	Items      []cases.Item
	Total      int
	Pages      int
	Pager      web.Pager
	// ClearTopic is this list without the topic filter, Reset the whole catalog.
	ClearTopic string
	Filtered   bool
}

// catalogFilter reads the filter of /catalog from the query string. Values that are
// not valid (an unknown category or topic, an applicant other than person/unit …)
// are dropped, so a bad or outdated link still shows a list.
func (s *handler) catalogFilter(r *http.Request, cats []cases.Category) (cases.Filter, *cases.Topic, error) {
	q := r.URL.Query()
	var f cases.Filter
	if c := q.Get("category"); c != "" {
		for _, cat := range cats {
			if cat.Code == c {
				f.Category = c
			}
		}
	}
	switch a := cases.Applicant(q.Get("applicant")); a {
	case cases.ApplicantPerson, cases.ApplicantUnit:
		f.Applicant = a
	}
	switch c := cases.Channel(q.Get("channel")); c {
	case cases.ChannelOnline, cases.ChannelCounter:
		f.Channel = c
	}
	f.Query = cases.CleanQuery(q.Get("q"))
	f.Page, _ = strconv.Atoi(q.Get("page")) // not a number: 0, which List clamps to 1
	var topic *cases.Topic
	if code := q.Get("topic"); code != "" {
		t, err := s.Catalog.Topic(r.Context(), code)
		switch {
		case err == nil:
			f.Topic, topic = t.Code, &t
		case !errors.Is(err, cases.ErrNotFound):
			return f, nil, err
		}
	}
	return f, topic, nil
}

// catalogURL is the /catalog link for f, so that page links keep the filters.
func catalogURL(f cases.Filter) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("category", f.Category)
	set("topic", f.Topic)
	set("applicant", string(f.Applicant))
	set("channel", string(f.Channel))
	set("q", f.Query)
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	if len(v) == 0 {
		return "/catalog"
	}
	return "/catalog?" + v.Encode()
}

// catalogList is the service catalog (服务清单) with its filters and pages.
func (s *handler) catalogList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cats, err := s.Catalog.Categories(ctx)
	if err != nil {
		return err
	}
	f, topic, err := s.catalogFilter(r, cats)
	if err != nil {
		return err
	}
	items, total, err := s.Catalog.List(ctx, f)
	if err != nil {
		return err
	}
	f = f.Normalized(total)
	d := catalogData{
		Filter: f, Topic: topic, Categories: cats, Items: items, Total: total,
		Pages:    cases.Pages(total, f.PerPage),
		Filtered: f.Category != "" || f.Topic != "" || f.Applicant != "" || f.Channel != "" || f.Query != "",
	}
	d.Pager = web.NewPager(f.Page, d.Pages, func(n int) string { g := f; g.Page = n; return catalogURL(g) })
	if topic != nil {
		g := f
		g.Topic, g.Page = "", 1
		d.ClearTopic = catalogURL(g)
	}

	nav := "catalog"
	d.Heading = "服务清单"
	switch {
	case topic != nil && topic.Kind == cases.TopicPersona:
		d.Heading, nav = "我是"+topic.Name, "themes"
	case topic != nil:
		d.Heading, nav = "主题服务："+topic.Name, "themes"
	case f.Applicant == cases.ApplicantPerson && f.Category == "" && f.Channel == "" && f.Query == "":
		d.Heading, nav = "个人办事", "person"
	case f.Applicant == cases.ApplicantUnit && f.Category == "" && f.Channel == "" && f.Query == "":
		d.Heading, nav = "单位办事", "unit"
	}
	return s.Render(w, r, http.StatusOK, "catalog", d.Heading, nav, d)
}

// itemData is what the item page shows.
type itemData struct {
	Item  cases.Item
	Back  string // the catalog filtered by the item's category
	Login string // where "登录后在线办理" leads
	// PersonLogin is the personal login returning to the item, for the persons'
	// note of an item both persons and units apply for.
	PersonLogin string
	// NotGranted is why the unit session this browser has may not handle the item
	// (an agent whose grant does not include it): the page says so instead of
	// offering a button that leads to a refusal. "" otherwise.
	NotGranted string
}

// catalogItem is one business item: materials, deadlines, visits and how to apply.
func (s *handler) catalogItem(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Catalog.Get(r.Context(), r.PathValue("code"))
	if errors.Is(err, cases.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, "您查找的事项不存在，请在服务清单中查找。")
	}
	if err != nil {
		return err
	}
	// Persons sign in to their account and come back to the item.
	personLogin := "/login?tab=person&next=" + url.QueryEscape("/catalog/"+it.Code)
	d := itemData{Item: it, Back: catalogURL(cases.Filter{Category: it.Category}), Login: personLogin, PersonLogin: personLogin}
	if it.Applicant == cases.ApplicantUnit || it.Applicant == cases.ApplicantBoth {
		// The unit's business entry: the unit login first, then the authorization
		// check of businessBusiness.
		d.Login = "/unit/items/" + url.PathEscape(it.Code)
		if v := web.VisitorFrom(r.Context()); v.SignedIn() && v.Unit != nil && v.Membership != nil && v.Session != nil {
			var denial *delegation.Denial
			err := s.Delegation.AuthorizeMembership(r.Context(), *v.Membership, v.Unit.ID, unit.Role(v.Session.Subject.Role), it.Code)
			switch {
			case errors.As(err, &denial) && denial.Reason == delegation.ReasonOutOfScope:
				d.NotGranted = denial.Msg
			case err != nil && denial == nil:
				return err
			}
		}
	}
	return s.Render(w, r, http.StatusOK, "item", it.Name, "catalog", d)
}
