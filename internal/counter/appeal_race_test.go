package counter

import (
	"errors"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestAppealReleaseRacesRegistration is §9's one account per mobile across an
// appeal's release: while the reviewer approves the release of a taken mobile,
// several new owners register with it at once. The release always succeeds; a
// registration that runs before it commits is refused as taken; and however the
// two interleave, at most one account ever holds the number — the database's
// unique index decides, not the checks before the insert. A second round after
// the release then lets exactly one registrant have it.
func TestAppealReleaseRacesRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		holder := f.person(t, "旧号主")
		id := f.fileAppeal(t, person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(f.rnd, "320102", time.Date(1990, 3, 4, 0, 0, 0, 0, time.UTC), false),
			Name:     "新号主", Mobile: holder.Mobile, ContactMobile: ident.GenerateMobile(f.rnd)})
		q, err := f.svc.SubmitAppealRelease(f.ctx, f.clerk, id, "运营商实名证明该号码属申诉人", uploads(scans.KindIDCard))
		if err != nil {
			t.Fatal(err)
		}

		register := func(n int) (won int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for range n {
				idNumber := ident.GenerateResidentID(f.rnd, "320102", time.Date(1992, 1, 1+f.rnd.IntN(300), 0, 0, 0, 0, time.UTC), true)
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := db.Tx(f.ctx, func(tx *store.Tx) error {
						_, err := f.persons.CreateTx(f.ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: idNumber,
							Name: "新号主", Mobile: holder.Mobile, PasswordHash: "fake$Own#2026pw"}, "")
						return err
					})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, person.ErrMobileTaken), store.IsUniqueViolation(err):
					default:
						t.Errorf("registration: %v", err)
					}
				}()
			}
			wg.Wait()
			return won
		}

		var approveErr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, approveErr = f.svc.Approve(f.ctx, f.reviewer, q.ID, "核实号码归属")
		}()
		early := register(4)
		wg.Wait()
		if approveErr != nil {
			t.Fatalf("approve the release: %v", approveErr)
		}
		if early > 1 {
			t.Fatalf("%d registrations won the mobile during the release", early)
		}
		late := register(4)
		if early+late != 1 {
			t.Fatalf("registrations that won the mobile: %d during the release, %d after, want exactly 1 in all", early, late)
		}
		var holders int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM persons WHERE mobile_index = ?`,
			person.MobileIndex(db.Keys(), holder.Mobile)).Scan(&holders); err != nil {
			t.Fatal(err)
		}
		if holders != 1 {
			t.Fatalf("%d accounts hold the mobile", holders)
		}
		if p, _ := f.persons.Get(f.ctx, holder.ID); p.Mobile == holder.Mobile {
			t.Fatal("the old holder still has the mobile")
		}
	})
}
