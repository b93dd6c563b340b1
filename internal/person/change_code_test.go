package person

import (
	"context"
	"errors"
	"testing"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestChangeMobileKeepsCodesUntilChanged: both codes of a mobile change are spent in
// the transaction that writes the new mobile, so a refused second code or a failed
// write leaves them usable, and a change that went through used each exactly once.
func TestChangeMobileKeepsCodesUntilChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCodeFixture(t, db, fastHasher(t))
		p, err := f.svc.Register(ctx, f.input(t))
		if err != nil {
			t.Fatal(err)
		}
		const binding = "change-mobile-browser"
		newMobile := ident.GenerateMobile(f.rnd)
		c := MobileChange{PersonID: p.ID, Current: testPassword, NewMobile: newMobile, Binding: binding,
			OldCode: f.send(t, PurposeMobileOld, binding, p.Mobile),
			NewCode: f.send(t, PurposeMobileNew, binding, newMobile),
			Reauth:  func(context.Context, string) error { return nil },
			Actor:   Actor{ClientAddr: "198.51.100.3"}}
		wantActive := func(after string) {
			t.Helper()
			for _, purpose := range []string{PurposeMobileOld, PurposeMobileNew} {
				if got := codeStatesOf(t, db, purpose); got["active"] != 1 || got["used"] != 0 {
					t.Errorf("after %s the %s codes are %v, want the one still active", after, purpose, got)
				}
			}
			if q, err := f.svc.Get(ctx, p.ID); err != nil || q.Mobile != p.Mobile {
				t.Fatalf("after %s the mobile is %s (%v), want the old one", after, ident.MaskMobile(q.Mobile), err)
			}
		}

		// The new number's code is mistyped: the old number's stays usable too.
		wrong := c
		wrong.NewCode = string(append([]byte(c.NewCode[:5]), '0'+(c.NewCode[5]-'0'+1)%10))
		_, err = f.svc.ChangeMobile(ctx, wrong)
		if fe := formError(t, err); len(fe.Fields) != 1 || fe.Fields[FieldNewCode] == "" {
			t.Fatalf("wrong new code: %s", fieldsOf(fe))
		}
		wantActive("a wrong new code")

		// The write fails: the audit record cannot be appended.
		if _, err := db.Exec(ctx, "ALTER TABLE audit_log RENAME TO audit_log_away"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ChangeMobile(ctx, c)
		if _, rerr := db.Exec(ctx, "ALTER TABLE audit_log_away RENAME TO audit_log"); rerr != nil {
			t.Fatal(rerr)
		}
		var fe *FormError
		if err == nil || errors.As(err, &fe) {
			t.Fatalf("ChangeMobile with a failing write = %v, want the database failure", err)
		}
		wantActive("a failed write")

		// Now it works, with the same codes, once.
		got, err := f.svc.ChangeMobile(ctx, c)
		if err != nil || got.Mobile != newMobile {
			t.Fatalf("ChangeMobile after the failures: %v", err)
		}
		for _, purpose := range []string{PurposeMobileOld, PurposeMobileNew} {
			if got := codeStatesOf(t, db, purpose); got["active"] != 0 || got["used"] != 1 {
				t.Errorf("after the change the %s codes are %v, want one used", purpose, got)
			}
		}
		// The same codes again (back to the old number is not what they proved).
		again := c
		again.NewMobile = ident.GenerateMobile(f.rnd)
		_, err = f.svc.ChangeMobile(ctx, again)
		if fe := formError(t, err); fe.Fields[FieldOldCode] == "" {
			t.Fatalf("the spent codes again: %s", fieldsOf(fe))
		}
		if n := len(auditActions(t, f.fixture, "person.mobile.change")); n != 1 {
			t.Fatalf("%d mobile changes audited, want 1", n)
		}
	})
}
