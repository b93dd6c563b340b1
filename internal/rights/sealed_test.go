package rights

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// storedPDF is rights_record_files.pdf of record id as the database holds it.
func storedPDF(t *testing.T, db *store.DB, id int64) []byte {
	t.Helper()
	var b []byte
	if err := db.QueryRow(context.Background(), "SELECT pdf FROM rights_record_files WHERE record_id = ?", id).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// clearParts are what any clear signed record shows: the PDF header and end, and
// the signature's dictionary.
var clearParts = []string{"%PDF", "%%EOF", "/ByteRange", "adbe.pkcs7.detached", "/Type /Catalog"}

// checkSealed fails when the stored PDF of record id holds a clear part of a PDF.
func checkSealed(t *testing.T, db *store.DB, id int64) {
	t.Helper()
	raw := storedPDF(t, db, id)
	for _, part := range clearParts {
		if bytes.Contains(raw, []byte(part)) {
			t.Errorf("the stored PDF of record %d holds %q in clear", id, part)
		}
	}
	if len(raw) == 0 || raw[0] != sealed.Version {
		t.Errorf("the stored PDF of record %d is not a sealed value", id)
	}
}

// issueTwo issues two records of f's unit and returns them with their signed PDFs.
func issueTwo(t *testing.T, f *fixture) ([2]Record, [2][]byte) {
	t.Helper()
	var recs [2]Record
	var pdfs [2][]byte
	for i, form := range []Form{{From: "2026-01", To: "2026-06", Types: allTypes}, {From: "2025-07", To: "2025-12", Types: allTypes}} {
		rec, pdf, err := f.svc.Issue(context.Background(), f.unit.ID, Actor{PersonID: f.legalRep}, form)
		if err != nil {
			t.Fatal(err)
		}
		recs[i], pdfs[i] = rec, pdf
	}
	return recs, pdfs
}

// TestRecordFileSealedAtRest: the database holds a record's PDF sealed — no PDF
// header, end or signature dictionary in the column — while File serves exactly the
// signed bytes Issue returned, whose SHA-256 the verify page shows; a PDF moved onto
// another record does not open there.
func TestRecordFileSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 12, 3)
		recs, pdfs := issueTwo(t, f)
		for i, rec := range recs {
			checkSealed(t, db, rec.ID)
			got, file, err := f.svc.File(ctx, f.unit.ID, rec.ID)
			if err != nil || !bytes.Equal(file, pdfs[i]) || sum(file) != got.SHA256 || got.SHA256 != rec.SHA256 {
				t.Errorf("File of record %d: %d bytes, %v; want the %d signed bytes", rec.ID, len(file), err, len(pdfs[i]))
			}
			id := rec.VerifyURL[strings.LastIndex(rec.VerifyURL, "/")+1:]
			if sm, err := f.svc.Verify(ctx, id); err != nil || !sm.Valid || sm.SHA256 != sum(pdfs[i]) {
				t.Errorf("verify record %d: %+v, %v", rec.ID, sm, err)
			}
		}
		if _, err := db.Exec(ctx, `UPDATE rights_record_files SET pdf = (SELECT pdf FROM rights_record_files WHERE record_id = ?)
			WHERE record_id = ?`, recs[1].ID, recs[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.File(ctx, f.unit.ID, recs[0].ID); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("File of a record holding another's PDF: %v, want %v", err, sealed.ErrAuthentication)
		}
	})
}

// TestMigrationSealsClearRecordFiles: a database whose record PDFs were kept in
// clear (the schema before 0050) is sealed by migration 0050's Go half — File
// serves the same signed bytes after it and nothing clear is left — and the
// migration is refused without a data key, leaving the schema where it was.
func TestMigrationSealsClearRecordFiles(t *testing.T) {
	storetest.EachBefore(t, 50, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 12, 4)
		recs, pdfs := issueTwo(t, f)
		// The rows as the versions before 0050 wrote them: the signed PDF in clear.
		for i, rec := range recs {
			if _, err := db.Exec(ctx, "UPDATE rights_record_files SET pdf = ? WHERE record_id = ?", pdfs[i], rec.ID); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(storedPDF(t, db, rec.ID), []byte("%PDF")) {
				t.Fatal("the clear row was not written")
			}
		}
		storetest.MigrateSealing(t, db, 50)
		for i, rec := range recs {
			checkSealed(t, db, rec.ID)
			if _, file, err := f.svc.File(ctx, f.unit.ID, rec.ID); err != nil || !bytes.Equal(file, pdfs[i]) {
				t.Errorf("File of record %d after the migration: %d bytes, %v; want the %d signed bytes", rec.ID, len(file), err, len(pdfs[i]))
			}
		}
	})
}
