// Package validity is the one rule for showing and reading the validity periods of
// administrator and agent grants (SPEC U6) as dates, so that every page — the unit
// center, the unit chooser, the personal center, the companion app's 我是经办人 and
// the text messages — names the same end date for the same grant.
//
// The rule:
//
//   - Dates are Asia/Shanghai (SPEC §2: stored in UTC, shown in Shanghai time).
//   - A period is stored as [from, until): until is the first instant the grant no
//     longer covers. A person types the inclusive last day D (授权有效期至 D), which
//     is stored as 00:00 in Shanghai on the day after D (EndOf), and shown as D again
//     (End, LastDay) — never as the day after, which is what formatting the stored
//     instant as a date would show.
//   - An end that is not at midnight (the grantor's own validity ending during the
//     chosen day, or a period set at the counter) shows its last day with the time,
//     so a page never claims a whole day the grant does not cover.
package validity

import (
	"time"

	"hall/internal/chinatime"
)

// Location is Asia/Shanghai, where the dates are read.
var Location = chinatime.Zone

// DateLayout is how dates are written and typed (the date input's format).
const DateLayout = "2006-01-02"

// Day is the date of t in Asia/Shanghai.
func Day(t time.Time) string { return t.In(Location).Format(DateLayout) }

// LastDay is the last day a period ending at until covers, at least in part: the
// date the person typed as 授权有效期至 (the inverse of EndOf).
func LastDay(until time.Time) string { return Day(until.Add(-time.Nanosecond)) }

// End shows the end of a period ending at until: its last day (LastDay) when the
// period ends at midnight, else that day with the time the period ends.
func End(until time.Time) string {
	u := until.In(Location)
	if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return LastDay(until)
	}
	return u.Format(DateLayout + " 15:04")
}

// EndOf is the stored end of a period whose last day is the Shanghai date of day:
// 00:00 in Shanghai on the following day.
func EndOf(day time.Time) time.Time {
	y, m, d := day.In(Location).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, Location)
}

// Period shows a period: "2026-05-11 至 2026-06-10", "至 2026-06-10" without a
// known start, "2026-05-11 起长期有效" without an end and "长期有效" with neither.
func Period(from, until *time.Time) string {
	switch {
	case until == nil && from == nil:
		return "长期有效"
	case until == nil:
		return Day(*from) + " 起长期有效"
	case from == nil:
		return "至 " + End(*until)
	}
	return Day(*from) + " 至 " + End(*until)
}
