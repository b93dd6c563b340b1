package throttle

import (
	"context"
	"errors"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestAddressAndAccountAreIndependent: the account and the address each have their
// own limits, and a refusal by one counts on neither.
func TestAddressAndAccountAreIndependent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		th, _ := newThrottle(db)
		ids := people(3, 80)

		t.Run("a locked account does not lock its address", func(t *testing.T) {
			addr := th.AddrKey(ScopeLoginAddr, "198.51.100.20")
			victim := th.AccountKey(ScopeLoginAccount, ids[0])
			for i := range 5 {
				if err := attempt(t, th, []Key{victim, addr}, true, false); err != nil {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
			if err := attempt(t, th, []Key{victim, addr}, true, true); !errors.Is(err, ErrLocked) {
				t.Fatalf("locked account: %v, want ErrLocked", err)
			}
			// A colleague behind the same NAT logs in without a captcha.
			colleague := th.AccountKey(ScopeLoginAccount, ids[1])
			if err := attempt(t, th, []Key{colleague, addr}, false, true); err != nil {
				t.Fatalf("other account from the same address: %v", err)
			}
			// And the victim is locked from every address.
			other := th.AddrKey(ScopeLoginAddr, "203.0.113.9")
			if err := attempt(t, th, []Key{victim, other}, true, true); !errors.Is(err, ErrLocked) {
				t.Fatalf("locked account from another address: %v, want ErrLocked", err)
			}
		})

		// Issue 9: an address past its limits asks for the captcha, and never
		// refuses correct credentials (the old test here expected a lock).
		t.Run("an address past its limits asks for the captcha, never refuses a correct password", func(t *testing.T) {
			addr := th.AddrKey(ScopeLoginAddr, "198.51.100.21")
			for i := range 60 {
				acct := th.AccountKey(ScopeLoginAccount, ids[10+i])
				if err := attempt(t, th, []Key{acct, addr}, true, false); err != nil {
					t.Fatalf("failure %d from the address: %v", i+1, err)
				}
			}
			if st := status(t, th, addr); st.Locked() || !st.CaptchaRequired {
				t.Fatalf("address after 60 failures: %+v, want the captcha and no lock", st)
			}
			fresh := th.AccountKey(ScopeLoginAccount, ids[70])
			if err := attempt(t, th, []Key{fresh, addr}, false, true); !errors.Is(err, ErrCaptchaRequired) {
				t.Fatalf("fresh account from the address without the captcha: %v, want ErrCaptchaRequired", err)
			}
			if st := status(t, th, fresh); st.CaptchaRequired || st.Locked() {
				t.Errorf("the refused attempt counted on the account: %+v", st)
			}
			if err := attempt(t, th, []Key{fresh, addr}, true, true); err != nil {
				t.Fatalf("correct password with the captcha from a busy address: %v", err)
			}
			if err := attempt(t, th, []Key{fresh, th.AddrKey(ScopeLoginAddr, "198.51.100.22")}, false, true); err != nil {
				t.Fatalf("same account from another address: %v", err)
			}
		})

		t.Run("a refused Begin reserves nothing on any key", func(t *testing.T) {
			// Keys are reserved in (scope, hash) order: the login-account key is
			// written before the sms-guess key refuses, so only the rollback can
			// remove it.
			first := th.AccountKey(ScopeLoginAccount, ids[2])
			mobile := th.AccountKey(ScopeSMSGuess, mobiles(3, 1)[0])
			for range 3 {
				if err := attempt(t, th, []Key{mobile}, false, false); err != nil {
					t.Fatal(err)
				}
			}
			for range 20 {
				if err := attempt(t, th, []Key{first, mobile}, false, false); !errors.Is(err, ErrCaptchaRequired) {
					t.Fatalf("got %v, want ErrCaptchaRequired", err)
				}
			}
			if _, found, err := readRow(context.Background(), db.QueryRow, first); err != nil || found {
				t.Fatalf("row of the first key after refused attempts: found=%v err=%v", found, err)
			}
		})

		t.Run("IPv6 addresses count per /64", func(t *testing.T) {
			for i := range 10 {
				acct := th.AccountKey(ScopeLoginAccount, ids[3+i%5])
				addr := th.AddrKey(ScopeLoginAddr, []string{"2001:db8:5:6::1", "[2001:db8:5:6:a:b:c:d]:4431", "2001:db8:5:6::ffff"}[i%3])
				if err := attempt(t, th, []Key{acct, addr}, true, false); err != nil {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
			if st := status(t, th, th.AddrKey(ScopeLoginAddr, "2001:db8:5:6:1234::9")); !st.CaptchaRequired {
				t.Errorf("same /64 after 10 failures: %+v, want captcha", st)
			}
			if st := status(t, th, th.AddrKey(ScopeLoginAddr, "2001:db8:5:7::1")); st.CaptchaRequired {
				t.Errorf("neighbouring /64 counted: %+v", st)
			}
		})
	})
}
