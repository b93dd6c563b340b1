package unitcenter

import (
	"context"
	"errors"
	"time"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/rights"
	"hall/internal/unit"
	"hall/internal/web"
)

// 单位主页's overview (U1) beyond the unit's facts: for the legal rep and the
// administrator, who manage 经办人管理, the invitations still waiting for
// confirmation in the app (待办事项) and the grants that end soon; for whoever may
// produce them, the latest rights records; for everyone, the chart of the last 36
// months. Cases (U4) come with their own issue and are not mentioned until then.

// homeExpiringDays: a grant ending within this many days is listed as ending soon.
const homeExpiringDays = 30

// homeRecentRecords is how many rights records the home lists.
const homeRecentRecords = 5

// homeMember is one admin or agent the overview names (masked).
type homeMember struct {
	Name  string
	Role  string
	Since *time.Time // invited at, for a pending one
	Until *time.Time // the grant's end, for an ending one
	Days  int        // days left
}

// homeOverview is what unitHome adds to the unit's facts.
type homeOverview struct {
	Manager  bool // legal rep or admin: the team's lists are shown
	Pending  []homeMember
	Expiring []homeMember
	// Records is nil when the session may not produce rights records (the section
	// is left out), empty when none was produced yet.
	Records    []rights.Record
	MayRecords bool
	Charts     []homeChart
	Table      homeTable
	Period     string
}

// homeOverviewOf gathers the overview for the session's unit.
func (s *handler) homeOverviewOf(ctx context.Context, now time.Time) (homeOverview, error) {
	v := web.VisitorFrom(ctx)
	role := unit.Role(v.Session.Subject.Role)
	var o homeOverview
	if role == unit.RoleLegalRep || role == unit.RoleAdmin {
		o.Manager = true
		members, err := s.Delegation.Team(ctx, v.Unit.ID)
		if err != nil {
			return o, err
		}
		for _, m := range members {
			if m.Role == unit.RoleLegalRep {
				continue
			}
			hm := homeMember{Name: ident.MaskName(m.Name), Role: m.Role.Label()}
			switch {
			case m.State == delegation.StatePending:
				hm.Since = m.InvitedAt
				o.Pending = append(o.Pending, hm)
			case m.State == delegation.StateActive && m.ValidUntil != nil && m.ValidUntil.Sub(now) <= homeExpiringDays*24*time.Hour:
				hm.Until = m.ValidUntil
				hm.Days = int((m.ValidUntil.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
				o.Expiring = append(o.Expiring, hm)
			}
		}
	}

	switch err := s.Delegation.AuthorizeMembership(ctx, *v.Membership, v.Unit.ID, role, rights.ItemCode); {
	case err == nil:
		o.MayRecords = true
		records, err := s.Rights.List(ctx, v.Unit.ID, 0, homeRecentRecords)
		if err != nil {
			return o, err
		}
		o.Records = records
	case !errors.Is(err, delegation.ErrNotAuthorized):
		return o, err
	}

	last := insurance.MonthOf(now.In(web.Shanghai)).Add(-1)
	first := last.Add(-(homeChartMonths - 1))
	totals, err := s.Insurance.MonthlyTotals(ctx, v.Unit.USCC, first, last)
	if err != nil {
		return o, err
	}
	o.Charts, o.Table = homeCharts(totals, first, last)
	o.Period = first.String() + " 至 " + last.String()
	return o, nil
}
