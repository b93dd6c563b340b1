package scale_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scale"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

const password = "Scale#2026hall"

// TestFill fills a small plan on each engine and checks what the hall reads of it:
// the counts, the roles of one unit through the unit service, the shared password,
// progress to the end of every table, and that the hall's own next unit and person
// after the fill get numbers and ids of their own; a second fill and a plan with too
// few persons are refused.
func TestFill(t *testing.T) {
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hasher.Hash(context.Background(), password)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := cases.NewCatalog(db).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		last := map[string][2]int{}
		plan := scale.Plan{Persons: 1300, Units: 401, PasswordHash: hash, Now: now,
			Progress: func(table string, done, total int) { last[table] = [2]int{done, total} }}
		sum, err := scale.Fill(ctx, db, plan)
		if err != nil {
			t.Fatal(err)
		}
		if want := (scale.Summary{Persons: 1300, Units: 401, Memberships: 401 + 201 + 401, Grants: 802}); sum != want {
			t.Errorf("summary %+v, want %+v", sum, want)
		}
		for table, want := range map[string]int{"persons": 1300, "units": 401, "memberships": 1003, "grants": 802} {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("%s: %d rows, want %d", table, n, want)
			}
			if last[table] != [2]int{want, want} {
				t.Errorf("%s: last progress %v, want %d of %d", table, last[table], want, want)
			}
		}

		// Unit 7 (k = 6): legal rep person 7 (i = 6), the third administrator (i =
		// 401 + 3, every second unit has one) and the agent i = 401 + 201 + 6.
		units := unit.New(db, func() time.Time { return now })
		u, err := units.Get(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		if u.USCC != ident.NumberedUSCC(6) || u.Name != scale.UnitName(6) {
			t.Errorf("unit 7: %+v", u)
		}
		for _, c := range []struct {
			person int64
			role   unit.Role
		}{{7, unit.RoleLegalRep}, {401 + 4, unit.RoleAdmin}, {401 + 201 + 7, unit.RoleAgent}} {
			m, err := units.Membership(ctx, u.ID, c.person)
			if err != nil || m.Role != c.role || m.Status != unit.StatusActive {
				t.Errorf("person %d in unit 7: %+v, %v; want an active %s", c.person, m, err, c.role)
			}
		}
		var phc string
		var sealedIDNumber []byte
		if err := db.QueryRow(ctx, `SELECT password_hash, id_number FROM persons WHERE id = ?`, 1300).Scan(&phc, &sealedIDNumber); err != nil {
			t.Fatal(err)
		}
		idNumber, err := person.Open(db.Keys(), person.ColumnIDNumber, 1300, sealedIDNumber)
		if err != nil {
			t.Fatalf("open the last person's ID number: %v", err)
		}
		if ok, _, err := hasher.Verify(ctx, phc, password); !ok || err != nil {
			t.Errorf("the last person's password does not verify: %v, %v", ok, err)
		}
		if idNumber != ident.NumberedResidentID(1299) {
			t.Errorf("the last person's ID number %s, want %s", idNumber, ident.NumberedResidentID(1299))
		}

		// The hall's own next unit and person come after the generated ones.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			next, err := units.Create(ctx, tx, unit.NewUnit{USCC: ident.NumberedUSCC(401), Name: "填充后新注册单位", UnitType: "企业"})
			if err != nil {
				return err
			}
			if want := ident.NewUnitNumber(ident.NumberedUnitRegion(401), 402); next.UnitNumber != want || next.ID != 402 {
				t.Errorf("the next unit: number %s id %d, want %s and 402", next.UnitNumber, next.ID, want)
			}
			id, err := person.Insert(ctx, tx, person.Row{IDType: "resident", IDNumber: ident.NumberedResidentID(1300),
				Name: "填充后", Mobile: ident.NumberedMobile(1300), CreatedAt: now})
			if err != nil {
				return err
			}
			if id != 1301 {
				t.Errorf("the next person's id %d, want 1301", id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		if _, err := scale.Fill(ctx, db, plan); !errors.Is(err, scale.ErrNotEmpty) {
			t.Errorf("a second fill: %v, want ErrNotEmpty", err)
		}
		// Five units need 2·5 + 3 = 13 persons; with 12 the plan is refused before
		// anything is written.
		empty := storetest.SQLite(t)
		if err := cases.NewCatalog(empty).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := scale.Fill(ctx, empty, scale.Plan{Persons: 12, Units: 5, PasswordHash: hash}); !errors.Is(err, scale.ErrPlan) {
			t.Errorf("too few persons: %v, want ErrPlan", err)
		}
		if _, err := scale.Fill(ctx, empty, scale.Plan{Persons: 13, Units: 5, PasswordHash: hash, Now: now}); err != nil {
			t.Errorf("13 persons for 5 units: %v", err)
		}
	})
}
