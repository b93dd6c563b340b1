package unitcenter

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/rights"
	"hall/internal/web"
)

// 单位权益单 (SPEC U3): GET /unit/rights shows the form (period and insurance types)
// and the unit's earlier records; POST /unit/rights issues one and goes back to
// the list with its 下载 link (post/redirect/get: reloading the list does not issue
// another); GET /unit/rights/{id}/file downloads a record as issued, while its file
// is kept (rights.Rules.FileKeepMonths after the validity; then the list says so
// instead of linking it, and the download answers 410). Every route
// passes businessItem(rights.ItemCode): the legal rep and admin always, an agent
// only with the grant.

// rightsPerPage is the number of records a page of the list shows.
const rightsPerPage = 20

// rightsTypeOption is one insurance-type checkbox.
type rightsTypeOption struct {
	Code, Label string
	Checked     bool
}

// rightsRow is one record of the list.
type rightsRow struct {
	rights.Record
	Issuer  string // masked
	FileURL string // empty once the file is no longer kept
	Counts  string // "企业基本养老保险 12人；工伤保险 12人"
}

// rightsData is the template data of the 单位权益单 page.
type rightsData struct {
	Shell     web.UnitShell
	Form      *web.Form
	Types     []rightsTypeOption
	TypesErr  string
	MaxMonths int
	Keeping   string // how long a file is kept after the validity (fileKeeping)
	ThisMonth string // the inputs' max
	Issued    *rightsRow
	Rows      []rightsRow
	Next      string // the next (older) page of the list
	First     string // back to the newest, when not on it
}

// MsgRightsBusy is the form's answer when the hall is building as many records
// as it may at once (rights.ErrBusy).
const MsgRightsBusy = "当前生成权益单的人数较多，本次未生成，请稍后再点一次“生成权益单”。"

// fileKeeping says how long a record's file is kept once its validity ends
// (rights.Rules.FileKeepMonths; 0 means not at all).
func fileKeeping(months int) string {
	if months == 0 {
		return "有效期满后即删除"
	}
	return fmt.Sprintf("有效期满后再保存%d个月", months)
}

// rightsShow is GET /unit/rights.
func (s *handler) rightsShow(w http.ResponseWriter, r *http.Request) error {
	return s.rightsRender(w, r, http.StatusOK, web.NewForm(r))
}

// rightsIssue is POST /unit/rights: a refused form comes back with the messages
// beside its fields (422); an issued record goes to the list.
func (s *handler) rightsIssue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	f := web.NewForm(r)
	rec, _, err := s.Rights.Issue(ctx, v.Unit.ID, rights.Actor{PersonID: v.Person.ID, ClientIP: web.ClientAddr(r),
		RequestID: web.RequestID(ctx)}, rights.Form{From: f.Get(rights.FieldFrom), To: f.Get(rights.FieldTo), Types: r.PostForm[rights.FieldTypes]})
	var fe *rights.FormError
	switch {
	case errors.As(err, &fe):
		fields, top := fe.Messages()
		for k, msg := range fields {
			f.Fail(k, msg)
		}
		f.Top = top
		return s.rightsRender(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, rights.ErrBusy):
		// The choice stays on the form: asking again is one click.
		w.Header().Set("Retry-After", "5")
		f.Top = MsgRightsBusy
		return s.rightsRender(w, r, http.StatusServiceUnavailable, f)
	case errors.Is(err, rights.ErrNotMember):
		return web.StatusError(http.StatusForbidden, "您已不在本单位任职，不能生成权益单。")
	case errors.Is(err, rights.ErrSigner):
		s.Log.ErrorContext(ctx, "rights record signing", "err", err, "request_id", web.RequestID(ctx))
		return web.StatusError(http.StatusServiceUnavailable, "电子印章暂不可用，权益单未能生成，请稍后再试。")
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/unit/rights?issued="+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
	return nil
}

// rightsRender draws the page: the form f, the unit's types, and the page of
// records before the ?before= cursor; ?issued= names a record just issued.
func (s *handler) rightsRender(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	sh, err := s.UnitShellFor(ctx, "rights")
	if err != nil {
		return err
	}
	types, err := s.Rights.Types(ctx, v.Unit.USCC)
	if err != nil {
		return err
	}
	rules := s.Rights.Rules()
	d := rightsData{Shell: sh, Form: f, TypesErr: f.Errors[rights.FieldTypes], MaxMonths: rules.MaxMonths,
		Keeping: fileKeeping(rules.FileKeepMonths), ThisMonth: insurance.MonthOf(s.Now().In(web.Shanghai)).String()}
	chosen := map[string]bool{}
	for _, t := range f.Values[rights.FieldTypes] {
		chosen[t] = true
	}
	for _, t := range types {
		// A first visit offers every type ticked: most units want them all.
		d.Types = append(d.Types, rightsTypeOption{Code: string(t), Label: t.Label(),
			Checked: chosen[string(t)] || r.Method == http.MethodGet})
	}
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	recs, err := s.Rights.List(ctx, v.Unit.ID, max(before, 0), rightsPerPage+1)
	if err != nil {
		return err
	}
	if len(recs) > rightsPerPage {
		recs = recs[:rightsPerPage]
		d.Next = "/unit/rights?before=" + strconv.FormatInt(recs[len(recs)-1].ID, 10)
	}
	if before > 0 {
		d.First = "/unit/rights"
	}
	for _, rec := range recs {
		d.Rows = append(d.Rows, rightsRowOf(rec))
	}
	if id, err := strconv.ParseInt(q.Get("issued"), 10, 64); err == nil && r.Method == http.MethodGet {
		if rec, err := s.Rights.Get(ctx, v.Unit.ID, id); err == nil {
			row := rightsRowOf(rec)
			d.Issued = &row
		}
	}
	return s.Render(w, r, status, "unit-rights", "单位权益单", "", d)
}

func rightsRowOf(rec rights.Record) rightsRow {
	counts := make([]string, len(rec.Counts))
	for i, c := range rec.Counts {
		counts[i] = fmt.Sprintf("%s %d人", c.Type.Label(), c.Persons)
	}
	row := rightsRow{Record: rec, Issuer: ident.MaskName(rec.IssuerName), Counts: strings.Join(counts, "；")}
	if rec.FileKept() {
		row.FileURL = rightsFileURL(rec.ID)
	}
	return row
}

// rightsFileURL is the download of a record's file.
func rightsFileURL(id int64) string { return "/unit/rights/" + strconv.FormatInt(id, 10) + "/file" }

// rightsFile is GET /unit/rights/{id}/file: the signed PDF as issued, as an
// attachment. A record of another unit is not found; one whose file is no longer
// kept is 410 Gone, saying so (an old bookmark, or a list shown before the sweep).
func (s *handler) rightsFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.StatusError(http.StatusNotFound, "未找到该权益单。")
	}
	rec, pdf, err := s.Rights.File(ctx, v.Unit.ID, id)
	if errors.Is(err, rights.ErrNotFound) {
		return web.StatusError(http.StatusNotFound, "未找到该权益单。")
	}
	if errors.Is(err, rights.ErrFileRemoved) {
		return web.StatusError(http.StatusGone, "该权益单的文件已过保存期限（"+fileKeeping(s.Rights.Rules().FileKeepMonths)+
			"），系统已不再保存，无法下载。如需权益单，请重新生成。")
	}
	if err != nil {
		return err
	}
	name := fmt.Sprintf("社会保险权益记录单_%s_%s至%s.pdf", rec.UnitName, rec.From, rec.To)
	ascii := fmt.Sprintf("rights-record-%s-%s.pdf", rec.From, rec.To)
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", attachmentDisposition(ascii, name))
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(pdf)
	return err
}

// attachmentDisposition is a Content-Disposition header for a download named name
// (RFC 6266): filename* carries the name in UTF-8, percent-encoded (RFC 8187), for
// every current browser, and filename an ASCII fallback for older ones.
func attachmentDisposition(ascii, name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + b.String()
}
