package staff

import (
	"errors"
	"testing"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestCommand: the frame of a command decides on the actor as the database has it
// now; a refusal — authorize's, or one of the work's own — rolls the work back and
// is recorded as denied against the target, an account disabled since the session
// began among them; a failure that is not a refusal rolls back without a denial
// record; a command allowed commits.
func TestCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sec, _ := f.bootstrap(t)
		reviewer, _ := f.create(t, sec, "reviewer1", RoleReviewer)
		clerk, _ := f.create(t, sec, "clerk1", RoleClerk)
		gone, goneCreated := f.create(t, sec, "clerk2", RoleClerk)
		if err := f.svc.Disable(f.ctx, sec, goneCreated.Staff.ID, "离岗"); err != nil {
			t.Fatal(err)
		}
		// The session still says 审核 for clerk: the database decides.
		stale := clerk
		stale.Roles = RolesOf(RoleReviewer)
		broken := errors.New("the work failed")

		for _, c := range []struct {
			name    string
			actor   Actor
			subject Subject
			own     error // the work's own answer after an allowed authorize
			want    error
			denied  bool
		}{
			{"allowed", reviewer, Subject{StaffID: clerk.StaffID}, nil, nil, false},
			{"role taken away (the session's roles are not asked)", stale, Subject{StaffID: reviewer.StaffID}, nil, ErrForbidden, true},
			{"own work", reviewer, Subject{StaffID: reviewer.StaffID}, nil, DenyOwnWork, true},
			{"the work's own refusal", reviewer, Subject{StaffID: clerk.StaffID}, DenyOwnWork, DenyOwnWork, true},
			{"the work fails", reviewer, Subject{StaffID: clerk.StaffID}, broken, broken, false},
			{"disabled since", gone, Subject{StaffID: reviewer.StaffID}, nil, DenyDisabled, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				tgt := "test:" + c.name
				err := Command(f.ctx, f.db, f.audit, c.actor, ActionCaseDecide, tgt, func(tx *store.Tx, fresh Actor, authorize Authorizer) error {
					if fresh.StaffID != c.actor.StaffID {
						t.Errorf("fresh actor %d for %d", fresh.StaffID, c.actor.StaffID)
					}
					role, err := authorize(c.subject)
					if err != nil {
						return err
					}
					if _, err := f.audit.Append(f.ctx, tx, fresh.Entry(role, "test.command", tgt, "", nil)); err != nil {
						return err
					}
					return c.own
				})
				if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
					t.Fatalf("Command: %v, want %v", err, c.want)
				}
				es, _, lerr := f.audit.List(f.ctx, audit.Filter{StaffID: c.actor.StaffID, PerPage: audit.MaxPerPage})
				if lerr != nil {
					t.Fatal(lerr)
				}
				var committed, denials int
				for _, e := range es {
					switch {
					case e.Target != tgt:
					case e.Action == "test.command":
						committed++
					case e.Result == audit.Denied && e.Action == string(ActionCaseDecide):
						denials++
					}
				}
				if wantCommitted := map[bool]int{true: 1}[c.want == nil]; committed != wantCommitted {
					t.Errorf("%d records of the work kept, want %d", committed, wantCommitted)
				}
				if wantDenials := map[bool]int{true: 1}[c.denied]; denials != wantDenials {
					t.Errorf("%d denial records, want %d (%+v)", denials, wantDenials, es)
				}
			})
		}
	})
}
