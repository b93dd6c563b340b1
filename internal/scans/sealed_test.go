package scans

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/sealed"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// marker is a string a scanned document would show (a name and an ID number), put
// into a test PDF so that its absence from the stored bytes can be checked.
const marker = "林晓梅110101199003077777"

func markedPDF() []byte { return pdfFile("/Marker (" + marker + ") ") }

// TestFilesSealedAtRest: the bytes on disk hold neither the file's clear content
// (the PDF header, the marker, the PNG signature) nor anything ReadStored does not
// open back to exactly what was uploaded; a sealed file copied under another
// scan's name, or read for the other owner, does not open (ErrTampered with
// sealed.ErrAuthentication); a store without data keys neither writes nor reads.
func TestFilesSealedAtRest(t *testing.T) {
	db := storetest.SQLite(t)
	dir := filepath.Join(t.TempDir(), "scans")
	s, err := NewStore(dir, db, nil, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	pdf, png := markedPDF(), pngFile(t)
	a, err := s.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "身份证.pdf", Body: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Put(Upload{Kind: KindOther, Owner: OwnerCaseMaterial, Name: "材料.png", Body: bytes.NewReader(png)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		st    Stored
		owner Owner
		clear []byte
		parts []string
	}{{a, OwnerCounter, pdf, []string{"%PDF", marker, "/Marker", "endobj"}}, {b, OwnerCaseMaterial, png, []string{"\x89PNG", "IHDR", "IDAT"}}} {
		raw, err := os.ReadFile(s.path(c.st.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range c.parts {
			if bytes.Contains(raw, []byte(part)) {
				t.Errorf("the stored file of %s holds %q in clear", c.st.Name, part)
			}
		}
		if len(raw) != len(c.clear)+sealed.Overhead || raw[0] != sealed.Version {
			t.Errorf("the stored file of %s: %d bytes beginning %#x, want %d sealed bytes", c.st.Name, len(raw), raw[0], len(c.clear)+sealed.Overhead)
		}
		got, err := s.ReadStored(c.owner, c.st.ID, c.st.SHA256)
		if err != nil || !bytes.Equal(got, c.clear) || c.st.Size != int64(len(c.clear)) {
			t.Errorf("read back %s: %d bytes, %v; want the %d uploaded", c.st.Name, len(got), err, len(c.clear))
		}
	}
	// Read for the other owner.
	if _, err := s.ReadStored(OwnerCaseMaterial, a.ID, a.SHA256); !errors.Is(err, ErrTampered) || !errors.Is(err, sealed.ErrAuthentication) {
		t.Errorf("a counter scan read as a material: %v", err)
	}
	// a's sealed file copied over b's name, with a's recorded hash: it was sealed
	// for a's ID and does not open under b's.
	raw, err := os.ReadFile(s.path(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path(b.ID), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStored(OwnerCaseMaterial, b.ID, a.SHA256); !errors.Is(err, ErrTampered) || !errors.Is(err, sealed.ErrAuthentication) {
		t.Errorf("a file moved to another name: %v", err)
	}
	if _, err := s.ReadStored(OwnerCounter, b.ID, a.SHA256); !errors.Is(err, ErrTampered) || !errors.Is(err, sealed.ErrAuthentication) {
		t.Errorf("a file moved to another name, read for its owner: %v", err)
	}
	// A clear file under a's name is refused too: Read never serves clear bytes.
	if err := os.WriteFile(s.path(a.ID), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStored(OwnerCounter, a.ID, a.SHA256); !errors.Is(err, ErrTampered) || !errors.Is(err, sealed.ErrMalformed) {
		t.Errorf("a clear file: %v", err)
	}
	// Without data keys.
	keyless, err := NewStore(dir, nil, nil, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyless.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "x.pdf", Body: bytes.NewReader(pdf)}); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Put without keys: %v", err)
	}
	if _, err := keyless.ReadStored(OwnerCounter, b.ID, b.SHA256); !errors.Is(err, ErrNoKeys) {
		t.Errorf("ReadStored without keys: %v", err)
	}
}

// TestSealClear: files written in clear before the store sealed them are sealed
// where they lie by SealClear — for counter_scans when a counter scan records the
// ID, for case_materials otherwise — and read back unchanged; sealed files are left
// as they are; a stale temporary file is removed and a young one kept; the pass
// leaves its marker and does not walk the store again; a store that was never
// written is not created.
func TestSealClear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(t0)
		if n, err := (&Store{dir: filepath.Join(t.TempDir(), "none"), db: db, now: clock.Now}).SealClear(ctx); n != 0 || err != nil {
			t.Fatalf("a store without a directory: %d, %v", n, err)
		}
		dir := filepath.Join(t.TempDir(), "scans")
		s, err := NewStore(dir, db, nil, clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		clerk := insertStaff(t, db, "clerk1", staff.RolesOf(staff.RoleClerk))
		var reqID int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO counter_requests (kind, person_id, submitted_by, submitted_at, submit_reason)
				VALUES ('password_reset', NULL, ?, ?, '核对证件') RETURNING id`, clerk.StaffID, t0).Scan(&reqID)
		}); err != nil {
			t.Fatal(err)
		}
		// A sealed file, as this version writes it.
		fresh, err := s.Put(Upload{Kind: KindOther, Owner: OwnerCaseMaterial, Name: "新.png", Body: bytes.NewReader(pngFile(t))})
		if err != nil {
			t.Fatal(err)
		}
		freshRaw, _ := os.ReadFile(s.path(fresh.ID))
		// Clear files, as the versions before wrote them: a counter scan (recorded), a
		// material, and a file nobody recorded.
		pdf, png, jpg := markedPDF(), pngFile(t), jpegFile(t)
		clearFiles := map[string]struct {
			owner   Owner
			content []byte
		}{token.New(): {OwnerCounter, pdf}, token.New(): {OwnerCaseMaterial, png}, token.New(): {OwnerCaseMaterial, jpg}}
		for id, f := range clearFiles {
			if err := os.MkdirAll(filepath.Dir(s.path(id)), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(s.path(id), f.content, 0o600); err != nil {
				t.Fatal(err)
			}
			if f.owner == OwnerCounter {
				st := Stored{ID: id, Kind: KindIDCard, ContentType: TypePDF, Size: int64(len(f.content)), SHA256: sum(f.content)}
				if err := db.Tx(ctx, func(tx *store.Tx) error { return s.Insert(ctx, tx, reqID, clerk.StaffID, st) }); err != nil {
					t.Fatal(err)
				}
			}
		}
		shard := filepath.Dir(s.path(fresh.ID))
		stale, young := filepath.Join(shard, tempPrefix+"stale"), filepath.Join(shard, tempPrefix+"young")
		for _, p := range []string{stale, young} {
			if err := os.WriteFile(p, pdf, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(stale, t0.Add(-2*staleTemp), t0.Add(-2*staleTemp)); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(young, t0.Add(-staleTemp/2), t0.Add(-staleTemp/2)); err != nil {
			t.Fatal(err)
		}

		n, err := s.SealClear(ctx)
		if err != nil || n != len(clearFiles) {
			t.Fatalf("SealClear = %d, %v; want %d", n, err, len(clearFiles))
		}
		for id, f := range clearFiles {
			raw, err := os.ReadFile(s.path(id))
			if err != nil {
				t.Fatal(err)
			}
			if isClear(raw) || bytes.Contains(raw, []byte(marker)) || bytes.Contains(raw, []byte("IHDR")) {
				t.Errorf("file %s still clear after the pass", id[:6])
			}
			if fi, err := os.Stat(s.path(id)); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("file %s after the pass: %v, %v", id[:6], fi, err)
			}
			got, err := s.ReadStored(f.owner, id, sum(f.content))
			if err != nil || !bytes.Equal(got, f.content) {
				t.Errorf("file %s read back for %s: %d bytes, %v", id[:6], f.owner, len(got), err)
			}
		}
		if raw, _ := os.ReadFile(s.path(fresh.ID)); !bytes.Equal(raw, freshRaw) {
			t.Error("a sealed file was sealed again")
		}
		if _, err := os.Stat(stale); !os.IsNotExist(err) {
			t.Errorf("stale temporary file: %v", err)
		}
		if _, err := os.Stat(young); err != nil {
			t.Errorf("young temporary file: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, sealedMarker)); err != nil {
			t.Errorf("marker: %v", err)
		}
		// With the marker, the store is not walked: a clear file put there now stays.
		late := token.New()
		if err := os.MkdirAll(filepath.Dir(s.path(late)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.path(late), pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SealClear(ctx); n != 0 || err != nil {
			t.Fatalf("second pass = %d, %v", n, err)
		}
	})
}

// sum is the hex SHA-256 of b, as counter_scans records it.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestReseal: after a change of data key, Reseal moves each owner's files onto the
// new key at the place they were sealed for — afterwards the new key alone reads
// them back as uploaded — leaves files already under it alone, and counts a file
// that opens under no configured key as unreadable without touching it.
func TestReseal(t *testing.T) {
	db := storetest.SQLite(t)
	s, err := NewStore(filepath.Join(t.TempDir(), "scans"), db, nil, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	pdf, png := markedPDF(), pngFile(t)
	a, err := s.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "身份证.pdf", Body: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Put(Upload{Kind: KindOther, Owner: OwnerCaseMaterial, Name: "材料.png", Body: bytes.NewReader(png)})
	if err != nil {
		t.Fatal(err)
	}
	// A third file sealed under a key that will not be configured.
	stranger, err := sealed.NewKeys(sealed.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	lost := token.New()
	if err := s.write(lost, stranger.Seal(Place(OwnerCounter, lost), pdf)); err != nil {
		t.Fatal(err)
	}
	newKey := storetest.BeginRotation(t, db)
	resealed, unreadable, err := s.Reseal(t.Context())
	if err != nil || resealed != 2 || unreadable != 1 {
		t.Fatalf("Reseal: %d re-sealed, %d unreadable, %v; want 2 and 1", resealed, unreadable, err)
	}
	storetest.EndRotation(t, db, newKey)
	for _, c := range []struct {
		st    Stored
		owner Owner
		clear []byte
	}{{a, OwnerCounter, pdf}, {b, OwnerCaseMaterial, png}} {
		if got, err := s.ReadStored(c.owner, c.st.ID, c.st.SHA256); err != nil || !bytes.Equal(got, c.clear) {
			t.Errorf("%s under the new key alone: %d bytes, %v", c.st.Name, len(got), err)
		}
	}
	if again, _, err := s.Reseal(t.Context()); err != nil || again != 0 {
		t.Errorf("a second Reseal: %d re-sealed, %v; want none", again, err)
	}
}
