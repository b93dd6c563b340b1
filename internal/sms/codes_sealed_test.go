package sms

import (
	"bytes"
	"context"
	"testing"

	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// rawRows is every string or byte column of every row of table as the database
// returns it.
func rawRows(t *testing.T, db *store.DB, table string) [][]byte {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				out = append(out, v)
			case string:
				out = append(out, []byte(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

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
			raw := rawRows(t, db, table)
			if len(raw) == 0 {
				t.Fatalf("%s: no string or byte columns read", table)
			}
			for _, clear := range []string{mobile, spaced, mobile[3:]} {
				for _, v := range raw {
					if bytes.Contains(v, []byte(clear)) {
						t.Errorf("%s holds %q in clear: %q", table, clear, v)
					}
				}
			}
		}
	})
}
