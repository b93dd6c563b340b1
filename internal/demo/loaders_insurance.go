package demo

import (
	"context"

	"hall/internal/insurance"
	"hall/internal/registry"
	"hall/internal/store"
)

const (
	insuranceSeed = 20261204
	// insuranceMonths is how far back the demo's payments go: the 36 months unit
	// pages and the headcount chart show.
	insuranceMonths = 36
	// InsuranceLargeUnit is the headcount of the first demo unit, large enough to
	// page through and to print a long rights record.
	InsuranceLargeUnit = 3000
	// SmallUnitEmployees is the headcount of the small registered demo unit: the
	// 50-employee rights record of QUALITY.md.
	SmallUnitEmployees = 50
)

// The file sorts after loaders.go, so this init runs after the one that appends
// the registry and accounts: the insurance data set loads last.
func init() {
	loaders = append(loaders, Loader{Name: "insurance", Seed: insuranceSeed, Load: loadInsurance, Later: true})
}

// insuranceUnits are the demo units the core system has data for: the three
// registered demo units (the first with about 3,000 employees, the small one with
// SmallUnitEmployees), the unit not yet registered, a public institution, and a
// construction firm.
func insuranceUnits() ([]insurance.DemoUnit, error) {
	c, err := newCast(NewGen(accountsSeed))
	if err != nil {
		return nil, err
	}
	unit := func(e registry.Entry, n, class int) insurance.DemoUnit {
		return insurance.DemoUnit{USCC: e.USCC, Region: e.Region, Employees: n, InjuryClass: class,
			Public: e.UnitType == registry.UnitPublicInstitution}
	}
	a := unit(c.unitA, InsuranceLargeUnit, 1)
	a.Subsidiaries, a.Foreigners = 4, 6
	units := []insurance.DemoUnit{a, unit(c.unitB, 240, 2), unit(c.unitC, 45, 1), unit(c.unitE, SmallUnitEmployees, 1)}
	taken := map[string]bool{c.unitA.USCC: true, c.unitB.USCC: true, c.unitC.USCC: true, c.unitD.USCC: true, c.unitE.USCC: true}
	var public, building bool
	for _, e := range registryEntries() {
		if taken[e.USCC] || !e.Active() {
			continue
		}
		switch {
		case !public && e.UnitType == registry.UnitPublicInstitution:
			public = true
			units = append(units, unit(e, 120, 1))
		case !building && e.UnitType == registry.UnitEnterprise && construction(e):
			building = true
			u := unit(e, 160, 5)
			u.Construction = true
			units = append(units, u)
		}
	}
	return units, nil
}

// loadInsurance fills the insurance read model, as the core system would hold it,
// for the months up to the last full one.
func loadInsurance(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	units, err := insuranceUnits()
	if err != nil {
		return err
	}
	last := insurance.MonthOf(d.Now().UTC()).Add(-1)
	// #nosec G115 -- config.Validate keeps base-ceiling at most 1000000 yuan, so the fen fit int64.
	bounds := insurance.Bounds{Floor: int64(d.Config.BaseFloor) * 100, Ceiling: int64(d.Config.BaseCeiling) * 100}
	_, err = insurance.LoadDemo(ctx, tx, g.R, units, last, insuranceMonths, bounds)
	return err
}
