package person

import (
	"context"
	"errors"
	"testing"
	"time"

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
			now := f.clock.Now().UTC()
			_, err := db.Exec(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
				VALUES (?, ?, '测试', ?, ?, ?)`, idType, idNumber, mobile, now, now)
			return err
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
// transaction while Register runs, then commits it: Register's own checks saw
// nothing, so on PostgreSQL it is the unique index that refuses the insert, and
// the answer must still be ErrIDTaken (on SQLite the writer lock makes Register
// wait and its in-transaction check finds the row).
func TestRegisterRacesCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		in := f.validInput()
		id, _ := ident.ParseResidentID(in.IDNumber, f.clock.Now())
		inserted, release := make(chan struct{}), make(chan struct{})
		other := make(chan error, 1)
		go func() {
			other <- db.Tx(ctx, func(tx *store.Tx) error {
				now := f.clock.Now().UTC()
				_, err := tx.Exec(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
					VALUES ('resident', ?, '测试', ?, ?, ?)`, id.Number, ident.GenerateMobile(f.rnd), now, now)
				close(inserted)
				<-release
				return err
			})
		}()
		<-inserted
		done := make(chan error, 1)
		go func() { _, err := f.svc.Register(ctx, in); done <- err }()
		time.Sleep(300 * time.Millisecond) // let Register reach its insert
		close(release)
		if err := <-other; err != nil {
			t.Fatalf("other transaction: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrIDTaken) {
			t.Fatalf("Register = %v, want ErrIDTaken", err)
		}
		if n := count(t, db, "persons"); n != 1 {
			t.Fatalf("%d persons, want 1", n)
		}
	})
}
