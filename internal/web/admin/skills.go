package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/ident"
	"hall/internal/skills"
	"hall/internal/staff"
	"hall/internal/web"
)

// 职业技能等级认定 (U8 seen from the back office): a clerk opens a plan for a unit
// (新建认定计划), whose candidates the unit enters on its workbench; the submitted
// plans wait in the reviewers' queue; a reviewer who did not open a plan approves
// it (审核通过) or returns it with a reason (退回). skills.Service authorizes
// every command again and audits it.

// skillsPage is the list of plans.
type skillsPage struct {
	State  skills.State // "" for every state
	States []skills.State
	Plans  []skills.Plan
	Pager  web.Pager
	// Create: the actor may open plans (新建认定计划).
	Create bool
}

var skillStates = []skills.State{skills.StateSubmitted, skills.StateEntry, skills.StateReturned, skills.StateApproved}

// skillsList is GET /admin/skills/: ?state= (every state by default, newest plan
// first; the submitted ones oldest submission first), a page at a time (pageStart).
func (h *handler) skillsList(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	st := skills.State(r.URL.Query().Get("state"))
	if st.Label() == "" {
		st = ""
	}
	after, back := pageStart(r)
	list, err := h.Skills.Queue(r.Context(), sr.actor, skills.QueueFilter{State: st, After: after, Back: back, PerPage: perPage})
	if err != nil {
		return refused(err)
	}
	pager := keysetPager("/admin/skills/", url.Values{"state": {string(st)}}, list.Prev, list.Next)
	return h.Render(w, r, http.StatusOK, "admin-skills", "职业技能等级认定", "skills", skillsPage{State: st, States: skillStates,
		Plans: list.Rows, Pager: pager, Create: allow(sr.actor, staff.ActionSkillCreate) == nil})
}

// skillNewPage is the form of a new plan.
type skillNewPage struct {
	Form *web.Form
}

// LevelField is the level select.
func (p skillNewPage) LevelField() web.Field {
	var opts []string
	for _, l := range skills.Levels {
		opts = append(opts, strconv.Itoa(l), skills.LevelLabel(l))
	}
	return p.Form.Field(skills.FieldLevel, "等级", "select", opts...)
}

// skillNewShow is GET /admin/skills/new.
func (h *handler) skillNewShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.Render(w, r, http.StatusOK, "admin-skill-new", "新建认定计划", "skills", skillNewPage{Form: web.NewForm(nil)})
}

// skillNewPost is POST /admin/skills/new: opens the plan and shows it.
func (h *handler) skillNewPost(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	level, _ := strconv.Atoi(r.PostFormValue(skills.FieldLevel))
	p, err := h.Skills.CreatePlan(r.Context(), sr.actor, skills.PlanDraft{UnitUSCC: r.PostFormValue(skills.FieldUnit),
		Name: r.PostFormValue(skills.FieldName), Occupation: r.PostFormValue(skills.FieldOccupation), Level: level,
		ExamDate: r.PostFormValue(skills.FieldExamDate)})
	if err == nil {
		http.Redirect(w, r, "/admin/skills/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
		return nil
	}
	f := web.NewForm(r)
	var (
		se *skills.Error
		fe *ident.FieldError
	)
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &se):
		f.Fail(se.Field, se.Msg)
	case errors.As(err, &fe):
		f.Fail(skills.FieldUnit, fe.Msg)
	case errors.Is(err, staff.ErrForbidden):
		f.Top, status = staff.Message(err), http.StatusForbidden
	default:
		return err
	}
	return h.Render(w, r, status, "admin-skill-new", "新建认定计划", "skills", skillNewPage{Form: f})
}

// skillPage is one plan in the back office.
type skillPage struct {
	Plan       skills.Plan
	Candidates []skillCandidateRow
	Pager      web.Pager
	// Review: the plan waits and the actor may review (the domain still refuses
	// the plan's creator).
	Review bool
	Decide *web.Form
}

type skillCandidateRow struct {
	Name, IDNumber, Mobile string
}

// Version is the plan's version as the decision forms carry it back.
func (p skillPage) Version() string { return strconv.FormatInt(p.Plan.Version, 10) }

// skillShow is GET /admin/skills/{id}.
func (h *handler) skillShow(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	return h.renderSkill(w, r, sr, http.StatusOK, web.NewForm(nil))
}

func (h *handler) renderSkill(w http.ResponseWriter, r *http.Request, sr staffRequest, status int, decide *web.Form) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p, cs, err := h.Skills.StaffPlan(r.Context(), sr.actor, id, page)
	if errors.Is(err, skills.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
	}
	if err != nil {
		return refused(err)
	}
	d := skillPage{Plan: p, Decide: decide,
		Review: p.State == skills.StateSubmitted && mayReview(sr.actor, p)}
	for _, c := range cs {
		row := skillCandidateRow{Name: c.Name, IDNumber: ident.MaskID(c.IDNumber), Mobile: ident.MaskMobile(c.Mobile)}
		if c.Unreadable {
			row = skillCandidateRow{Name: skills.UnreadableName, IDNumber: "—"}
		}
		d.Candidates = append(d.Candidates, row)
	}
	pages := skills.Pages(p.Candidates, skills.PerPage)
	d.Pager = web.NewPager(min(max(page, 1), pages), pages, func(n int) string {
		return "/admin/skills/" + strconv.FormatInt(p.ID, 10) + "?page=" + strconv.Itoa(n)
	})
	return h.Render(w, r, status, "admin-skill", p.Name, "skills", d)
}

// skillDecide is POST /admin/skills/{id}/approve or /return.
func (h *handler) skillDecide(approve bool) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
		}
		seen, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		reason := r.PostFormValue("reason")
		if approve {
			_, err = h.Skills.Approve(r.Context(), sr.actor, id, seen, reason)
		} else {
			_, err = h.Skills.Return(r.Context(), sr.actor, id, seen, reason)
		}
		if err == nil {
			http.Redirect(w, r, "/admin/skills/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return nil
		}
		if errors.Is(err, skills.ErrNotFound) {
			return web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
		}
		f := web.NewForm(r)
		var se *skills.Error
		status := http.StatusUnprocessableEntity
		switch {
		case errors.As(err, &se) && se.Field != "":
			f.Fail(se.Field, se.Msg)
		case errors.As(err, &se):
			f.Top, status = se.Msg, http.StatusConflict
		case errors.Is(err, staff.ErrForbidden):
			f.Top, status = staff.Message(err), http.StatusForbidden
		case errors.Is(err, staff.ErrReasonRequired), errors.Is(err, staff.ErrReasonTooLong):
			f.Fail("reason", staff.Message(err))
		default:
			return err
		}
		return h.renderSkill(w, r, sr, status, f)
	}
}

// mayReview is whether the actor may decide plan p: the reviewer's role, and not
// the plan's creator (a clerk who is also a reviewer sees no buttons that would
// only be refused).
func mayReview(actor staff.Actor, p skills.Plan) bool {
	_, err := staff.Authorize(actor, staff.ActionSkillReview, staff.Subject{StaffID: p.CreatedBy})
	return err == nil
}
