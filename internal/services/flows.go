package services

import (
	"hall/internal/recovery"
	"hall/internal/unitreg"
	"hall/internal/upgrade"
)

// The flow services hold no state of their own: they are built on the wired services
// when asked for (a few pointer copies), so that a test that swaps the clock or an
// adapter after Build gets flows that use the swapped one.

// Recovery is password recovery (P1, P2) on these services.
func (s *Services) Recovery() *recovery.Service {
	return recovery.New(recovery.Deps{DB: s.DB, Flows: s.Flows, Verify: s.Verify, Captcha: s.Captcha,
		Throttle: s.Throttle, Persons: s.Persons, Units: s.Units, Sessions: s.Sessions, Hasher: s.Hasher,
		Policy: s.Policy, Audit: s.Audit, Now: s.Now})
}

// UnitRegistration is the legal representative's unit registration (R2) on these
// services.
func (s *Services) UnitRegistration() *unitreg.Service {
	return unitreg.New(unitreg.Deps{DB: s.DB, Flows: s.Flows, Registry: s.Registry, Verify: s.Verify,
		Persons: s.Persons, Units: s.Units, Codes: s.Codes, Hasher: s.Hasher, Policy: s.Policy,
		Audit: s.Audit, Now: s.Now})
}

// Upgrade is 历史单位用户升级 (R4) on these services.
func (s *Services) Upgrade() *upgrade.Service {
	return upgrade.New(upgrade.Deps{DB: s.DB, Flows: s.Flows, Legacy: s.Legacy, Registry: s.Registry,
		Verify: s.Verify, Persons: s.Persons, Units: s.Units, Hasher: s.Hasher, Policy: s.Policy,
		Throttle: s.Throttle, Audit: s.Audit, Texts: s.Delegation, Sign: s.Codes.Config().Sign, Now: s.Now})
}
