package cases

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/audit"
	"hall/internal/delegation"
	"hall/internal/scans"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestMaterialsDeclared: the registry asks each online form for its materials, the
// required ones as the items need them.
func TestMaterialsDeclared(t *testing.T) {
	for _, c := range []struct {
		item, label string
		required    bool
	}{
		{ItemSubsidy, "稳岗返还承诺书", true},
		{ItemLeave, "解除（终止）劳动合同证明", true},
		{ItemUnitChange, "变更证明材料", false},
		{ItemEnrolment, "劳动合同", false},
	} {
		ms := FormMaterials(c.item)
		if len(ms) != 1 || ms[0].Label != c.label || ms[0].Required != c.required || ms[0].Field() != "material_"+ms[0].Code {
			t.Errorf("%s: %+v", c.item, ms)
		}
	}
}

// TestMaterialRefusals: a required material missing, a reference that is not the
// actor's or was altered, and a file that is not a document are refused beside the
// material's field, with every other message of the form at once.
func TestMaterialRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		field := FormMaterials(ItemLeave)[0].Field()
		var fe *FormError
		_, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, leaveForm(f.employeeID(), "钱小二"))
		if !errors.As(err, &fe) || fe.Fields[field] != "请上传解除（终止）劳动合同证明" {
			t.Fatalf("missing required material: %v", err)
		}
		bad := leaveForm("123", "钱小二")
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, bad); !errors.As(err, &fe) || fe.Fields[field] == "" ||
			fe.Fields[FieldIDNumber] == "" {
			t.Fatalf("both messages at once: %v", err)
		}
		// A file that is not a PDF, JPEG or PNG is refused when it is uploaded.
		_, err = f.svc.Attach(f.ctx, f.repA, ItemLeave, "termination", "证明.pdf",
			strings.NewReader(strings.Repeat("<html><script>alert(1)</script></html>", 4)))
		if !errors.As(err, &fe) || fe.Fields[field] != "只能上传PDF、JPG或PNG格式的扫描件" {
			t.Fatalf("html as a material: %v", err)
		}
		// The agent granted 人员参保登记 only may not upload for 退工停保.
		if _, err := f.svc.Attach(f.ctx, f.agentA, ItemLeave, "termination", "a.pdf",
			bytes.NewReader(materialPDF())); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Fatalf("agent without the grant uploaded: %v", err)
		}
		// A reference belongs to the person, unit, item and material it was made for.
		ref, err := f.svc.Attach(f.ctx, f.repA, ItemEnrolment, "contract", "合同.pdf", bytes.NewReader(materialPDF()))
		if err != nil {
			t.Fatal(err)
		}
		contract := FormMaterials(ItemEnrolment)[0].Field()
		payload, sig, _ := strings.Cut(ref, ".")
		// other is a base64 character other than c.
		other := func(c byte) string {
			if c == 'A' {
				return "B"
			}
			return "A"
		}
		for name, c := range map[string]struct {
			who Actor
			ref string
		}{
			"another person":    {f.agentA, ref},
			"another unit":      {Actor{UnitID: f.unit.ID + 1, PersonID: f.rep.ID, Role: f.repA.Role}, ref},
			"altered signature": {f.repA, payload + "." + other(sig[0]) + sig[1:]},
			// The last character also carries bits no byte uses: another spelling
			// of the same signature is refused too (strict decoding).
			"signature's last character": {f.repA, payload + "." + sig[:len(sig)-1] + other(sig[len(sig)-1])},
			"no signature":               {f.repA, payload},
		} {
			v := form(f.employeeID())
			v.Set(contract, c.ref)
			if err := f.svc.CheckMaterials(c.who, ItemEnrolment, v, nil); !errors.As(err, &fe) ||
				fe.Fields[contract] != msgMaterialExpired {
				t.Errorf("%s: %v", name, err)
			}
		}
		v := form(f.employeeID())
		v.Set(contract, ref)
		if err := f.svc.CheckMaterials(f.repA, ItemEnrolment, v, nil); err != nil {
			t.Fatalf("own reference: %v", err)
		}
	})
}

// TestMaterialsStoredAndScoped: the material is recorded with the case in its
// filing; the unit's users who may handle the item read it, an agent without the
// grant and another unit do not, staff who process cases do (audited); a
// correction keeps the earlier material or replaces it.
func TestMaterialsStoredAndScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		ref, err := f.svc.Attach(f.ctx, f.repA, ItemEnrolment, "contract", "劳动合同.pdf", bytes.NewReader(materialPDF()))
		if err != nil {
			t.Fatal(err)
		}
		v := form(f.employeeID())
		v.Set("material_contract", ref)
		c, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, v)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := f.svc.CaseMaterials(f.ctx, c)
		if err != nil || len(ms) != 1 || ms[0].Name != "劳动合同.pdf" || ms[0].Label != "劳动合同" ||
			ms[0].TypeLabel() != "PDF" || ms[0].Size != int64(len(materialPDF())) || ms[0].UnitID != f.unit.ID {
			t.Fatalf("materials %+v, %v", ms, err)
		}
		first := ms[0].ID
		for name, who := range map[string]Actor{"legal rep": f.repA, "granted agent": f.agentA} {
			m, b, err := f.svc.UnitMaterial(f.ctx, who, c.ID, first)
			if err != nil || m.ContentType != "application/pdf" || !bytes.Equal(b, materialPDF()) {
				t.Errorf("%s: %+v, %v", name, m, err)
			}
		}
		if len(f.entries(t, "case.material.read")) != 2 {
			t.Errorf("reads not audited: %+v", f.entries(t, "case.material.read"))
		}
		if _, _, err := f.svc.UnitMaterial(f.ctx, f.noA, c.ID, first); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Errorf("agent without the grant: %v", err)
		}
		other := Actor{UnitID: f.unit.ID + 1, PersonID: f.rep.ID, Role: f.repA.Role}
		if _, _, err := f.svc.UnitMaterial(f.ctx, other, c.ID, first); !errors.Is(err, ErrCaseNotFound) {
			t.Errorf("another unit: %v", err)
		}
		if _, _, err := f.svc.UnitMaterial(f.ctx, f.repA, c.ID, "no-such-material-aaaaaaaaaaaaaaaaaaaaaaaaaaa"); !errors.Is(err, ErrMaterialNotFound) {
			t.Errorf("unknown material: %v", err)
		}
		if _, b, err := f.svc.StaffMaterial(f.ctx, f.clerk, c.ID, first); err != nil || !bytes.Equal(b, materialPDF()) {
			t.Errorf("clerk: %v", err)
		}
		if _, _, err := f.svc.StaffMaterial(f.ctx, f.auditor, c.ID, first); !errors.Is(err, staff.ErrForbidden) {
			t.Errorf("auditor: %v", err)
		}
		// A form sent again with the same reference does not file the file twice.
		v2 := form(f.employeeID())
		v2.Set("material_contract", ref)
		var fe *FormError
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, v2); !errors.As(err, &fe) || fe.Fields["material_contract"] != msgMaterialUsed {
			t.Errorf("reference used twice: %v", err)
		}

		// Returned, corrected without a new file: the material stays.
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "劳动合同不清晰"); err != nil {
			t.Fatal(err)
		}
		corrected, _ := c.Details()
		if _, err := f.svc.Resubmit(f.ctx, f.repA, c.ID, corrected.Values()); err != nil {
			t.Fatal(err)
		}
		if ms, err := f.svc.CaseMaterials(f.ctx, c); err != nil || len(ms) != 1 || ms[0].ID != first {
			t.Fatalf("kept %+v, %v", ms, err)
		}
		// Returned again and corrected with a new file: it replaces the earlier one.
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "请上传完整的劳动合同"); err != nil {
			t.Fatal(err)
		}
		next := append(materialPDF(), '\n')
		ref2, err := f.svc.Attach(f.ctx, f.repA, ItemEnrolment, "contract", "完整合同.pdf", bytes.NewReader(next))
		if err != nil {
			t.Fatal(err)
		}
		fix := url.Values{}
		for k, vs := range corrected.Values() {
			fix[k] = vs
		}
		fix.Set("material_contract", ref2)
		if _, err := f.svc.Resubmit(f.ctx, f.repA, c.ID, fix); err != nil {
			t.Fatal(err)
		}
		ms, err = f.svc.CaseMaterials(f.ctx, c)
		if err != nil || len(ms) != 1 || ms[0].ID == first || ms[0].Name != "完整合同.pdf" {
			t.Fatalf("replaced %+v, %v", ms, err)
		}
		if _, _, err := f.svc.UnitMaterial(f.ctx, f.repA, c.ID, first); !errors.Is(err, ErrMaterialNotFound) {
			t.Errorf("the replaced material is still served: %v", err)
		}
		// Returned once more and corrected from a form that still carries the
		// replaced file's reference: its file is gone, so the form is refused beside
		// the field rather than recording a file that no longer exists.
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "请再核对"); err != nil {
			t.Fatal(err)
		}
		fix.Set("material_contract", ref)
		if _, err := f.svc.Resubmit(f.ctx, f.repA, c.ID, fix); !errors.As(err, &fe) || fe.Fields["material_contract"] != msgMaterialExpired {
			t.Fatalf("resubmit with the replaced file's reference: %v", err)
		}
		if ms, err := f.svc.CaseMaterials(f.ctx, c); err != nil || len(ms) != 1 || ms[0].Name != "完整合同.pdf" {
			t.Fatalf("after the refused correction %+v, %v", ms, err)
		}
	})
}

// FuzzMaterialReference: a reference read from a form never panics, and whatever
// is accepted says exactly what the hall signed.
func FuzzMaterialReference(f *testing.F) {
	s := &Service{key: []byte("fuzz-material-reference-key-0123")}
	who := Actor{UnitID: 7, PersonID: 9}
	signed := Attachment{ID: "file-id", Code: "pledge", Name: "承诺书.pdf", ContentType: "application/pdf", Size: 100,
		SHA256: strings.Repeat("a", 64), UnitID: 7, PersonID: 9, ItemCode: ItemSubsidy}
	good, err := s.signAttachment(signed)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, "", ".", "a.b", good + "x", strings.Replace(good, ".", "..", 1), strings.Repeat("A", 3000)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		if a, ok := s.attachment(who, ItemSubsidy, "pledge", ref); ok && a != signed {
			t.Fatalf("accepted a reference the hall did not sign: %+v", a)
		}
		if _, ok := s.attachment(Actor{UnitID: 8, PersonID: 9}, ItemSubsidy, "pledge", ref); ok {
			t.Fatal("accepted for another unit")
		}
	})
}

// TestMaterialsSealedAtRest: a material's file on disk holds none of the uploaded
// document (its PDF header, a name and ID number written in it), while the unit and
// the clerk are served exactly the uploaded bytes; one case's material file copied
// over another's is refused (scans.ErrTampered), not served as the other material.
func TestMaterialsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		dir := t.TempDir()
		files, err := scans.NewStore(dir, db, f.audit, f.clk.Now)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := NewService(Deps{DB: db, Audit: audit.New(db, nil, f.clk.Now), Catalog: NewCatalog(db), Authorizer: f.dlg,
			SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Hotline: "12333", Now: f.clk.Now, Files: files})
		if err != nil {
			t.Fatal(err)
		}
		const writtenIn = "林晓梅 110101199003077777"
		marked := bytes.Replace(materialPDF(), []byte("/MediaBox"), []byte("/Marker ("+writtenIn+") /MediaBox"), 1)
		var cases []Case
		for _, content := range [][]byte{marked, materialPDF()} {
			ref, err := svc.Attach(f.ctx, f.repA, ItemEnrolment, "contract", "劳动合同.pdf", bytes.NewReader(content))
			if err != nil {
				t.Fatal(err)
			}
			v := form(f.employeeID())
			v.Set("material_contract", ref)
			c, err := svc.Apply(f.ctx, f.repA, ItemEnrolment, v)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, c)
		}
		material := func(c Case) CaseMaterial {
			t.Helper()
			ms, err := svc.CaseMaterials(f.ctx, c)
			if err != nil || len(ms) != 1 {
				t.Fatalf("materials of case %d: %+v, %v", c.ID, ms, err)
			}
			return ms[0]
		}
		first, second := material(cases[0]), material(cases[1])
		path := func(id string) string { return filepath.Join(dir, id[:2], id) }
		raw, err := os.ReadFile(path(first.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{"%PDF", writtenIn, "110101199003077777", "/Marker", "endobj"} {
			if bytes.Contains(raw, []byte(part)) {
				t.Errorf("the stored material holds %q in clear", part)
			}
		}
		if _, b, err := svc.UnitMaterial(f.ctx, f.repA, cases[0].ID, first.ID); err != nil || !bytes.Equal(b, marked) {
			t.Errorf("unit's download: %d bytes, %v; want the %d uploaded", len(b), err, len(marked))
		}
		if _, b, err := svc.StaffMaterial(f.ctx, f.clerk, cases[0].ID, first.ID); err != nil || !bytes.Equal(b, marked) {
			t.Errorf("clerk's download: %d bytes, %v; want the %d uploaded", len(b), err, len(marked))
		}
		if err := os.WriteFile(path(second.ID), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.UnitMaterial(f.ctx, f.repA, cases[1].ID, second.ID); !errors.Is(err, scans.ErrTampered) {
			t.Errorf("a material file moved over another's: %v", err)
		}
	})
}
