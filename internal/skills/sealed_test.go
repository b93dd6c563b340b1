package skills

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// rawCandidates is what `select *` shows of skill_candidates.
func rawCandidates(t *testing.T, db *store.DB) []string {
	t.Helper()
	return storetest.RawRows(t, db, "SELECT * FROM skill_candidates ORDER BY id")
}

// assertNoClear fails for any of values (not "") in rows.
func assertNoClear(t *testing.T, rows []string, values ...string) {
	t.Helper()
	for _, row := range rows {
		for _, v := range values {
			if v != "" && strings.Contains(row, v) {
				t.Errorf("a skill_candidates row holds %q in clear", v)
			}
		}
	}
}

// openCandidates takes the database's refusal of changed candidates out of the way,
// as the database's owner could, so that a test can move a sealed value.
func openCandidates(t *testing.T, db *store.DB) {
	t.Helper()
	dropTrigger := `DROP TRIGGER skill_candidates_no_update`
	if db.Engine == store.Postgres {
		dropTrigger = `ALTER TABLE skill_candidates DISABLE TRIGGER skill_candidates_open`
	}
	if _, err := db.Exec(t.Context(), dropTrigger); err != nil {
		t.Fatal(err)
	}
}

// TestCandidatesSealedAtRest: what `select * from skill_candidates` shows holds no
// candidate's name, ID number or mobile, on both engines, while the plan's list
// opens to what was entered; the database still keeps one person once per plan
// (by the blind index); the key rotation re-seals the list of a submitted plan; a
// value moved to another candidate or column does not open there.
func TestCandidatesSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, "认定计划")
		first, err := f.svc.AddCandidate(f.ctx, f.rep, p.ID, CandidateInput{Name: "欧阳娜娜", IDNumber: f.idNumber(), Mobile: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		second := f.add(t, f.rep, p, "司马相如")
		rows := rawCandidates(t, db)
		if len(rows) != 2 {
			t.Fatalf("%d rows, want 2", len(rows))
		}
		assertNoClear(t, rows, first.Name, first.IDNumber, first.IDNumber[:17], first.Mobile, second.Name, second.IDNumber, second.IDNumber[:17])

		// One person once per plan, by the database: a row with the index of a
		// listed ID number is refused whatever its sealed values.
		_, err = db.Exec(f.ctx, `INSERT INTO skill_candidates (plan_id, name, id_number, id_number_index, mobile, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.ID, []byte("x"), []byte("x"), db.Keys().Index(sealed.KindIDNumber, first.IDNumber),
			[]byte("x"), t0)
		if !store.IsUniqueViolation(err) {
			t.Errorf("a second row of a listed ID number: %v, want a unique violation", err)
		}

		if _, err := f.svc.Submit(f.ctx, f.rep, p.ID, f.current(t, p).Version); err != nil {
			t.Fatal(err)
		}
		// The rotation rewrites the sealed values of a submitted plan's list (the
		// trigger lets it), after which the new key alone opens them.
		newKey := storetest.BeginRotation(t, db)
		if _, err := db.RotateKeys(f.ctx, 100, nil); err != nil {
			t.Fatalf("rotate the keys with a submitted plan's candidates: %v", err)
		}
		storetest.EndRotation(t, db, newKey)
		_, list, err := f.svc.UnitPlan(f.ctx, f.unitID, p.ID, 1)
		if err != nil || len(list) != 2 || list[0].Name != first.Name || list[0].IDNumber != first.IDNumber ||
			list[0].Mobile != first.Mobile || list[1].Name != second.Name || list[1].IDNumber != second.IDNumber || list[1].Mobile != "" {
			t.Fatalf("the list under the new key: %+v, %v", list, err)
		}

		// The second candidate's name copied onto the first does not open there, nor
		// does a candidate's ID number copied into its own name. The database refuses
		// both moves (TestCandidatesClosedInDatabase); with its trigger out of the
		// way, as the database's owner could do, the reads refuse them.
		openCandidates(t, db)
		if _, err := db.Exec(f.ctx, `UPDATE skill_candidates SET name = (SELECT name FROM skill_candidates WHERE id = ?)
			WHERE id = ?`, second.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		// The list shows it marked, its values empty, beside the other (logged).
		unreadableFirst := func(list []Candidate, err error) string {
			if err != nil || len(list) != 2 || !list[0].Unreadable || list[0].Name != "" || list[0].IDNumber != "" ||
				list[1].Unreadable || list[1].Name != second.Name {
				return fmt.Sprintf("%+v, %v", list, err)
			}
			return ""
		}
		_, list, err = f.svc.UnitPlan(f.ctx, f.unitID, p.ID, 1)
		if got := unreadableFirst(list, err); got != "" {
			t.Errorf("a list with a moved name: %s; want the first unreadable", got)
		}
		if _, err := db.Exec(f.ctx, `UPDATE skill_candidates SET name = id_number WHERE id = ?`, first.ID); err != nil {
			t.Fatal(err)
		}
		_, list, err = f.svc.StaffPlan(f.ctx, f.reviewer, p.ID, 1)
		if got := unreadableFirst(list, err); got != "" {
			t.Errorf("a list with an ID number as name: %s; want the first unreadable", got)
		}
	})
}

// TestUnreadableCandidateRemoved: a candidate whose ID number does not open (moved
// from another candidate, with the database's trigger out of the way) can still
// be removed from an open plan, so that the person can be entered again.
func TestUnreadableCandidateRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, "认定计划")
		first, second := f.add(t, f.rep, p, "欧阳娜娜"), f.add(t, f.rep, p, "司马相如")
		openCandidates(t, db)
		if _, err := db.Exec(f.ctx, `UPDATE skill_candidates SET id_number = (SELECT id_number FROM skill_candidates WHERE id = ?)
			WHERE id = ?`, second.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveCandidate(f.ctx, f.rep, p.ID, first.ID); err != nil {
			t.Fatalf("removing an unreadable candidate: %v", err)
		}
		_, list, err := f.svc.UnitPlan(f.ctx, f.unitID, p.ID, 1)
		if err != nil || len(list) != 1 || list[0].ID != second.ID {
			t.Fatalf("the list after the removal: %+v, %v", list, err)
		}
		if _, err := f.svc.AddCandidate(f.ctx, f.rep, p.ID, CandidateInput{Name: first.Name, IDNumber: first.IDNumber}); err != nil {
			t.Errorf("entering the removed person again: %v", err)
		}
	})
}

// TestMigrationSealsClearCandidates: a database whose candidates were kept in clear
// (the schema before 0058) is sealed by migration 0058's Go half — the list opens
// to its old values, a listed ID number is still refused on the plan (by the
// service and by the database's unique key on the index), ids of deleted
// candidates are not given again, and no clear value is left — and a migration
// without a data key is refused, leaving the schema where it was.
func TestMigrationSealsClearCandidates(t *testing.T) {
	storetest.EachBefore(t, 58, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, "认定计划")
		clear := []Candidate{{Name: "林晓梅", IDNumber: f.idNumber(), Mobile: "13912345678"},
			{Name: "欧阳修", IDNumber: f.idNumber()}, {Name: "司马光", IDNumber: f.idNumber(), Mobile: "13712345678"}}
		for i := range clear {
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `INSERT INTO skill_candidates (plan_id, name, id_number, mobile, created_at)
					VALUES (?, ?, ?, ?, ?) RETURNING id`, p.ID, clear[i].Name, clear[i].IDNumber, clear[i].Mobile, t0).Scan(&clear[i].ID)
			}); err != nil {
				t.Fatal(err)
			}
		}
		deleted := clear[2].ID
		if _, err := db.Exec(ctx, `DELETE FROM skill_candidates WHERE id = ?`, deleted); err != nil {
			t.Fatal(err)
		}
		clear = clear[:2]

		storetest.MigrateSealing(t, db, 58)
		_, list, err := f.svc.UnitPlan(ctx, f.unitID, p.ID, 1)
		if err != nil || len(list) != len(clear) {
			t.Fatalf("the list after the migration: %+v, %v", list, err)
		}
		for i, c := range clear {
			if got := list[i]; got.ID != c.ID || got.Name != c.Name || got.IDNumber != c.IDNumber || got.Mobile != c.Mobile {
				t.Errorf("candidate %d after the migration: %+v, want %+v", c.ID, got, c)
			}
		}
		assertNoClear(t, rawCandidates(t, db), clear[0].Name, clear[0].IDNumber, clear[0].Mobile, clear[1].Name, clear[1].IDNumber)

		if _, err := f.svc.AddCandidate(ctx, f.rep, p.ID, CandidateInput{Name: "林晓梅", IDNumber: clear[0].IDNumber}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("a listed ID number after the migration: %v, want ErrDuplicate", err)
		}
		_, err = db.Exec(ctx, `INSERT INTO skill_candidates (plan_id, name, id_number, id_number_index, mobile, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.ID, []byte("x"), []byte("x"), db.Keys().Index(sealed.KindIDNumber, clear[1].IDNumber), []byte("x"), t0)
		if !store.IsUniqueViolation(err) {
			t.Errorf("a second row of a listed ID number after the migration: %v, want a unique violation", err)
		}
		next := f.add(t, f.rep, p, "王安石")
		if next.ID <= deleted {
			t.Errorf("a new candidate got id %d, not after the deleted %d", next.ID, deleted)
		}
	})
}
