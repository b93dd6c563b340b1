package unitcenter

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/scans"
	"hall/internal/web"
)

// 申请材料 of the online forms: the apply, correction and draft forms are sent as
// multipart with a file field per material the item's form declares
// (cases.FormMaterials). Each file sent is checked and stored at once
// (cases.Service.Attach) and the form carries its signed reference from then on,
// as a hidden field: a form that comes back with errors keeps the files already
// sent (a browser never refills a file input), and 保存草稿 keeps them too.

// maxMaterialMemory is how much of a multipart form is held in memory; the rest of
// a file goes to a temporary file until the request ends.
const maxMaterialMemory = 1 << 20

// materialBodyLimit bounds the forms with materials: a file per material, and as
// much again, so that a file somewhat over scans.MaxBytes is still read and
// refused beside its field rather than with an error page.
func materialBodyLimit() int64 {
	most := 0
	for _, code := range []string{cases.ItemEnrolment, cases.ItemLeave, cases.ItemSubsidy, cases.ItemUnitChange} {
		most = max(most, len(cases.FormMaterials(code)))
	}
	return int64(most+1)*scans.MaxBytes + materialFieldsMargin
}

// materialFieldsMargin is the part of materialBodyLimit left for the form's text
// fields and the multipart framing.
const materialFieldsMargin = 64 << 10

// errMaterialsTooLarge is materialForm's answer to a body over materialBodyLimit:
// the form it returns with it is to be shown again, with status 413, and nothing
// stored.
var errMaterialsTooLarge = errors.New("unitcenter: the form's body is over its limit")

// msgMaterialsTooLarge is the message beside the file fields of a form whose body
// is over materialBodyLimit; it says the limit in whole MB.
func msgMaterialsTooLarge() string {
	return fmt.Sprintf("上传的文件合计超过%dMB，请压缩或分开上传（每份不超过%dMB），并重新选择文件。",
		materialBodyLimit()>>20, scans.MaxBytes>>20)
}

// maxRecoveredValues bounds the text read back from a body over the limit: the
// hall's fields are short, and the limit leaves them materialFieldsMargin.
const maxRecoveredValues = materialFieldsMargin

// materialForm parses the form of r, multipart or not, and returns it with the
// files of the materials of itemCode stored and their references set (a refusal
// beside the material's field instead). Errors: errMaterialsTooLarge, with the
// form to show again (oversizeForm), for a body over the route's limit; a 400 page
// for a body that cannot be read; the Authorizer's refusal as a 403 page; storage
// failures.
func (s *handler) materialForm(r *http.Request, itemCode string) (*web.Form, error) {
	if web.Oversize(r) {
		return oversizeForm(r, itemCode), errMaterialsTooLarge
	}
	// #nosec G120 -- the router reads every body through http.MaxBytesReader (web.Server) before any handler runs.
	err := r.ParseMultipartForm(maxMaterialMemory)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		// A body without a declared length, read to the limit: its values went
		// with it, and the form comes back empty with the message.
		f := &web.Form{Values: url.Values{}, Errors: map[string]string{}}
		failMaterials(f, itemCode)
		return f, errMaterialsTooLarge
	case err != nil && !errors.Is(err, http.ErrNotMultipart):
		return nil, web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	if r.MultipartForm == nil {
		return f, nil
	}
	for _, m := range cases.FormMaterials(itemCode) {
		file, header, err := r.FormFile(materialFileField(m))
		if err != nil {
			continue // none sent: the reference carried, if any, stays
		}
		ref, err := s.Cases.Attach(r.Context(), caseActor(r), itemCode, m.Code, header.Filename, file)
		_ = file.Close() // read to the end or refused; the request's temporary file goes with it
		var fe *cases.FormError
		var d *delegation.Denial
		switch {
		case errors.As(err, &fe):
			for field, msg := range fe.Fields {
				f.Fail(field, msg)
			}
		case errors.As(err, &d):
			return nil, web.StatusError(http.StatusForbidden, d.Msg)
		case err != nil:
			return nil, err
		default:
			f.Values.Set(m.Field(), ref)
		}
	}
	return f, nil
}

// oversizeForm is the form of a multipart body declared over the route's limit
// (web.Oversize): the text values sent before the limit is reached, the files
// skipped and none stored, and the message beside every file field. Whatever
// cannot be read is left out: the form is shown again, never applied.
func oversizeForm(r *http.Request, itemCode string) *web.Form {
	f := &web.Form{Values: url.Values{}, Errors: map[string]string{}}
	failMaterials(f, itemCode)
	mr, err := r.MultipartReader()
	if err != nil {
		return f
	}
	budget := int64(maxRecoveredValues)
	for {
		part, err := mr.NextPart()
		if err != nil {
			return f // the end, or the limit: what was read stays
		}
		name := part.FormName()
		if part.FileName() != "" || name == "" || name == web.CSRFField {
			// A file is read past, never stored: the body's limit bounds it.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return f
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, budget+1))
		if err != nil || int64(len(value)) > budget {
			return f
		}
		budget -= int64(len(value))
		f.Values.Add(name, string(value))
	}
}

// failMaterials sets the message of a body over the limit beside every file field
// of the form of itemCode, and above the form.
func failMaterials(f *web.Form, itemCode string) {
	msg := msgMaterialsTooLarge()
	for _, m := range cases.FormMaterials(itemCode) {
		f.Fail(m.Field(), msg)
	}
	f.Top = msg
}

// materialFileField is the file input of material m; its reference travels in
// m.Field().
func materialFileField(m cases.FormMaterial) string { return "file_" + m.Code }

// materialBox is a material's part of the form.
type materialBox struct {
	cases.FormMaterial
	FileField string
	Types     string
	Error     string
	// Attached is the file sent with this form (or its draft), not yet filed.
	Attached *cases.Attachment
	Ref      string
	// Filed is the material the returned case holds, kept unless replaced.
	Filed *cases.CaseMaterial
}

// AttachedType is the attached file's type as the form names it.
func (b materialBox) AttachedType() string { return cases.TypeLabel(b.Attached.ContentType) }

// AttachedSize is the attached file's size as the form shows it.
func (b materialBox) AttachedSize() string { return cases.SizeText(b.Attached.Size) }

// materialBoxes are the material fields of the form of item code for the actor,
// with what is attached already; filed are the materials of the case corrected.
func (s *handler) materialBoxes(r *http.Request, code string, f *web.Form, filed []cases.CaseMaterial) []materialBox {
	attached := s.Cases.Attached(caseActor(r), code, f.Values)
	var out []materialBox
	for _, m := range cases.FormMaterials(code) {
		b := materialBox{FormMaterial: m, FileField: materialFileField(m), Types: cases.MaterialTypes, Error: f.Errors[m.Field()]}
		if a, ok := attached[m.Code]; ok {
			b.Attached, b.Ref = &a, f.Values.Get(m.Field())
		}
		for i := range filed {
			if filed[i].Code == m.Code {
				b.Filed = &filed[i]
			}
		}
		out = append(out, b)
	}
	return out
}

// caseMaterialDownload is GET /unit/cases/{id}/materials/{material}
// (UnitCenterGuard; cases.Service scopes by the unit and authorizes the case's
// item): the file as a download, never shown inline.
func (s *handler) caseMaterialDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	m, body, err := s.Cases.UnitMaterial(r.Context(), caseActor(r), id, r.PathValue("material"))
	var d *delegation.Denial
	switch {
	case errors.Is(err, cases.ErrCaseNotFound), errors.Is(err, cases.ErrMaterialNotFound):
		return web.StatusError(http.StatusNotFound, cases.ErrMaterialNotFound.Msg)
	case errors.As(err, &d):
		return web.StatusError(http.StatusForbidden, d.Msg)
	case err != nil:
		return err
	}
	return web.ServeAttachment(w, m.ContentType, "material-"+m.ID[:8]+web.FileExtension(m.ContentType), body)
}

// caseResultDownload is GET /unit/cases/{id}/result (UnitCenterGuard;
// cases.Service scopes by the unit, authorizes the case's item and audits): the
// approved case's result notice as a signed PDF download; not found before 办结.
func (s *handler) caseResultDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	}
	res, err := s.Cases.UnitResult(r.Context(), caseActor(r), id)
	var d *delegation.Denial
	switch {
	case errors.Is(err, cases.ErrCaseNotFound):
		return web.StatusError(http.StatusNotFound, cases.ErrCaseNotFound.Msg)
	case errors.Is(err, cases.ErrNoResult):
		return web.StatusError(http.StatusNotFound, cases.ErrNoResult.Msg)
	case errors.As(err, &d):
		return web.StatusError(http.StatusForbidden, d.Msg)
	case err != nil:
		return err
	}
	return s.ServeCaseResult(w, res)
}
