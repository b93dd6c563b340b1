package web

import (
	"context"
	"strconv"
	"testing"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/verify"
)

// Confirming an invitation the way the companion app does, for tests whose subject
// comes after it (the app's pages have browser tests of their own).

// confirmInvitation confirms invitation invID for p through the domain, after a passed
// development face verification, setting password as the unit password.
func confirmInvitation(t testing.TB, ts *TestServer, invID string, p person.Person, password string) {
	t.Helper()
	ctx := context.Background()
	who := verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}
	binding := "confirm-app-" + strconv.FormatInt(p.ID, 10)
	s, err := ts.Verify.Start(ctx, verify.Request{Purpose: verify.PurposeAgentConfirm, Binding: binding, Expected: who})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.DevVerify.CompleteInApp(ctx, s.ID, who, true); err != nil {
		t.Fatal(err)
	}
	if err := ts.Delegation.Confirm(ctx, delegation.Actor{PersonID: p.ID}, delegation.Confirmation{InvitationID: invID,
		Password: password, Confirm: password, Proof: delegation.ConsumeIn(ts.Verify, s.ID, binding)}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
}

// confirmOnlyInvitation confirms p's one open invitation (confirmInvitation).
func confirmOnlyInvitation(t testing.TB, ts *TestServer, p person.Person, password string) {
	t.Helper()
	invs, err := ts.Delegation.PendingInvitations(context.Background(), p.ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invitations of %s: %v, %v", ident.MaskName(p.Name), invs, err)
	}
	confirmInvitation(t, ts, invs[0].ID, p, password)
}
