package delegation

import (
	"errors"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestInvariantsUnderConcurrency is SPEC §9's example through the commands: 20
// parallel AddAgent on a unit with 9 agents, exactly one succeeds; 5 parallel
// SetAdmin with different nominees on a unit without admin, exactly one succeeds
// (SetAdmin never replaces, so the losers cannot revoke the winner).
func TestInvariantsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep := f.person(t)
		u := f.unit(t, rep)
		until := f.clk.Now().Add(30 * day24)
		for range 9 {
			if _, err := f.svc.AddAgent(f.ctx, rep.actor(), u, f.person(t).Nominee, []string{"SB-001"}, time.Time{}, until); err != nil {
				t.Fatal(err)
			}
		}
		race := func(nominees []who, do func(n who) error, loser error) {
			t.Helper()
			var wg sync.WaitGroup
			errs := make([]error, len(nominees))
			for i, n := range nominees {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = do(n)
				}()
			}
			wg.Wait()
			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
					if len(f.texts(t, nominees[i])) != 1 {
						t.Errorf("the winner got %d invitation texts", len(f.texts(t, nominees[i])))
					}
				case !errors.Is(err, loser):
					t.Errorf("unexpected error %v", err)
				default:
					if len(f.texts(t, nominees[i])) != 0 {
						t.Error("a refused nominee got an invitation text")
					}
				}
			}
			if ok != 1 {
				t.Fatalf("%d of %d parallel calls succeeded, want exactly 1", ok, len(nominees))
			}
		}
		race(f.people(t, 20), func(n who) error {
			_, err := f.svc.AddAgent(f.ctx, rep.actor(), u, n.Nominee, []string{"SB-001", "SB-002"}, time.Time{}, until)
			return err
		}, ErrAgentLimit)
		race(f.people(t, 5), func(n who) error {
			_, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, n.Nominee, until)
			return err
		}, ErrAdminExists)
		agents := f.count(t, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = 'agent' AND status <> 'revoked'`, u)
		admins := f.count(t, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = 'admin' AND status <> 'revoked'`, u)
		invitations := f.count(t, `SELECT COUNT(*) FROM invitations`)
		if agents != 10 || admins != 1 || invitations != 11 {
			t.Fatalf("agents=%d admins=%d invitations=%d, want 10, 1, 11", agents, admins, invitations)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action IN ('delegation.add_agent', 'delegation.set_admin')`); got != 11 {
			t.Fatalf("%d audit records for 11 successful commands", got)
		}
	})
}
