package person

import (
	"context"
	"errors"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestRegisterConcurrent: ten registrations of one ID number with different
// mobiles race; the database lets exactly one through (SPEC §9).
func TestRegisterConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		base := f.validInput()
		const n = 10
		inputs := make([]RegisterInput, n)
		for i := range inputs {
			in := f.validInput()
			in.IDNumber = base.IDNumber
			inputs[i] = in
		}
		errs := together(len(inputs), func(i int) error {
			_, err := f.svc.Register(context.Background(), inputs[i])
			return err
		})
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrIDTaken) && !errors.Is(err, ErrMobileTaken):
			default:
				t.Errorf("registration %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d registrations succeeded, want exactly 1", ok)
		}
		if c := count(t, db, "persons"); c != 1 {
			t.Fatalf("%d persons stored, want 1", c)
		}
		if c := count(t, db, "audit_log"); c != 1 {
			t.Fatalf("%d audit rows, want 1", c)
		}
	})
}

// TestUniqueConstraints checks the database itself, without the service's
// pre-checks: the invariant must hold for any writer (SPEC §9).
func TestUniqueConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		insert := func(idType, idNumber, mobile string) error {
			return db.Tx(ctx, func(tx *store.Tx) error {
				_, err := Insert(ctx, tx, Row{IDType: idType, IDNumber: idNumber, Name: "测试", Mobile: mobile,
					CreatedAt: f.clock.Now().UTC()})
				return err
			})
		}
		if err := insert(string(p.IDType), p.IDNumber, ident.GenerateMobile(f.rnd)); !store.IsUniqueViolation(err) {
			t.Errorf("duplicate identity: %v", err)
		}
		if err := insert(string(ident.IDTypeForeignPassport), "X1234567", p.Mobile); !store.IsUniqueViolation(err) {
			t.Errorf("duplicate mobile: %v", err)
		}
		if err := insert("driver_licence", "X1234567", ident.GenerateMobile(f.rnd)); !store.IsConstraintViolation(err) {
			t.Errorf("unknown ID type: %v", err)
		}
	})
}

// TestRegisterRacesCommit holds a conflicting registration open in another
// transaction while Register runs against it (storetest.Contend), then commits it.
// Register's own checks saw nothing. On PostgreSQL its insert must wait on the
// unique index for the other transaction and, refused once it commits, answer
// ErrIDTaken (or ErrMobileTaken); on SQLite Register cannot write while the other
// is open, and is refused likewise afterwards.
func TestRegisterRacesCommit(t *testing.T) {
	for _, c := range []struct {
		name      string
		sameID    bool
		want, not error
	}{
		{"same ID number", true, ErrIDTaken, ErrMobileTaken},
		{"same mobile", false, ErrMobileTaken, ErrIDTaken},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db)
				in := f.validInput()
				other := in // the conflicting registration: same ID number or same mobile
				if c.sameID {
					other.Mobile = ident.GenerateMobile(f.rnd)
				} else {
					other.IDNumber = f.validInput().IDNumber
				}
				id, err := ident.ParseResidentID(other.IDNumber, f.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				err = storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
					_, err := Insert(ctx, tx, Row{IDType: "resident", IDNumber: id.Number, Name: "测试", Mobile: other.Mobile,
						CreatedAt: f.clock.Now().UTC()})
					return err
				}, func(h *store.DB) error {
					_, err := New(h, f.svc.hasher, f.codes, ident.DefaultPasswordPolicy(),
						audit.New(h, []byte("person test audit key"), f.clock.Now), f.clock.Now).Register(context.Background(), in)
					return err
				}, "INSERT INTO persons")
				if !errors.Is(err, c.want) || errors.Is(err, c.not) {
					t.Fatalf("Register = %v, want %v alone", err, c.want)
				}
				if n := count(t, db, "persons"); n != 1 {
					t.Fatalf("%d persons, want 1", n)
				}
				if n := count(t, db, "audit_log"); n != 0 {
					t.Fatalf("%d audit rows for a refused registration", n)
				}
			})
		})
	}
}
