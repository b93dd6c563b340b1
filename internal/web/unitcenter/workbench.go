package unitcenter

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/skills"
	"hall/internal/unit"
	"hall/internal/web"
)

// 我的工作台 (U8): the tasks in which the unit takes part as a data provider —
// 职业技能等级认定 plans a clerk opened for it, whose candidates it enters (考生录入)
// and submits for review. GET /unit/workbench lists them in three tabs (待办, 已办,
// 合并待办) with SPEC's columns; GET /unit/workbench/plans/{id} is one plan with
// its candidates. Every usable unit session reads them; entering, removing,
// importing and submitting are the business of skills.ItemCode (businessItem
// here, and skills.Service asks the delegation check again inside each write).

const workbenchPath = "/unit/workbench"

// workbenchTabs are the tabs in SPEC's order.
var workbenchTabs = []struct {
	Key   skills.Tab
	Label string
}{{skills.TabTodo, "待办"}, {skills.TabDone, "已办"}, {skills.TabMerged, "合并待办"}}

// workbenchData is the template data of 我的工作台.
type workbenchData struct {
	Shell  web.UnitShell
	Tab    skills.Tab
	Tabs   []workbenchTab
	Plans  []skills.Plan
	Merged []skills.MergedTask
	Total  int
	Pager  web.Pager
}

type workbenchTab struct {
	Label, Path string
	Current     bool
}

// workbenchShow is GET /unit/workbench (UnitCenterGuard).
func (s *handler) workbenchShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	sh, err := s.UnitShellFor(ctx, "workbench")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := workbenchData{Shell: sh, Tab: skills.TabTodo}
	for _, t := range workbenchTabs {
		if string(t.Key) == q.Get("tab") {
			d.Tab = t.Key
		}
	}
	for _, t := range workbenchTabs {
		d.Tabs = append(d.Tabs, workbenchTab{Label: t.Label, Path: workbenchPath + "?tab=" + string(t.Key), Current: t.Key == d.Tab})
	}
	if d.Tab == skills.TabMerged {
		if d.Merged, err = s.Skills.Merged(ctx, v.Unit.ID); err != nil {
			return err
		}
		return s.Render(w, r, http.StatusOK, "unit-workbench", "我的工作台", "", d)
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if d.Plans, d.Total, err = s.Skills.Tasks(ctx, v.Unit.ID, d.Tab, page, skills.PerPage); err != nil {
		return err
	}
	pages := skills.Pages(d.Total, skills.PerPage)
	d.Pager = web.NewPager(min(max(page, 1), pages), pages, func(n int) string {
		return workbenchPath + "?" + url.Values{"tab": {string(d.Tab)}, "page": {strconv.Itoa(n)}}.Encode()
	})
	d.Pager.Label = "工作台分页"
	return s.Render(w, r, http.StatusOK, "unit-workbench", "我的工作台", "", d)
}

// workbenchNotices are the messages after a step (?notice=…); only these keys are known.
var workbenchNotices = map[string]string{
	"added":     "已录入该考生。",
	"removed":   "已从名单中移除该考生。",
	"imported":  "已按文件导入考生名单。",
	"submitted": "已提交审核，可在“已办”中查看审核进度。",
}

// planData is the template data of one plan.
type planData struct {
	Shell      web.UnitShell
	Plan       skills.Plan
	Candidates []candidateRow
	Pager      web.Pager
	// CanAct: the session may do skills.ItemCode; DeniedNote says why not.
	CanAct     bool
	DeniedNote string
	Notice     string
	Form       *web.Form
	Person     web.Field
	IDNumber   web.Field
	Mobile     web.Field
	// ImportErrors are the refused lines of an uploaded file; ImportTop the
	// message above them.
	ImportTop    string
	ImportErrors []skills.LineError
	ImportMore   int
	// PageError is a refusal shown above the page: of a submission, or of any
	// step on a plan no longer open (whose forms are gone).
	PageError string
	MaxKB     int
	MaxLines  int
}

// candidateRow is a candidate as the list shows it: the ID number and mobile masked.
type candidateRow struct {
	ID             int64
	Name, IDNumber string
	Mobile         string
}

// workbenchPlanShow is GET /unit/workbench/plans/{id} (UnitCenterGuard).
func (s *handler) workbenchPlanShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.planPage(r, web.NewForm(r))
	if err != nil {
		return err
	}
	d.Notice = workbenchNotices[r.URL.Query().Get("notice")]
	return s.Render(w, r, http.StatusOK, "unit-workbench-plan", d.Plan.Name, "", d)
}

// planPage builds the plan page of r's {id} with form f (what was typed, and
// the refusals beside it).
func (s *handler) planPage(r *http.Request, f *web.Form) (*planData, error) {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p, cs, err := s.Skills.UnitPlan(ctx, v.Unit.ID, id, page)
	if errors.Is(err, skills.ErrNotFound) {
		return nil, web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
	}
	if err != nil {
		return nil, err
	}
	sh, err := s.UnitShellFor(ctx, "workbench")
	if err != nil {
		return nil, err
	}
	d := &planData{Shell: sh, Plan: p, Form: f, MaxKB: skills.MaxCSVBytes >> 10, MaxLines: skills.MaxCandidates,
		Person:   f.Field(skills.FieldPerson, "姓名", "text"),
		IDNumber: f.Field(skills.FieldIDNumber, "公民身份号码", "text", "18位，末位可为X"),
		Mobile:   f.Field(skills.FieldMobile, "手机号码", "tel", "选填")}
	d.Mobile.Required = false
	for _, c := range cs {
		row := candidateRow{ID: c.ID, Name: c.Name, IDNumber: ident.MaskID(c.IDNumber), Mobile: ident.MaskMobile(c.Mobile)}
		if c.Unreadable {
			// Listed so that it can be removed and the person entered again.
			row = candidateRow{ID: c.ID, Name: skills.UnreadableName, IDNumber: "—"}
		}
		d.Candidates = append(d.Candidates, row)
	}
	pages := skills.Pages(p.Candidates, skills.PerPage)
	d.Pager = web.NewPager(min(max(page, 1), pages), pages, func(n int) string {
		return planPath(p.ID) + "?page=" + strconv.Itoa(n)
	})
	d.Pager.Label = "考生名单分页"
	err = s.Delegation.AuthorizeMembership(ctx, *v.Membership, v.Unit.ID, unit.Role(v.Session.Subject.Role), skills.ItemCode)
	var denial *delegation.Denial
	switch {
	case errors.As(err, &denial):
		d.DeniedNote = denial.Msg
	case err != nil:
		return nil, err
	default:
		d.CanAct = true
	}
	return d, nil
}

func planPath(id int64) string { return workbenchPath + "/plans/" + strconv.FormatInt(id, 10) }

func skillsActor(r *http.Request) skills.Actor {
	v := web.VisitorFrom(r.Context())
	return skills.Actor{UnitID: v.Unit.ID, PersonID: v.Person.ID, Role: unit.Role(v.Session.Subject.Role),
		ClientIP: web.ClientAddr(r), RequestID: web.RequestID(r.Context())}
}

// workbenchAdd is POST /unit/workbench/plans/{id}/candidates (businessItem).
func (s *handler) workbenchAdd(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, web.MsgBadRequest)
	}
	f := web.NewForm(r)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	_, err := s.Skills.AddCandidate(r.Context(), skillsActor(r), id, skills.CandidateInput{
		Name: f.Get(skills.FieldPerson), IDNumber: f.Get(skills.FieldIDNumber), Mobile: f.Get(skills.FieldMobile)})
	return s.afterStep(w, r, f, id, "added", err, func(d *planData, e *skills.Error) {
		if e.Field != "" {
			f.Fail(e.Field, e.Msg)
		} else {
			f.Top = e.Msg
		}
	})
}

// workbenchRemove is POST /unit/workbench/plans/{id}/candidates/{candidate}/remove (businessItem).
func (s *handler) workbenchRemove(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	candidate, _ := strconv.ParseInt(r.PathValue("candidate"), 10, 64)
	err := s.Skills.RemoveCandidate(r.Context(), skillsActor(r), id, candidate)
	f := web.NewForm(nil)
	return s.afterStep(w, r, f, id, "removed", err, func(_ *planData, e *skills.Error) { f.Top = e.Msg })
}

// workbenchSubmit is POST /unit/workbench/plans/{id}/submit (businessItem).
func (s *handler) workbenchSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, web.MsgBadRequest)
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	seen, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	_, err := s.Skills.Submit(r.Context(), skillsActor(r), id, seen)
	return s.afterStep(w, r, web.NewForm(nil), id, "submitted", err, func(d *planData, e *skills.Error) { d.PageError = e.Msg })
}

// importBodyLimit bounds the upload: the file and the multipart framing.
const importBodyLimit = skills.MaxCSVBytes + 16<<10

// workbenchImport is POST /unit/workbench/plans/{id}/import (businessItem): a CSV
// file of candidates, all or nothing.
func (s *handler) workbenchImport(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f := web.NewForm(nil)
	tooLong := func(d *planData) { d.ImportTop = "文件超过" + strconv.Itoa(d.MaxKB) + " KB，请分批导入" }
	if web.Oversize(r) {
		// The declared length is over the limit (OversizeToHandler): the plan page
		// again with the message beside the upload, nothing read.
		return s.planRefused(w, r, f, tooLong)
	}
	// #nosec G120 -- the router reads every body through http.MaxBytesReader (importBodyLimit).
	err := r.ParseMultipartForm(importBodyLimit)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return s.planRefused(w, r, f, tooLong)
	}
	if err != nil {
		return s.planRefused(w, r, f, func(d *planData) { d.ImportTop = "请选择要导入的CSV文件" })
	}
	file, _, err := r.FormFile(skills.FieldFile)
	if err != nil {
		return s.planRefused(w, r, f, func(d *planData) { d.ImportTop = "请选择要导入的CSV文件" })
	}
	defer file.Close()
	_, err = s.Skills.ImportCandidates(r.Context(), skillsActor(r), id, file)
	var ie *skills.ImportError
	if errors.As(err, &ie) {
		return s.planRefused(w, r, f, func(d *planData) {
			if !d.Plan.State.Open() {
				// The file was read before the plan: it is closed now, its form gone.
				d.PageError = skills.ErrClosed.Msg
				return
			}
			d.ImportTop, d.ImportErrors, d.ImportMore = "文件未导入，请按以下提示修改后重新上传：", ie.Lines, ie.More
		})
	}
	return s.afterStep(w, r, f, id, "imported", err, func(d *planData, e *skills.Error) { d.ImportTop = e.Msg })
}

// afterStep ends a unit's step on plan id: back to the plan with notice, or the
// plan page again with the refusal placed by place (a skills refusal), a 403 for
// the delegation check's refusal, a 404 for another unit's plan.
func (s *handler) afterStep(w http.ResponseWriter, r *http.Request, f *web.Form, id int64, notice string, err error,
	place func(d *planData, e *skills.Error)) error {
	var (
		e      *skills.Error
		denial *delegation.Denial
	)
	switch {
	case err == nil:
		http.Redirect(w, r, planPath(id)+"?notice="+notice, http.StatusSeeOther)
		return nil
	case errors.Is(err, skills.ErrNotFound):
		return web.StatusError(http.StatusNotFound, skills.ErrNotFound.Msg)
	case errors.As(err, &denial):
		return web.StatusError(http.StatusForbidden, denial.Msg)
	case errors.As(err, &e):
		return s.planRefused(w, r, f, func(d *planData) {
			if !d.Plan.State.Open() || !d.CanAct {
				d.PageError = e.Msg
				return
			}
			place(d, e)
		})
	}
	return err
}

// planRefused renders the plan page again, 422, with what place adds.
func (s *handler) planRefused(w http.ResponseWriter, r *http.Request, f *web.Form, place func(d *planData)) error {
	d, err := s.planPage(r, f)
	if err != nil {
		return err
	}
	place(d)
	d.Person, d.IDNumber = f.Field(skills.FieldPerson, "姓名", "text"), f.Field(skills.FieldIDNumber, "公民身份号码", "text", "18位，末位可为X")
	d.Mobile = f.Field(skills.FieldMobile, "手机号码", "tel", "选填")
	d.Mobile.Required = false
	return s.Render(w, r, http.StatusUnprocessableEntity, "unit-workbench-plan", d.Plan.Name, "", d)
}
