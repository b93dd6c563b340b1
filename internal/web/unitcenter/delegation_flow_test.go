package unitcenter

import (
	"context"
	"hall/internal/web/webtest"
	"testing"

	"hall/internal/ident"
	"hall/internal/person"
)

// Confirming an invitation the way the companion app does, for tests whose subject
// comes after it (the app's pages have browser tests of their own).

// confirmOnlyInvitation confirms p's one open invitation (ConfirmInvitation).
func confirmOnlyInvitation(t testing.TB, ts *webtest.TestServer, p person.Person, password string) {
	t.Helper()
	invs, err := ts.Delegation.PendingInvitations(context.Background(), p.ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invitations of %s: %v, %v", ident.MaskName(p.Name), invs, err)
	}
	webtest.ConfirmInvitation(t, ts, invs[0].ID, p, password)
}
