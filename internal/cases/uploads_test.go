package cases

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/scans"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestOverBudget: the budget's rule — a file passes while the window holds fewer
// than the files allowed and the bytes with it stay within the bytes allowed; a
// refusal says when enough of the oldest uploads have left the window.
func TestOverBudget(t *testing.T) {
	t0 := time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC)
	ups := func(sizes ...int64) []pastUpload {
		var out []pastUpload
		for i, s := range sizes {
			out = append(out, pastUpload{At: t0.Add(time.Duration(i) * time.Hour), Size: s})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		ups       []pastUpload
		maxFiles  int
		maxBytes  int64
		size      int64
		over      bool
		untilHour int // hours after t0 plus the window, when over
	}{
		{"nothing yet", nil, 3, 100, 10, false, 0},
		{"below both", ups(10, 10), 3, 100, 10, false, 0},
		{"last file allowed", ups(10, 10), 3, 100, 80, false, 0},
		{"bytes exactly at the limit", ups(50), 3, 100, 50, false, 0},
		{"one file too many", ups(1, 1, 1), 3, 100, 1, true, 0},
		{"one byte too many", ups(50), 3, 100, 51, true, 0},
		{"bytes free only after two leave", ups(40, 40, 10), 5, 100, 60, true, 1},
		{"files free after the oldest leaves", ups(1, 1, 1, 1), 3, 100, 1, true, 1},
		{"the file alone is over the bytes", ups(1), 3, 100, 101, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			until, over := overBudget(tc.ups, tc.maxFiles, tc.maxBytes, tc.size)
			if over != tc.over {
				t.Fatalf("over = %v, want %v", over, tc.over)
			}
			if want := t0.Add(time.Duration(tc.untilHour)*time.Hour + UploadWindow); over && !until.Equal(want) {
				t.Fatalf("until = %v, want %v", until, want)
			}
			if !over && !until.IsZero() {
				t.Fatalf("until %v for an upload within the budget", until)
			}
		})
	}
}

// budgetService is a cases service whose files go to dir, with budget b.
func (f *caseFixture) budgetService(t testing.TB, db *store.DB, b UploadBudget) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := scans.NewStore(dir, db, f.audit, f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(Deps{DB: db, Audit: f.audit, Catalog: NewCatalog(db), Authorizer: f.dlg,
		SMS: f.outbox, Hotline: "12333", Now: f.clk.Now, Files: st, UploadBudget: b})
	if err != nil {
		t.Fatal(err)
	}
	return svc, dir
}

// storedFiles counts the files under dir (temporary ones included).
func storedFiles(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUploadBudget: on both engines, the uploads past a person's files or bytes,
// or past the unit's across its users, are refused beside the material's field
// with the limits and the time they free up, recorded as denied, and nothing is
// written; a file the scans store refuses does not count; a day later the person
// uploads again.
func TestUploadBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		pdf := materialPDF()
		size := int64(len(pdf))
		svc, dir := f.budgetService(t, db, UploadBudget{PersonFiles: 3, PersonBytes: 1 << 20, UnitFiles: 5, UnitBytes: 1 << 20})
		attach := func(who Actor, body []byte) error {
			_, err := svc.Attach(f.ctx, who, ItemEnrolment, "contract", "合同.pdf", bytes.NewReader(body))
			return err
		}
		field := FormMaterials(ItemEnrolment)[0].Field()
		// A refused file (not a document) gives its count back.
		if err := attach(f.repA, []byte(strings.Repeat("<html></html>", 10))); err == nil {
			t.Fatal("html accepted")
		}
		for i := range 3 {
			f.clk.t = caseT0.Add(time.Duration(i) * time.Minute)
			if err := attach(f.repA, pdf); err != nil {
				t.Fatalf("upload %d: %v", i+1, err)
			}
		}
		before := storedFiles(t, dir)
		err := attach(f.repA, pdf)
		var limit *UploadLimitError
		var fe *FormError
		want := "您24小时内上传的材料已达上限（每人最多3份、共1MB），请于4月14日 09:30后再上传"
		if !errors.As(err, &limit) || limit.Msg != want || !limit.Until.Equal(caseT0.Add(UploadWindow)) ||
			!errors.As(err, &fe) || fe.Fields[field] != want {
			t.Fatalf("the fourth upload: %v", err)
		}
		if got := storedFiles(t, dir); got != before {
			t.Fatalf("a refused upload wrote to disk: %d files, were %d", got, before)
		}
		denied := 0
		for _, e := range f.entries(t, "case.attach") {
			if e.Result == audit.Denied && e.Detail["error"] == "upload_budget" && e.PersonID == f.rep.ID {
				denied++
			}
		}
		if denied != 1 {
			t.Fatalf("%d denied records of the refusal", denied)
		}
		// The unit's budget counts its users together: the agent's third upload is
		// the unit's sixth.
		for i := range 2 {
			if err := attach(f.agentA, pdf); err != nil {
				t.Fatalf("agent's upload %d: %v", i+1, err)
			}
		}
		if err := attach(f.agentA, pdf); !errors.As(err, &limit) || !strings.HasPrefix(limit.Msg, "本单位24小时内上传的材料已达上限（每个单位最多5份") {
			t.Fatalf("the unit's sixth upload: %v", err)
		}
		// The oldest upload leaves the window a day after it came: one more fits.
		f.clk.t = caseT0.Add(UploadWindow)
		if err := attach(f.repA, pdf); err != nil {
			t.Fatalf("a day later: %v", err)
		}

		// Bytes: a person allowed two files' bytes gets no third.
		f.clk.t = caseT0.Add(3 * UploadWindow)
		svc, dir = f.budgetService(t, db, UploadBudget{PersonFiles: 60, PersonBytes: 2 * size, UnitFiles: 60, UnitBytes: 1 << 30})
		for range 2 {
			if err := attach(f.repA, pdf); err != nil {
				t.Fatal(err)
			}
		}
		if err := attach(f.repA, pdf); !errors.As(err, &limit) || storedFiles(t, dir) != 2 {
			t.Fatalf("over the bytes: %v, %d files", err, storedFiles(t, dir))
		}
	})
}

// TestUploadBudgetParallel: uploads sent at once never pass the budget together.
func TestUploadBudgetParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		svc, dir := f.budgetService(t, db, UploadBudget{PersonFiles: 3, PersonBytes: 1 << 30, UnitFiles: 100, UnitBytes: 1 << 30})
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := svc.Attach(f.ctx, f.repA, ItemEnrolment, "contract", "合同.pdf", bytes.NewReader(materialPDF()))
				errs <- err
			}()
		}
		ok := 0
		for range 8 {
			var limit *UploadLimitError
			switch err := <-errs; {
			case err == nil:
				ok++
			case !errors.As(err, &limit):
				t.Fatal(err)
			}
		}
		if ok != 3 || storedFiles(t, dir) != 3 {
			t.Fatalf("%d uploads passed, %d files stored; want 3", ok, storedFiles(t, dir))
		}
	})
}

// sweepFixture is a service with the default budget and helpers about its files.
type sweepFixture struct {
	*caseFixture
	svc *Service
}

func (s sweepFixture) upload(t testing.TB, who Actor) (string, Attachment) {
	t.Helper()
	ref, err := s.svc.Attach(s.ctx, who, ItemEnrolment, "contract", "合同.pdf", bytes.NewReader(materialPDF()))
	if err != nil {
		t.Fatal(err)
	}
	a, ok := s.svc.attachment(who, ItemEnrolment, "contract", ref)
	if !ok {
		t.Fatal("own reference refused")
	}
	return ref, a
}

func (s sweepFixture) onDisk(a Attachment) bool {
	_, err := s.svc.d.Files.ReadStored(scans.OwnerCaseMaterial, a.ID, a.SHA256)
	return err == nil
}

func (s sweepFixture) sweep(t testing.TB) int {
	t.Helper()
	n, err := s.svc.SweepMaterials(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (s sweepFixture) apply(who Actor, ref string) (Case, error) {
	v := form(s.employeeID())
	v.Set("material_contract", ref)
	return s.svc.Apply(s.ctx, who, ItemEnrolment, v)
}

// TestSweepMaterials: on both engines, a file no case recorded and no draft holds
// is deleted MaterialRetention after its upload, not a moment before, and a form
// still carrying its reference is told to upload again; a filed file is never
// deleted; a draft's file stays while the draft lives and goes once it is
// discarded or expired; the rows the budget no longer counts are deleted.
func TestSweepMaterials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		svc, _ := f.budgetService(t, db, DefaultUploadBudget)
		s := sweepFixture{f, svc}
		field := FormMaterials(ItemEnrolment)[0].Field()

		abandoned, abandonedA := s.upload(t, f.repA)
		// Another sent with a form that then got a new file before it was filed.
		_, unusedA := s.upload(t, f.repA)
		filedRef, filedA := s.upload(t, f.repA)
		c, err := s.apply(f.repA, filedRef)
		if err != nil {
			t.Fatal(err)
		}
		// A draft carries a third.
		draftRef, draftA := s.upload(t, f.repA)
		if _, err := s.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, url.Values{FieldName: {"张三"}, "material_contract": {draftRef}}); err != nil {
			t.Fatal(err)
		}

		f.clk.t = caseT0.Add(MaterialRetention - time.Microsecond)
		if n := s.sweep(t); n != 0 || !s.onDisk(abandonedA) {
			t.Fatalf("swept %d before the retention ran out", n)
		}
		f.clk.t = caseT0.Add(MaterialRetention)
		// The abandoned one, and the one replaced before filing.
		if n := s.sweep(t); n != 2 || s.onDisk(abandonedA) || s.onDisk(unusedA) {
			t.Fatalf("swept %d at the retention's end; abandoned file on disk: %v", n, s.onDisk(abandonedA))
		}
		if !s.onDisk(filedA) || !s.onDisk(draftA) {
			t.Fatal("a filed or draft-held file was swept")
		}
		if _, b, err := s.svc.UnitMaterial(f.ctx, f.repA, c.ID, filedA.ID); err != nil || len(b) == 0 {
			t.Fatalf("the filed material: %v", err)
		}
		// The form that still carries the swept file's reference is told so.
		var fe *FormError
		if _, err := s.apply(f.repA, abandoned); !errors.As(err, &fe) || fe.Fields[field] != msgMaterialExpired {
			t.Fatalf("filing a swept file: %v", err)
		}

		// Long after, the filed file is still there; the draft's too while it lives.
		f.clk.t = caseT0.Add(DraftRetention - time.Minute)
		if n := s.sweep(t); n != 0 || !s.onDisk(filedA) || !s.onDisk(draftA) {
			t.Fatalf("swept %d within the draft's life", n)
		}
		var rows int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM material_uploads`).Scan(&rows); err != nil || rows != 1 {
			t.Fatalf("%d rows left, want the draft's only: %v", rows, err)
		}
		// The draft resumed and filed then: its file is the case's.
		if _, err := s.apply(f.repA, draftRef); err != nil {
			t.Fatalf("filing the draft's file: %v", err)
		}
		f.clk.t = caseT0.Add(3 * DraftRetention)
		if n := s.sweep(t); n != 0 || !s.onDisk(draftA) {
			t.Fatal("the draft's file, filed, was swept")
		}

		// A draft saved again without a file, discarded, or expired holds nothing.
		first, firstA := s.upload(t, f.repA)
		if _, err := s.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, url.Values{"material_contract": {first}}); err != nil {
			t.Fatal(err)
		}
		second, secondA := s.upload(t, f.repA)
		if _, err := s.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, url.Values{"material_contract": {second}}); err != nil {
			t.Fatal(err)
		}
		if err := s.svc.DiscardDraft(f.ctx, f.repA, ItemEnrolment); err != nil {
			t.Fatal(err)
		}
		expired, expiredA := s.upload(t, f.agentA)
		if _, err := s.svc.SaveDraft(f.ctx, f.agentA, ItemEnrolment, url.Values{"material_contract": {expired}}); err != nil {
			t.Fatal(err)
		}
		start := f.clk.t
		f.clk.t = start.Add(MaterialRetention)
		if n := s.sweep(t); n != 2 || s.onDisk(firstA) || s.onDisk(secondA) || !s.onDisk(expiredA) {
			t.Fatalf("after the second save and the discard: swept %d", n)
		}
		f.clk.t = start.Add(DraftRetention)
		if n := s.sweep(t); n != 1 || s.onDisk(expiredA) {
			t.Fatalf("after the draft expired: swept %d", n)
		}
	})
}

// TestSweepMaterialsAtTheBoundary: a file filed right when its retention runs out
// is never swept, whichever of the filing and the sweep comes first, and a file
// swept first is never filed. On both engines the database puts the sweep behind
// the filing's open transaction (Contend); goroutines racing freely keep the same
// rule: every recorded material has its file.
func TestSweepMaterialsAtTheBoundary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		svc, dir := f.budgetService(t, db, DefaultUploadBudget)
		s := sweepFixture{f, svc}
		_, a := s.upload(t, f.repA)
		f.clk.t = caseT0.Add(MaterialRetention)
		// The filing's transaction has marked the upload when the sweep starts:
		// the sweep waits for it and then leaves the file.
		swept := -1
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			return s.svc.fileUpload(ctx, tx, a, store.Time(f.clk.Now()))
		}, func(other *store.DB) error {
			st, err := scans.NewStore(dir, other, f.audit, f.clk.Now)
			if err != nil {
				return err
			}
			o, err := NewService(Deps{DB: other, Audit: audit.New(other, nil, f.clk.Now), Catalog: NewCatalog(other),
				Authorizer: f.dlg, SMS: f.outbox, Now: f.clk.Now, Files: st})
			if err != nil {
				return err
			}
			swept, err = o.SweepMaterials(f.ctx)
			return err
		}, "UPDATE material_uploads")
		if err != nil || swept != 0 || !s.onDisk(a) {
			t.Fatalf("the sweep behind a filing: swept %d, %v, on disk %v", swept, err, s.onDisk(a))
		}

		// The sweep first: the filing of the same reference is refused, and no
		// case records a missing file.
		ref, b := s.upload(t, f.repA)
		f.clk.t = f.clk.t.Add(MaterialRetention)
		if n := s.sweep(t); n != 1 || s.onDisk(b) {
			t.Fatalf("swept %d", n)
		}
		var fe *FormError
		if _, err := s.apply(f.repA, ref); !errors.As(err, &fe) {
			t.Fatalf("a swept file filed: %v", err)
		}

		// Racing freely, at the boundary each time.
		for range 5 {
			ref, _ := s.upload(t, f.repA)
			f.clk.t = f.clk.t.Add(MaterialRetention)
			done := make(chan error, 1)
			go func() { _, err := s.svc.SweepMaterials(f.ctx); done <- err }()
			_, err := s.apply(f.repA, ref)
			if err != nil && !errors.As(err, &fe) {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.Query(f.ctx, `SELECT id, sha256 FROM case_materials`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, sha string
			if err := rows.Scan(&id, &sha); err != nil {
				t.Fatal(err)
			}
			if _, err := s.svc.d.Files.ReadStored(scans.OwnerCaseMaterial, id, sha); err != nil {
				t.Fatalf("material %s recorded without its file: %v", id[:8], err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMaterialStoredBeforeTheBudget: a reference to a file stored before uploads
// were recorded (no row) is filed while its file is intact, and refused when the
// file is gone; the sweep never deletes such a file.
func TestMaterialStoredBeforeTheBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		svc, _ := f.budgetService(t, db, DefaultUploadBudget)
		s := sweepFixture{f, svc}
		ref, a := s.upload(t, f.repA)
		gone, g := s.upload(t, f.repA)
		if _, err := db.Exec(f.ctx, `DELETE FROM material_uploads`); err != nil {
			t.Fatal(err)
		}
		s.svc.d.Files.Remove(g.ID)
		f.clk.t = caseT0.Add(MaterialRetention)
		if n := s.sweep(t); n != 0 || !s.onDisk(a) {
			t.Fatalf("swept %d files without a row", n)
		}
		if _, err := s.apply(f.repA, ref); err != nil {
			t.Fatalf("filing an earlier upload: %v", err)
		}
		var fe *FormError
		if _, err := s.apply(f.repA, gone); !errors.As(err, &fe) || fe.Fields["material_contract"] != msgMaterialExpired {
			t.Fatalf("filing a missing file: %v", err)
		}
	})
}
