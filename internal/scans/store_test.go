package scans

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

var t0 = time.Date(2026, 4, 13, 9, 30, 0, 0, time.UTC)

// insertStaff adds an enabled staff account with roles and returns its actor.
func insertStaff(t *testing.T, db *store.DB, login string, roles staff.Roles) staff.Actor {
	t.Helper()
	id := stafftest.Insert(t, db, login, "某", roles, t0)
	return staff.Actor{StaffID: id, Login: login, Roles: roles}
}

// TestStore: a scan is written under an opaque name, private, outside any web root,
// and read back only by staff allowed to, with an audit record; a changed file is
// refused.
func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db, nil, func() time.Time { return t0 })
		dir := filepath.Join(t.TempDir(), "scans")
		s, err := NewStore(dir, db, log, func() time.Time { return t0 })
		if err != nil {
			t.Fatal(err)
		}
		clerk := insertStaff(t, db, "clerk1", staff.RolesOf(staff.RoleClerk))
		auditor := insertStaff(t, db, "auditor1", staff.RolesOf(staff.RoleAuditor))
		security := insertStaff(t, db, "sec1", staff.RolesOf(staff.RoleSecurity))
		var reqID int64
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO counter_requests (kind, person_id, submitted_by, submitted_at, submit_reason)
				VALUES ('password_reset', NULL, ?, ?, '核对证件') RETURNING id`, clerk.StaffID, t0).Scan(&reqID)
		})
		if err != nil {
			t.Fatal(err)
		}

		file := pngFile(t)
		st, err := s.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "../../身份证.png", Body: bytes.NewReader(file)})
		if !errors.Is(err, ErrName) {
			t.Fatalf("a path in the name: %v", err)
		}
		if _, err := s.Put(Upload{Kind: KindIDCard, Name: "身份证.png", Body: bytes.NewReader(file)}); !errors.Is(err, errOwner) {
			t.Fatalf("no owner: %v", err)
		}
		st, err = s.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "身份证.png", Body: bytes.NewReader(file)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "x.exe.png", Body: bytes.NewReader(append([]byte("MZ"), make([]byte, 100)...))}); !errors.Is(err, ErrType) {
			t.Fatalf("renamed executable: %v", err)
		}
		if _, err := s.Put(Upload{Kind: KindIDCard, Owner: OwnerCounter, Name: "big.pdf", Body: bytes.NewReader(append([]byte("%PDF-1.4\n"), make([]byte, MaxBytes)...))}); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("oversized: %v", err)
		}
		path := filepath.Join(dir, st.ID[:2], st.ID)
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("stored file %v, %v", fi, err)
		}
		if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
			t.Fatalf("stored directory %v, %v", di, err)
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Fatalf("%d files where one scan was written (temporary files left?)", len(entries))
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return s.Insert(ctx, tx, reqID, clerk.StaffID, st) }); err != nil {
			t.Fatal(err)
		}

		sc, b, err := s.Read(ctx, clerk, st.ID)
		if err != nil || !bytes.Equal(b, file) || sc.ContentType != TypePNG || sc.RequestID != reqID {
			t.Fatalf("read: %+v, %d bytes, %v", sc, len(b), err)
		}
		for _, who := range []staff.Actor{auditor, security} {
			if _, _, err := s.Read(ctx, who, st.ID); !errors.Is(err, staff.ErrForbidden) {
				t.Fatalf("%s read a scan: %v", who.Login, err)
			}
		}
		if _, _, err := s.Read(ctx, clerk, "../../etc/passwd"); err != ErrNotFound {
			t.Fatalf("a path as ID: %v", err)
		}
		es, _, _ := log.List(ctx, audit.Filter{Action: "scan.read"})
		if len(es) != 3 || es[2].Result != audit.Success || es[0].Result != audit.Denied {
			t.Fatalf("audit of reads: %+v", es)
		}
		if err := os.WriteFile(path, append(file, 0), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Read(ctx, clerk, st.ID); !errors.Is(err, ErrTampered) {
			t.Fatalf("changed file: %v", err)
		}
		list, err := s.List(ctx, reqID)
		if err != nil || len(list) != 1 || list[0].Kind != KindIDCard {
			t.Fatalf("list: %+v, %v", list, err)
		}
		s.Remove(st.ID)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("removed file: %v", err)
		}
	})
}

// TestPutUnderGivenID: a caller that recorded an ID before the write (the cases'
// upload budget) gets the file stored under it; an ID that is not a token (a path)
// is refused and nothing is written.
func TestPutUnderGivenID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scans")
	s, err := NewStore(dir, storetest.SQLite(t), nil, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	id := token.New()
	st, err := s.Put(Upload{Kind: KindOther, Owner: OwnerCaseMaterial, ID: id, Name: "材料.png", Body: bytes.NewReader(pngFile(t))})
	if err != nil || st.ID != id {
		t.Fatalf("Put = %+v, %v; want ID %s", st, err, id)
	}
	if _, err := s.ReadStored(OwnerCaseMaterial, id, st.SHA256); err != nil {
		t.Fatalf("read back: %v", err)
	}
	for _, bad := range []string{"../../etc/passwd", "short", id[:42] + "/"} {
		if _, err := s.Put(Upload{Kind: KindOther, Owner: OwnerCaseMaterial, ID: bad, Name: "材料.png", Body: bytes.NewReader(pngFile(t))}); !errors.Is(err, errID) {
			t.Errorf("ID %q: %v", bad, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("the store holds %d directories, want the one file's: %v", len(entries), err)
	}
}
