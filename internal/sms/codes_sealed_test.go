package sms

import (
	"context"
	"testing"

	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestCodesKeepNoClearMobile: after codes were issued, refused and checked, the
// flows, codes and send-rate tables hold the mobile in no notation, on both
// engines; the flow and the rate row are keyed by the mobile's blind index, which
// is what a mobile typed in another notation finds.
func TestCodesKeepNoClearMobile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(46, 1)[0]
		spaced := mobile[:3] + " " + mobile[3:7] + " " + mobile[7:]
		_, code := f.issue(t, Request{Purpose: "login", Binding: "b1", Mobile: "+86 " + spaced, ClientAddr: "198.51.100.9"})
		wantErr(t, "wrong code", f.codes.Check(ctx, "login", "b1", mobile, wrong(code)), ErrCodeInvalid)
		wantErr(t, "right code in another notation", f.codes.Check(ctx, "login", "b1", spaced, code), nil)

		index := db.Keys().Index(sealed.KindMobile, mobile)
		if n := count(t, db, "sms_flows", "mobile_index = ? AND purpose = 'login'", index); n != 1 {
			t.Fatalf("flows under the mobile's index = %d, want 1", n)
		}
		if n := count(t, db, "sms_mobile_rate", "mobile_index = ? AND day_count = 1", index); n != 1 {
			t.Fatalf("rate rows under the mobile's index = %d, want 1", n)
		}
		for _, table := range []string{"sms_flows", "sms_codes", "sms_mobile_rate"} {
			storetest.HoldsNone(t, db, table, mobile, spaced, mobile[3:])
		}
	})
}
