package verifystep_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/store/storetest"
	"hall/internal/verify"
	"hall/internal/verifystep"
)

// source stands for a flow package's formerr.Source.
type source struct{}

func (source) Source() string { return "testflow" }

var errFlowNotFound = errors.New("testflow: not found")

// who is an invented person with a generated resident ID number.
var who = verify.Person{IDType: ident.IDTypeResident,
	IDNumber: ident.GenerateResidentID(rand.New(rand.NewPCG(31, 7)), "", time.Time{}, false), Name: "王小明"}

// downProvider cannot start a session (the face verification service is down).
type downProvider struct{}

func (downProvider) Name() string { return "down" }
func (downProvider) Begin(context.Context, verify.Session) (string, string, error) {
	return "", "", fmt.Errorf("%w: connection refused", verify.ErrProvider)
}

func newStep(t *testing.T, p verify.Provider) verifystep.Step[source] {
	db := storetest.SQLite(t)
	clk := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return verifystep.Step[source]{Verify: verify.New(db, p, verify.Config{}, clk.Now),
		Purpose: verify.PurposeUnitRegister, NotFound: errFlowNotFound}
}

// Start opens a session of the step's purpose for the expected person, bound to
// the flow: the flow's binding reads it, another does not.
func TestStart(t *testing.T) {
	step := newStep(t, verify.NewDevProvider())
	id, err := step.Start(t.Context(), "flow-A", who)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	sess, err := step.Verify.Status(t.Context(), id, "flow-A")
	if err != nil {
		t.Fatalf("Status with the flow's binding: %v", err)
	}
	if sess.Purpose != verify.PurposeUnitRegister || !sess.Expected.Same(who) || sess.Status != verify.Pending {
		t.Errorf("session %+v, want a pending %s session for %v", sess, verify.PurposeUnitRegister, who)
	}
	if _, err := step.Verify.Status(t.Context(), id, "flow-B"); !errors.Is(err, verify.ErrNotFound) {
		t.Errorf("Status with another flow's binding = %v, want verify.ErrNotFound", err)
	}
}

// A provider that cannot start a session is the flow package's refused form with
// MsgUnavailable in Top, which its pages show (and answer 503).
func TestStartProviderDown(t *testing.T) {
	step := newStep(t, downProvider{})
	id, err := step.Start(t.Context(), "flow-A", who)
	var fe *formerr.Error[source]
	if !errors.As(err, &fe) || fe.Top != verifystep.MsgUnavailable || len(fe.Fields) != 0 || id != "" {
		t.Fatalf("Start = %q, %v; want the flow's FormError with MsgUnavailable in Top", id, err)
	}
}

func TestWait(t *testing.T) {
	dev := verify.NewDevProvider()
	step := newStep(t, dev)
	ctx := t.Context()
	id, err := step.Start(ctx, "flow-A", who)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	tests := []struct {
		name          string
		current, sent string
		past          bool
		want          verify.Status
		wantErr       error
	}{
		{"no session asked", id, "", false, "", errFlowNotFound},
		{"not the flow's current session", id, "another-session", false, "", errFlowNotFound},
		{"an old session once the flow moved on", "newer", id, true, "", errFlowNotFound},
		{"the current session, pending", id, id, false, verify.Pending, nil},
		{"the flow is past the step", id, id, true, verify.Passed, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := step.Wait(ctx, "flow-A", tc.current, tc.sent, tc.past, 0)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("Wait = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := dev.CompleteInApp(ctx, id, who, true); err != nil {
		t.Fatalf("CompleteInApp: %v", err)
	}
	if got, err := step.Wait(ctx, "flow-A", id, id, false, time.Second); got != verify.Passed || err != nil {
		t.Errorf("Wait after the person passed = %q, %v; want passed", got, err)
	}
	// The session is bound to its flow's ID: under another flow's ID it is as good
	// as gone, which the page's long poll reads as expired.
	if got, err := step.Wait(ctx, "flow-B", id, id, false, 0); got != verify.Expired || err != nil {
		t.Errorf("Wait under another flow's binding = %q, %v; want expired", got, err)
	}
}
