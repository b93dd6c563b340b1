package cases

import (
	"testing"
	"time"
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
	r := Result{Title: "稳岗返还核准通知书", USCC: "91320102MA1XXXXX0X",
		Case:    Case{UnitName: "示范单位", Number: "20261204000001", ItemName: "失业保险稳岗返还申领"},
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
