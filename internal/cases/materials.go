package cases

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/token"
	"hall/internal/unit"
)

// 申请材料: the documents an online form asks for besides its fields (the forms
// registry declares them per item, formType.materials). A file is checked and
// stored by the back office's scans store (internal/scans: PDF, JPEG or PNG by
// content, at most scans.MaxBytes, private under an opaque ID) the moment it is
// uploaded (Attach), and recorded in case_materials in the filing transaction.
//
// Between the two, the form carries a signed reference to the stored file
// (MaterialField) instead of the file: a form that comes back with errors — a
// wrong ID number, another material of the wrong type — keeps every file already
// sent without the browser sending it again (a browser never refills a file
// input), and a draft keeps its materials the same way, as one more form value.
// The reference is an HMAC over the file's ID, its checked facts, the unit, the
// person and the item, so a form cannot claim a file it did not upload nor move
// one to another unit, person, item or material. Every upload is counted against
// a budget per person and per unit before it is written, and a stored file that no
// case records and no draft holds is deleted MaterialRetention after its upload
// (uploads.go: material_uploads, SweepMaterials).

// FormMaterial is a document an item's form asks for.
type FormMaterial struct {
	Code     string // the key of the material within its item, in case_materials.code
	Label    string // the document's Chinese name, shown beside its file field
	Required bool
}

// Field is the form field that carries the material's reference, and the field a
// refusal about it is shown beside.
func (m FormMaterial) Field() string { return "material_" + m.Code }

// MaterialTypes is the list of the accepted types, as the form tells them.
const MaterialTypes = "PDF、JPG或PNG格式，不超过10MB"

// FormMaterials are the documents the online form of itemCode asks for, in the order
// the form shows them; nil for an item without one.
func FormMaterials(itemCode string) []FormMaterial { return formTypes[itemCode].materials }

// Refusals about materials, beside the material's field.
const (
	msgMaterialMissing = "请上传%s"
	msgMaterialExpired = "已上传的文件已失效，请重新选择文件上传"
	msgMaterialUsed    = "该文件已随其他办件提交，请重新选择文件上传"
)

// Attachment is a material's file stored by Attach and not yet recorded, as its
// signed reference says.
type Attachment struct {
	ID          string `json:"i"`
	Code        string `json:"c"`
	Name        string `json:"n"`
	ContentType string `json:"t"`
	Size        int64  `json:"s"`
	SHA256      string `json:"h"`
	UnitID      int64  `json:"u"`
	PersonID    int64  `json:"p"`
	ItemCode    string `json:"m"`
}

// Attach checks and stores the file of material code of itemCode, uploaded by the
// actor, and returns the reference the form carries in the material's Field. Only
// someone who may apply for the item stores files (the Authorizer, a refusal
// audited).
//
// The upload is counted against the person's and the unit's UploadBudget before
// its file is written (uploads.go).
//
// Errors: ErrNotOnline (no such item or material); the Authorizer's refusal; an
// *UploadLimitError (also a *FormError beside the material's field) over the
// budget, recorded as "case.attach" denied; a *FormError beside the material's
// field (scans' refusals: type, size, damage, name); file-system or database
// failures.
func (s *Service) Attach(ctx context.Context, who Actor, itemCode, code, name string, body io.Reader) (string, error) {
	m, ok := materialOf(itemCode, code)
	if !ok {
		return "", ErrNotOnline
	}
	if err := s.authorizeUnit(ctx, who, itemCode, "case.attach", "item:"+itemCode); err != nil {
		return "", err
	}
	// The file is read before anything is written, and counted against the
	// upload budget (uploads.go) if it may be stored at all: an empty or
	// oversized one is refused by the scans store below without counting.
	b, err := io.ReadAll(io.LimitReader(body, scans.MaxBytes+1))
	if err != nil {
		return "", fmt.Errorf("cases: read upload: %w", err)
	}
	var id string
	if len(b) > 0 && len(b) <= scans.MaxBytes {
		id = token.New()
		if err := s.reserveUpload(ctx, who, itemCode, m, id, int64(len(b))); err != nil {
			return "", err
		}
	}
	// The scans store knows its own kinds of document; a material is 其他材料 to
	// it, and case_materials.code says which one it is.
	st, err := s.d.Files.Put(scans.Upload{Kind: scans.KindOther, Owner: scans.OwnerCaseMaterial, ID: id, Name: name,
		Body: bytes.NewReader(b)})
	if err != nil && id != "" {
		s.giveBackUpload(ctx, id)
	}
	if msg := scans.Message(err); msg != "" {
		fe := &FormError{}
		fe.Add(m.Field(), msg)
		return "", fe
	}
	if err != nil {
		return "", err
	}
	a := Attachment{ID: st.ID, Code: code, Name: st.Name, ContentType: st.ContentType, Size: st.Size, SHA256: st.SHA256,
		UnitID: who.UnitID, PersonID: who.PersonID, ItemCode: itemCode}
	return s.signAttachment(a)
}

func materialOf(itemCode, code string) (FormMaterial, bool) {
	for _, m := range FormMaterials(itemCode) {
		if m.Code == code {
			return m, true
		}
	}
	return FormMaterial{}, false
}

// attachmentKey is the HMAC key of references, apart from EmployeeKey's uses.
func (s *Service) attachmentKey() []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte("case-material-reference"))
	return mac.Sum(nil)
}

func (s *Service) signAttachment(a Attachment) (string, error) {
	payload, err := json.Marshal(a)
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.attachmentKey())
	mac.Write([]byte(p))
	return p + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// attachment reads a reference of material code of itemCode for the actor; ok is
// false for anything not signed by this hall for exactly them.
func (s *Service) attachment(who Actor, itemCode, code, ref string) (Attachment, bool) {
	p, sig, found := strings.Cut(ref, ".")
	if !found || len(ref) > 2048 {
		return Attachment{}, false
	}
	// Strict: one encoding per signature, so that no other spelling of it (the
	// last character's unused bits set) passes.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil {
		return Attachment{}, false
	}
	mac := hmac.New(sha256.New, s.attachmentKey())
	mac.Write([]byte(p))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return Attachment{}, false
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(p)
	if err != nil {
		return Attachment{}, false
	}
	var a Attachment
	if json.Unmarshal(payload, &a) != nil || a.UnitID != who.UnitID || a.PersonID != who.PersonID ||
		a.ItemCode != itemCode || a.Code != code {
		return Attachment{}, false
	}
	return a, true
}

// Attached are the materials of itemCode whose valid references the form v
// carries, by code, for the page to show as already uploaded.
func (s *Service) Attached(who Actor, itemCode string, v url.Values) map[string]Attachment {
	out := map[string]Attachment{}
	for _, m := range FormMaterials(itemCode) {
		if a, ok := s.attachment(who, itemCode, m.Code, strings.TrimSpace(v.Get(m.Field()))); ok {
			out[m.Code] = a
		}
	}
	return out
}

// CheckMaterials checks the materials of the form v of itemCode, as Apply does:
// have are the codes the case holds already (a correction keeps them). Errors: a
// *FormError beside each material missing or whose reference is not valid.
func (s *Service) CheckMaterials(who Actor, itemCode string, v url.Values, have map[string]bool) error {
	_, fe := s.checkMaterials(who, itemCode, v, have)
	return fe.OrNil()
}

func (s *Service) checkMaterials(who Actor, itemCode string, v url.Values, have map[string]bool) ([]Attachment, *FormError) {
	fe := &FormError{}
	var out []Attachment
	for _, m := range FormMaterials(itemCode) {
		ref := strings.TrimSpace(v.Get(m.Field()))
		switch a, ok := s.attachment(who, itemCode, m.Code, ref); {
		case ok:
			out = append(out, a)
		case ref != "":
			fe.Add(m.Field(), msgMaterialExpired)
		case m.Required && !have[m.Code]:
			fe.Add(m.Field(), fmt.Sprintf(msgMaterialMissing, m.Label))
		}
	}
	return out, fe
}

// withMaterials joins the refusal of a form's fields (err, from check) and of its
// materials, so that every message shows at once.
func withMaterials(err error, materials *FormError) error {
	var fe *FormError
	switch {
	case err == nil:
		return materials.OrNil()
	case errors.As(err, &fe):
		for field, msg := range materials.Fields {
			fe.Add(field, msg)
		}
		return fe
	}
	return err
}

// recordMaterials records the attachments as materials of case c inside its
// filing or resubmitting transaction, each replacing the case's material of the
// same code, and marks their uploads filed; it returns the IDs of the files
// replaced, to remove once the transaction committed. Errors: a *FormError beside
// a material's field (filed with another case; swept); database failures.
func (s *Service) recordMaterials(ctx context.Context, tx *store.Tx, caseID, unitID, personID int64, as []Attachment, now time.Time) ([]string, error) {
	var replaced []string
	for _, a := range as {
		var old string
		switch err := tx.QueryRow(ctx, `SELECT id FROM case_materials WHERE case_id = ? AND code = ?`, caseID, a.Code).Scan(&old); {
		case err == nil:
			if _, err := tx.Exec(ctx, `DELETE FROM case_materials WHERE id = ?`, old); err != nil {
				return nil, fmt.Errorf("cases: replace material: %w", err)
			}
			if old != a.ID {
				// Its file is removed once this commits; its upload is marked swept
				// here, so that a form still carrying its reference is refused
				// (msgMaterialExpired) rather than filing a file that is gone.
				if _, err := tx.Exec(ctx, `UPDATE material_uploads SET swept_at = ? WHERE id = ?`, now, old); err != nil {
					return nil, fmt.Errorf("cases: replace material: %w", err)
				}
				replaced = append(replaced, old)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("cases: material: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO case_materials (id, case_id, unit_id, code, name, content_type, size, sha256,
			uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, caseID, unitID, a.Code, a.Name,
			a.ContentType, a.Size, a.SHA256, personID, now)
		if store.IsUniqueViolation(err) {
			// The file was filed with another case already (a form sent twice).
			fe := &FormError{}
			m, _ := materialOf(a.ItemCode, a.Code)
			fe.Add(m.Field(), msgMaterialUsed)
			return nil, fe
		}
		if err != nil {
			return nil, fmt.Errorf("cases: record material: %w", err)
		}
		// Marked filed in this transaction, the file is out of the sweep's reach
		// (uploads.go); a file already swept refuses the form.
		if err := s.fileUpload(ctx, tx, a, now); err != nil {
			return nil, err
		}
	}
	return replaced, nil
}

// CaseMaterial is a material recorded with a case.
type CaseMaterial struct {
	ID          string
	CaseID      int64
	UnitID      int64
	Code        string
	Label       string // the material's name in the item's form
	Name        string // the file name as uploaded (display only)
	ContentType string
	Size        int64
	UploadedAt  time.Time
	sha         string
}

// TypeLabel is the file's type as the pages name it.
func (m CaseMaterial) TypeLabel() string { return TypeLabel(m.ContentType) }

// SizeText is the file's size for the pages.
func (m CaseMaterial) SizeText() string { return SizeText(m.Size) }

// TypeLabel names a checked content type for the pages.
func TypeLabel(contentType string) string {
	switch contentType {
	case scans.TypePDF:
		return "PDF"
	case scans.TypeJPEG:
		return "JPG"
	case scans.TypePNG:
		return "PNG"
	}
	return contentType
}

// SizeText is a file size in KB (at least 1) or MB with one decimal.
func SizeText(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	}
	return strconv.FormatInt(max((n+1023)/1024, 1), 10) + " KB"
}

const materialColumns = `id, case_id, unit_id, code, name, content_type, size, sha256, uploaded_at`

func scanMaterial(r interface{ Scan(...any) error }, itemCode string) (CaseMaterial, error) {
	var m CaseMaterial
	err := r.Scan(&m.ID, &m.CaseID, &m.UnitID, &m.Code, &m.Name, &m.ContentType, &m.Size, &m.sha, &m.UploadedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseMaterial{}, ErrMaterialNotFound
	}
	if err != nil {
		return CaseMaterial{}, fmt.Errorf("cases: material: %w", err)
	}
	m.UploadedAt = m.UploadedAt.UTC()
	decl, _ := materialOf(itemCode, m.Code)
	m.Label = decl.Label
	return m, nil
}

// ErrMaterialNotFound: no such material of the case (or of the unit).
var ErrMaterialNotFound = &Error{"material_not_found", "未找到该申请材料"}

// CaseMaterials are the materials of case c, in the order its form declares them.
// The caller has read c for its unit (UnitCase) or as staff (StaffCase). The list
// is bounded by the item's declared materials (one row per code). Errors:
// database failures.
func (s *Service) CaseMaterials(ctx context.Context, c Case) ([]CaseMaterial, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT `+materialColumns+` FROM case_materials WHERE case_id = ? AND unit_id = ?`,
		c.ID, c.UnitID)
	if err != nil {
		return nil, fmt.Errorf("cases: materials: %w", err)
	}
	defer rows.Close()
	byCode := map[string]CaseMaterial{}
	for rows.Next() {
		m, err := scanMaterial(rows, c.ItemCode)
		if err != nil {
			return nil, err
		}
		byCode[m.Code] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]CaseMaterial, 0, len(byCode))
	for _, d := range FormMaterials(c.ItemCode) {
		if m, ok := byCode[d.Code]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// UnitMaterial is material id of case caseID of the actor's unit with its content,
// for someone who may handle the case's item (the Authorizer: an agent only with
// the grant), audited as "case.material.read". Serve it as a download.
//
// Errors: ErrCaseNotFound (also another unit's case); ErrMaterialNotFound; the
// Authorizer's refusal (recorded); scans.ErrTampered; file-system, database or
// audit failures.
func (s *Service) UnitMaterial(ctx context.Context, who Actor, caseID int64, id string) (CaseMaterial, []byte, error) {
	c, _, err := s.UnitCase(ctx, who.UnitID, caseID)
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	if err := s.authorizeUnit(ctx, who, c.ItemCode, "case.material.read", caseTarget(caseID)); err != nil {
		return CaseMaterial{}, nil, err
	}
	m, b, err := s.readMaterial(ctx, c, id)
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	detail := map[string]string{"number": c.Number, "material": m.Code}
	if _, err := s.d.Audit.Record(ctx, s.unitEntry(who, "case.material.read", caseID, c.ItemCode, detail)); err != nil {
		return CaseMaterial{}, nil, err
	}
	return m, b, nil
}

// StaffMaterial is material id of case caseID with its content, for staff who may
// process cases (staff.ActionCaseList: clerks and reviewers), audited as
// "case.material.read".
//
// Errors: a *staff.Denial (recorded); ErrCaseNotFound; ErrMaterialNotFound;
// scans.ErrTampered; file-system, database or audit failures.
func (s *Service) StaffMaterial(ctx context.Context, actor staff.Actor, caseID int64, id string) (CaseMaterial, []byte, error) {
	c, _, err := s.StaffCase(ctx, actor, caseID)
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	m, b, err := s.readMaterial(ctx, c, id)
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	// StaffCase authorized the fresh actor; this names the role the record says.
	role, err := staff.Authorize(actor, staff.ActionCaseList, staff.Subject{})
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	if _, err := s.d.Audit.Record(ctx, actor.Entry(role, "case.material.read", caseTarget(caseID), "",
		map[string]string{"number": c.Number, "material": m.Code, "unit": strconv.FormatInt(c.UnitID, 10)})); err != nil {
		return CaseMaterial{}, nil, err
	}
	return m, b, nil
}

// readMaterial reads material id of case c (scoped by the case and its unit) and
// its file, checked against the recorded SHA-256.
func (s *Service) readMaterial(ctx context.Context, c Case, id string) (CaseMaterial, []byte, error) {
	m, err := scanMaterial(s.d.DB.QueryRow(ctx, `SELECT `+materialColumns+` FROM case_materials
		WHERE id = ? AND case_id = ? AND unit_id = ?`, id, c.ID, c.UnitID), c.ItemCode)
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	b, err := s.d.Files.ReadStored(scans.OwnerCaseMaterial, m.ID, m.sha)
	if errors.Is(err, scans.ErrNotFound) {
		return CaseMaterial{}, nil, ErrMaterialNotFound
	}
	if err != nil {
		return CaseMaterial{}, nil, err
	}
	return m, b, nil
}

// unitEntry is the audit record of a unit's read outside a transaction.
func (s *Service) unitEntry(who Actor, action string, id int64, itemCode string, detail map[string]string) audit.Entry {
	detail["item"] = itemCode
	if who.Role == unit.RoleAgent {
		detail["grant"] = itemCode
	}
	return audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID, Role: string(who.Role), Action: action,
		Target: caseTarget(id), Result: audit.Success, ClientIP: who.ClientIP, RequestID: who.RequestID, Detail: detail}
}
