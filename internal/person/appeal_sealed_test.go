package person

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// openAppeal reads appeal id's sealed columns and opens them.
func openAppeal(t *testing.T, db *store.DB, id int64) (Appeal, error) {
	t.Helper()
	var v SealedAppeal
	if err := db.QueryRow(context.Background(), `SELECT id_number, name, mobile, contact_mobile FROM appeals WHERE id = ?`,
		id).Scan(&v.IDNumber, &v.Name, &v.Mobile, &v.ContactMobile); err != nil {
		t.Fatal(err)
	}
	a := Appeal{ID: id}
	err := v.OpenInto(db.Keys(), &a)
	return a, err
}

// TestAppealsSealedAtRest: what `select * from appeals` shows holds no ID number,
// name, mobile or contact mobile of a filed appeal, on both engines, while each
// opens to what was filed; a sealed value moved to another appeal, or to another
// column of its own, does not open there.
func TestAppealsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var filed []Appeal
		for i := range 2 {
			a := Appeal{Kind: AppealMobileTaken, IDType: ident.IDTypeResident,
				IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, i == 0), Name: "欧阳" + strings.Repeat("娜", i+1),
				Mobile: ident.GenerateMobile(f.rnd), ContactMobile: ident.GenerateMobile(f.rnd), Description: "号码被占用"}
			id, err := f.svc.FileAppeal(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			a.ID = id
			filed = append(filed, a)
		}
		if n := len(storetest.RawRows(t, db, "SELECT * FROM appeals")); n != 2 {
			t.Fatalf("%d rows, want 2", n)
		}
		for _, a := range filed {
			storetest.HoldsNone(t, db, "appeals", a.IDNumber, a.Name, a.Mobile, a.ContactMobile)
		}
		for _, a := range filed {
			got, err := openAppeal(t, db, a.ID)
			if err != nil || got.IDNumber != a.IDNumber || got.Name != a.Name || got.Mobile != a.Mobile ||
				got.ContactMobile != a.ContactMobile {
				t.Errorf("appeal %d opens to %+v, %v; want %+v", a.ID, got, err, a)
			}
		}
		first, second := filed[0].ID, filed[1].ID
		// The second appeal's contact mobile copied onto the first does not open there,
		// nor does the first's mobile copied into its own contact mobile.
		if _, err := db.Exec(ctx, `UPDATE appeals SET contact_mobile = (SELECT contact_mobile FROM appeals WHERE id = ?)
			WHERE id = ?`, second, first); err != nil {
			t.Fatal(err)
		}
		if _, err := openAppeal(t, db, first); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("an appeal with a moved contact mobile: %v, want %v", err, sealed.ErrAuthentication)
		}
		if _, err := db.Exec(ctx, `UPDATE appeals SET contact_mobile = mobile WHERE id = ?`, second); err != nil {
			t.Fatal(err)
		}
		if _, err := openAppeal(t, db, second); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("an appeal with its mobile in the contact mobile: %v, want %v", err, sealed.ErrAuthentication)
		}
	})
}

// TestMigrationSealsClearAppeals: a database whose appeals were kept in clear (the
// schema before 0044) is sealed by migration 0044's Go half — every appeal opens to
// its old values, kind, status and description kept, and no clear value is left —
// and a migration without a data key is refused, leaving the schema where it was.
func TestMigrationSealsClearAppeals(t *testing.T) {
	storetest.EachBefore(t, 44, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Time(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		var clear []Appeal
		for i := range 3 {
			a := Appeal{ID: int64(i + 1), Kind: AppealIDTaken, IDType: ident.IDTypeResident, IDNumber: ident.NumberedResidentID(i),
				Name: "林晓梅" + strings.Repeat("芳", i), ContactMobile: ident.NumberedMobile(100 + i), Description: "申诉" + strings.Repeat("说明", i)}
			if i == 1 {
				a.Kind, a.Mobile = AppealMobileTaken, ident.NumberedMobile(i)
			}
			clear = append(clear, a)
			if _, err := db.Exec(ctx, `INSERT INTO appeals (kind, id_type, id_number, name, mobile, contact_mobile,
				description, status, created_at, client_addr) VALUES (?, 'resident', ?, ?, ?, ?, ?, 'open', ?, '198.51.100.7')`,
				string(a.Kind), a.IDNumber, a.Name, a.Mobile, a.ContactMobile, a.Description, now); err != nil {
				t.Fatal(err)
			}
		}
		storetest.MigrateSealing(t, db, 44)
		for _, c := range clear {
			got, err := openAppeal(t, db, c.ID)
			if err != nil || got.IDNumber != c.IDNumber || got.Name != c.Name || got.Mobile != c.Mobile ||
				got.ContactMobile != c.ContactMobile {
				t.Errorf("appeal %d after the migration: %+v, %v; want %+v", c.ID, got, err, c)
			}
			var kind, description, status string
			if err := db.QueryRow(ctx, `SELECT kind, description, status FROM appeals WHERE id = ?`, c.ID).Scan(
				&kind, &description, &status); err != nil || kind != string(c.Kind) || description != c.Description || status != "open" {
				t.Errorf("appeal %d kept %q %q %q, %v", c.ID, kind, description, status, err)
			}
		}
		for _, c := range clear {
			storetest.HoldsNone(t, db, "appeals", c.IDNumber, c.Name, c.Mobile, c.ContactMobile)
		}
	})
}
