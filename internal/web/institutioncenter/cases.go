package institutioncenter

import (
	"errors"
	"net/http"
	"strconv"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/web"
)

// perPage is how many cases a page of the list shows.
const perPage = 20

// guard is RequireInstitution with the first sign-in's rule: until the operator
// has replaced the password the unit gave, every page leads to 修改密码.
func (h *handler) guard(next web.HandlerFunc) web.HandlerFunc {
	return h.RequireInstitution(func(w http.ResponseWriter, r *http.Request) error {
		if web.VisitorFrom(r.Context()).Institution.MustChangePassword {
			http.Redirect(w, r, "/institution/password", http.StatusSeeOther)
			return nil
		}
		return next(w, r)
	})
}

// homePage is GET /institution/: the institution and its cases.
type homePage struct {
	Institution *institution.Institution
	Operator    string // masked name
	Notice      string
	Cases       []cases.Case
	Total       int
	Pager       web.Pager
}

func (h *handler) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list, total, err := h.Cases.InstitutionCases(ctx, v.Institution.ID, cases.CaseFilter{Page: page, PerPage: perPage})
	if err != nil {
		return err
	}
	pages := max(cases.Pages(total, perPage), 1)
	if page > pages {
		return h.NotFound(w, r)
	}
	d := homePage{Institution: v.Institution, Operator: ident.MaskName(v.Institution.OperatorName), Cases: list, Total: total,
		Pager: web.NewPager(page, pages, func(n int) string { return "/institution/?page=" + strconv.Itoa(n) })}
	if r.URL.Query().Get("notice") == "password" {
		d.Notice = "密码已修改，请牢记新密码。"
	}
	d.Pager.Label = "办件分页"
	return h.Render(w, r, http.StatusOK, "institution-home", "机构用户中心", "", d)
}

// casePage is one of the institution's cases with its timeline.
type casePage struct {
	Institution *institution.Institution
	Case        cases.Case
	Events      []cases.Event
}

func (h *handler) caseShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return h.NotFound(w, r)
	}
	c, events, err := h.Cases.InstitutionCase(ctx, v.Institution.ID, id)
	if errors.Is(err, cases.ErrCaseNotFound) {
		// Another institution's case, or the unit's own, is none of this one's.
		return h.NotFound(w, r)
	}
	if err != nil {
		return err
	}
	return h.Render(w, r, http.StatusOK, "institution-case", "办件详情", "", casePage{Institution: v.Institution, Case: c, Events: events})
}
