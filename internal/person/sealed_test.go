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

// TestPersonsSealedAtRest: what `select * from persons` shows holds no ID number,
// name or mobile of a registered person, on both engines, while every look-up by ID
// number, mobile and login value still finds the account; a sealed value moved to
// another row does not open there.
func TestPersonsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, in := f.register(t)
		other, _ := f.register(t)
		if n := len(storetest.RawRows(t, db, "SELECT * FROM persons")); n != 2 {
			t.Fatalf("%d rows, want 2", n)
		}
		storetest.HoldsNone(t, db, "persons", p.IDNumber, p.Name, p.Mobile, other.IDNumber, other.Mobile)
		for name, find := range map[string]func() (Person, error){
			"ByIdentity": func() (Person, error) { return f.svc.ByIdentity(ctx, p.IDType, strings.ToLower(in.IDNumber)) },
			"ByMobile":   func() (Person, error) { return f.svc.ByMobile(ctx, in.Mobile) },
			"Get":        func() (Person, error) { return f.svc.Get(ctx, p.ID) },
		} {
			got, err := find()
			if err != nil || got.ID != p.ID || got.IDNumber != p.IDNumber || got.Name != p.Name || got.Mobile != p.Mobile {
				t.Errorf("%s: %+v, %v; want %+v", name, got, err, p)
			}
		}
		for _, login := range []string{in.IDNumber, in.Mobile} {
			people, err := f.svc.ByLogin(ctx, login)
			if err != nil || len(people) != 1 || people[0].ID != p.ID {
				t.Errorf("ByLogin(%s): %v, %v", ident.MaskText(login), people, err)
			}
		}
		// The other person's sealed name copied onto p's row does not open there.
		if _, err := db.Exec(ctx, `UPDATE persons SET name = (SELECT name FROM persons WHERE id = ?) WHERE id = ?`,
			other.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, p.ID); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("Get of a row with a moved name: %v, want %v", err, sealed.ErrAuthentication)
		}
	})
}

// TestMigrationSealsClearPersons: a database whose persons were kept in clear (schema
// 0039) is sealed by migration 0040's Go half — every row opens to its old values,
// look-ups find it through the indexes, and no clear value is left — and a
// migration without a data key is refused, leaving the schema where it was.
func TestMigrationSealsClearPersons(t *testing.T) {
	storetest.EachBefore(t, 40, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Time(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		type clearPerson struct{ idNumber, name, mobile string }
		var clear []clearPerson
		for i := range 3 {
			c := clearPerson{ident.NumberedResidentID(i), "林晓梅" + strings.Repeat("芳", i), ident.NumberedMobile(i)}
			clear = append(clear, c)
			if _, err := db.Exec(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
				VALUES ('resident', ?, ?, ?, ?, ?)`, c.idNumber, c.name, c.mobile, now, now); err != nil {
				t.Fatal(err)
			}
		}
		storetest.MigrateSealing(t, db, 40)
		svc := New(db, fastHasher(t), newFakeCodes(), ident.DefaultPasswordPolicy(), nil, nil)
		for i, c := range clear {
			p, err := svc.ByMobile(ctx, c.mobile)
			if err != nil || p.IDNumber != c.idNumber || p.Name != c.name || p.Mobile != c.mobile || p.ID != int64(i+1) {
				t.Errorf("person %d after the migration: %+v, %v", i, p, err)
			}
			if q, err := svc.ByIdentity(ctx, ident.IDTypeResident, c.idNumber); err != nil || q.ID != p.ID {
				t.Errorf("ByIdentity of person %d: %+v, %v", i, q, err)
			}
			storetest.HoldsNone(t, db, "persons", c.idNumber, c.name, c.mobile)
		}
	})
}

// TestSealedIdentityOpensWhatWasRead: a column the query read opens or fails as
// it is — an empty value, which SQLite scans as nil, fails like any malformed one —
// and a column it did not read is left "".
func TestSealedIdentityOpensWhatWasRead(t *testing.T) {
	keys, err := sealed.NewKeys(sealed.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	name := keys.SealString(Place(ColumnName, 7), "林晓梅")
	for _, c := range []struct {
		what      string
		scan      []any // what the database gives for the name, then the mobile (nil: not read)
		want      Identity
		malformed bool
	}{
		{"the name read", []any{name}, Identity{Name: "林晓梅"}, false},
		{"an empty name as SQLite gives it", []any{nil}, Identity{}, true},
		{"an empty name as PostgreSQL gives it", []any{[]byte{}}, Identity{}, true},
	} {
		var v SealedIdentity
		if err := v.Name.Scan(c.scan[0]); err != nil {
			t.Fatal(err)
		}
		got, err := v.Open(keys, 7)
		if c.malformed != errors.Is(err, sealed.ErrMalformed) || got != c.want {
			t.Errorf("%s: %+v, %v", c.what, got, err)
		}
	}
}
