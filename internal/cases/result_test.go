package cases

import (
	"errors"
	"testing"
	"time"

	"hall/internal/delegation"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestResultTitle: each online item names its own notice; any other item the
// generic one.
func TestResultTitle(t *testing.T) {
	for _, c := range []struct{ item, want string }{
		{ItemEnrolment, "参保登记结果通知书"},
		{ItemLeave, "停保结果通知书"},
		{ItemSubsidy, "稳岗返还核准通知书"},
		{ItemUnitChange, "变更结果通知书"},
		{"SB-001", "办件结果通知书"},
		{"", "办件结果通知书"},
	} {
		if got := ResultTitle(c.item); got != c.want {
			t.Errorf("ResultTitle(%q) = %q, want %q", c.item, got, c.want)
		}
		if got := (Case{ItemCode: c.item}).ResultTitle(); got != c.want {
			t.Errorf("Case{%q}.ResultTitle() = %q, want %q", c.item, got, c.want)
		}
	}
}

// TestResultRows: the notice names the unit, its USCC, the case, the item and the
// decision date in China before the form's facts, in that order.
func TestResultRows(t *testing.T) {
	r := Result{Title: "稳岗返还核准通知书", USCC: "91320102MA1XXXXX0X", UnitName: "示范单位", ItemName: "失业保险稳岗返还申领",
		Case:    Case{UnitName: "示范单位（现名）", Number: "20261204000001", ItemName: "稳岗返还（现名）"},
		Decided: time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC), // 5 December in China
		Facts:   []Fact{{"核定返还金额", "1,234.00 元"}}}
	want := []Fact{{"单位名称", "示范单位"}, {"统一社会信用代码", "91320102MA1XXXXX0X"}, {"申办流水号", "20261204000001"},
		{"办理事项", "失业保险稳岗返还申领"}, {"办理结果", "已办结（准予办理）"}, {"办结日期", "2026年12月5日"},
		{"核定返还金额", "1,234.00 元"}}
	got := r.Rows()
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %v, want %v", i, got[i], want[i])
		}
	}
	if r.FileName() != "result-20261204000001.pdf" {
		t.Errorf("file name %q", r.FileName())
	}
}

// TestResultKeepsDecidedNames: on both engines, the result notice of an approved
// case names the unit, its USCC and the item as they were at 办结: after the
// registry renames the unit (and its code and the item's name change), the unit's
// and the back office's notice still carry the old ones, while the case pages
// show the current names. An approved case without them is refused by the
// database (migration 0036).
func TestResultKeepsDecidedNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c := f.apply(t)
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		oldName, oldUSCC := f.unit.Name, f.unit.USCC
		if _, err := db.Exec(f.ctx, `UPDATE units SET name = '示范更名后有限公司', uscc = '91320102MA1NEWNAM9' WHERE id = ?`,
			f.unit.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(f.ctx, `UPDATE catalog_items SET name = '参保登记（新名称）' WHERE code = ?`, ItemEnrolment); err != nil {
			t.Fatal(err)
		}
		unitRes, err := f.svc.UnitResult(f.ctx, f.repA, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		staffRes, err := f.svc.StaffResult(f.ctx, f.reviewer, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for who, res := range map[string]Result{"unit": unitRes, "staff": staffRes} {
			rows := map[string]string{}
			for _, r := range res.Rows() {
				rows[r.Label] = r.Value
			}
			if rows["单位名称"] != oldName || rows["统一社会信用代码"] != oldUSCC || rows["办理事项"] != "用人单位用工参保登记" {
				t.Errorf("%s notice after the rename: %v", who, rows)
			}
		}
		if unitRes.Case.UnitName != "示范更名后有限公司" || unitRes.Case.ItemName != "参保登记（新名称）" {
			t.Errorf("the case pages show %q, %q", unitRes.Case.UnitName, unitRes.Case.ItemName)
		}
		_, err = db.Exec(f.ctx, `UPDATE cases SET decided_unit_name = NULL WHERE id = ?`, c.ID)
		if err == nil || errors.Is(err, ErrStale) {
			t.Errorf("an approved case without its unit's name was stored: %v", err)
		}
	})
}

// TestUnitResultOneAnswer: on both engines, UnitResult answers an agent not
// granted the item with the Authorizer's refusal (403) whatever the case's state,
// before and after 办结, so the answer does not tell the state; the legal rep
// gets ErrNoResult (404) before 办结 and the notice after.
func TestUnitResultOneAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		submitted := f.apply(t)
		approved := f.apply(t)
		if _, err := f.svc.Accept(f.ctx, f.clerk, approved.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, approved.ID, ""); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			who  Actor
			id   int64
			want error // nil: the notice
		}{
			{"ungranted agent, before 办结", f.noA, submitted.ID, delegation.ErrNotAuthorized},
			{"ungranted agent, after 办结", f.noA, approved.ID, delegation.ErrNotAuthorized},
			{"legal rep, before 办结", f.repA, submitted.ID, ErrNoResult},
			{"legal rep, after 办结", f.repA, approved.ID, nil},
			{"granted agent, before 办结", f.agentA, submitted.ID, ErrNoResult},
		} {
			_, err := f.svc.UnitResult(f.ctx, tc.who, tc.id)
			if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}
