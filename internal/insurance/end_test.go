package insurance

import (
	"context"
	"errors"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestEndTx: ending an employee's insurance closes every open period with the end
// month and records the 减员 in the month after; it is refused for a person not insured and for an
// end month before an open period's start, changing nothing; InsuredNow lists only
// the insured.
func TestEndTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const id = "11010519491231002X"
		tx := func(fn func(tx *store.Tx) error) error { return db.Tx(ctx, fn) }
		if err := tx(func(tx *store.Tx) error {
			return EnrolTx(ctx, tx, NewEnrolment{USCC: unitUSCC, IDNumber: id, Name: "张三", StartMonth: 202602,
				Types: []Type{TypePension, TypeUnemployment}})
		}); err != nil {
			t.Fatal(err)
		}
		list, more, err := InsuredNow(ctx, db, unitUSCC, 10)
		if err != nil || more || len(list) != 1 || list[0].Name != "张三" {
			t.Fatalf("insured %v %v %v", list, more, err)
		}
		for _, c := range []struct {
			name string
			e    EndEnrolment
			want error
		}{
			{"before the start", EndEnrolment{USCC: unitUSCC, IDNumber: id, EndMonth: 202601}, ErrEndBeforeStart},
			{"someone else", EndEnrolment{USCC: unitUSCC, IDNumber: "110105194912310037", EndMonth: 202604}, ErrNotEnrolled},
			{"in the start month", EndEnrolment{USCC: unitUSCC, IDNumber: id, EndMonth: 202602, Reason: "退休"}, nil},
			{"again", EndEnrolment{USCC: unitUSCC, IDNumber: id, EndMonth: 202604}, ErrNotEnrolled},
		} {
			if err := tx(func(tx *store.Tx) error { return EndTx(ctx, tx, c.e) }); !errors.Is(err, c.want) {
				t.Fatalf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		var ended, leaves int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_periods WHERE id_number = ? AND end_month = 202602`, id).Scan(&ended); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_changes WHERE id_number = ? AND kind = 'leave' AND month = 202603
			AND reason = '退休'`, id).Scan(&leaves); err != nil {
			t.Fatal(err)
		}
		if ended != 2 || leaves != 1 {
			t.Fatalf("%d ended, %d leaves", ended, leaves)
		}
		if list, _, _ := InsuredNow(ctx, db, unitUSCC, 10); len(list) != 0 {
			t.Fatalf("still insured: %v", list)
		}
	})
}
