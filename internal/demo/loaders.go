package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/validity"
)

// The demo passwords. They pass the password policy and are printed at start-up and
// in the README: these accounts are invented and exist only in demo databases.
const (
	DemoPassword     = "Demo#2026hall"
	DemoUnitPassword = "Unit#2026hall"
)

const (
	registrySeed = 20261127
	registrySize = 40
	accountsSeed = 20261128
)

func init() {
	loaders = append(loaders,
		Loader{Name: "registry", Seed: registrySeed, Load: loadRegistry},
		Loader{Name: "accounts", Seed: accountsSeed, Load: loadAccounts, Accounts: accountList},
		Loader{Name: "grants", Seed: accountsSeed, Load: loadGrants},
	)
}

// registryEntries is the demo registry: the same entries on every machine.
func registryEntries() []registry.Entry {
	return registry.DemoEntries(NewGen(registrySeed).R, registrySize)
}

// loadRegistry fills the development registry table, so unit registration (R2) has
// units to find. With a production registry there is nothing to load.
func loadRegistry(ctx context.Context, d Deps, tx *store.Tx, _ *Gen) error {
	if d.DevRegistry == nil {
		return nil
	}
	for _, e := range registryEntries() {
		if _, err := d.DevRegistry.Upsert(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// cast is who the demo accounts are: two registered units with their legal reps, a
// person who is admin of the first and agent of the second (to show choosing and
// switching units), a legal rep with a personal account whose unit is not registered
// yet (to try R2), a plain person, and — with no account at all — the legal rep of
// unitD, a fourth unit not registered yet (to try R2's new-account path: the face
// check without an app sign-in, then 填写账户信息 with mobile and password). unitE is
// a third registered unit, small (SmallUnitEmployees), with only its legal rep: the
// size of QUALITY.md's rights-record row, measured through HTTP with its login.
type cast struct {
	unitA, unitB, unitC, unitD, unitE registry.Entry
	helper, plain                     person.NewAccount
	mobiles                           map[string]string // ID number → mobile
}

func newCast(g *Gen) (cast, error) {
	var c cast
	var picked []registry.Entry
	for _, e := range registryEntries() {
		if e.Active() && e.LegalRepIDType == ident.IDTypeResident {
			picked = append(picked, e)
		}
	}
	if len(picked) < 4 {
		return c, fmt.Errorf("demo registry has fewer than 4 active units with resident legal reps")
	}
	c.unitA, c.unitB, c.unitC, c.unitD = picked[0], picked[1], picked[2], picked[3]
	// The small unit is the first plain enterprise after the two units the legacy
	// set takes (legacyCast: the fifth and sixth), so it has no legacy account,
	// and not a construction firm, which the insurance set gives 工程工伤 projects.
	for _, e := range picked[min(6, len(picked)):] {
		if e.UnitType == registry.UnitEnterprise && !construction(e) {
			c.unitE = e
			break
		}
	}
	if c.unitE.USCC == "" {
		return c, fmt.Errorf("demo registry has no enterprise for the small demo unit")
	}
	c.mobiles = map[string]string{}
	// unitD's legal rep gets no account, so no mobile: drawing one would also
	// change every later draw and so the demo logins the README lists.
	for _, e := range picked[:3] {
		c.mobiles[e.LegalRepIDNumber] = ident.GenerateMobile(g.R)
	}
	birth := func(y int, m time.Month) time.Time { return time.Date(y, m, 1+g.R.IntN(28), 0, 0, 0, 0, time.UTC) }
	c.helper = person.NewAccount{IDType: ident.IDTypeResident, Name: "周敏",
		IDNumber: ident.GenerateResidentID(g.R, "320106", birth(1988, time.May), false), Mobile: ident.GenerateMobile(g.R)}
	c.plain = person.NewAccount{IDType: ident.IDTypeResident, Name: "陈立新",
		IDNumber: ident.GenerateResidentID(g.R, "320582", birth(1995, time.October), true), Mobile: ident.GenerateMobile(g.R)}
	// Drawn last, so that every earlier draw, and so the logins the README lists,
	// stay as they were before the small unit was added.
	c.mobiles[c.unitE.LegalRepIDNumber] = ident.GenerateMobile(g.R)
	return c, nil
}

// construction tells the demo registry's construction firms by their names.
func construction(e registry.Entry) bool {
	return strings.Contains(e.Name, "建设工程") || strings.Contains(e.Name, "建筑劳务")
}

func legalRep(e registry.Entry, mobile string) person.NewAccount {
	return person.NewAccount{IDType: e.LegalRepIDType, IDNumber: e.LegalRepIDNumber, Name: e.LegalRepName, Mobile: mobile}
}

func loadAccounts(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	c, err := newCast(g)
	if err != nil {
		return err
	}
	pw, err := d.Hasher.Hash(ctx, DemoPassword)
	if err != nil {
		return err
	}
	unitPW, err := d.Hasher.Hash(ctx, DemoUnitPassword)
	if err != nil {
		return err
	}
	create := func(a person.NewAccount) (person.Person, error) {
		a.PasswordHash = pw
		return d.Persons.CreateTx(ctx, tx, a, "demo")
	}
	repA, err := create(legalRep(c.unitA, c.mobiles[c.unitA.LegalRepIDNumber]))
	if err != nil {
		return err
	}
	repB, err := create(legalRep(c.unitB, c.mobiles[c.unitB.LegalRepIDNumber]))
	if err != nil {
		return err
	}
	if _, err := create(legalRep(c.unitC, c.mobiles[c.unitC.LegalRepIDNumber])); err != nil {
		return err
	}
	repE, err := create(legalRep(c.unitE, c.mobiles[c.unitE.LegalRepIDNumber]))
	if err != nil {
		return err
	}
	helper, err := create(c.helper)
	if err != nil {
		return err
	}
	if _, err := create(c.plain); err != nil {
		return err
	}
	newUnit := func(e registry.Entry, rep int64) (unit.Unit, error) {
		return d.Units.Create(ctx, tx, unit.NewUnit{USCC: e.USCC, Name: e.Name, UnitType: e.UnitType.Label(),
			Region: e.Region, Address: e.Address, LegalRepPersonID: rep})
	}
	ua, err := newUnit(c.unitA, repA.ID)
	if err != nil {
		return err
	}
	ub, err := newUnit(c.unitB, repB.ID)
	if err != nil {
		return err
	}
	if _, err := newUnit(c.unitE, repE.ID); err != nil {
		return err
	}
	now := d.Now().UTC()
	// A year ahead, ending at midnight as if typed in the 授权有效期至 field, so the
	// pages show that day (validity.End).
	until := validity.EndOf(now.AddDate(1, 0, 0)).UTC()
	if _, err := d.Units.AddMembership(ctx, tx, unit.Membership{UnitID: ua.ID, PersonID: helper.ID, Role: unit.RoleAdmin,
		Status: unit.StatusActive, ValidFrom: &now, ValidUntil: &until, PasswordHash: unitPW}); err != nil {
		return err
	}
	_, err = d.Units.AddMembership(ctx, tx, unit.Membership{UnitID: ub.ID, PersonID: helper.ID, Role: unit.RoleAgent,
		Status: unit.StatusActive, ValidFrom: &now, ValidUntil: &until, PasswordHash: unitPW})
	return err
}

// accountList lists the demo logins (computed, not read back, so it is the same on
// every machine and whether or not this run loaded the data).
func accountList(g *Gen) []Account {
	c, err := newCast(g)
	if err != nil {
		return nil
	}
	m := func(id string) string { return c.mobiles[id] }
	return []Account{
		{Kind: "单位", Unit: c.unitA.Name + " " + c.unitA.USCC, Login: c.unitA.LegalRepIDNumber + " / " + m(c.unitA.LegalRepIDNumber),
			Person: c.unitA.LegalRepName, Role: "法定代表人", Password: DemoPassword},
		{Kind: "单位", Unit: c.unitA.Name + " " + c.unitA.USCC, Login: c.helper.IDNumber + " / " + c.helper.Mobile,
			Person: c.helper.Name, Role: "管理员", Password: DemoUnitPassword},
		{Kind: "单位", Unit: c.unitB.Name + " " + c.unitB.USCC, Login: c.unitB.LegalRepIDNumber + " / " + m(c.unitB.LegalRepIDNumber),
			Person: c.unitB.LegalRepName, Role: "法定代表人", Password: DemoPassword},
		{Kind: "单位", Unit: c.unitB.Name + " " + c.unitB.USCC, Login: c.helper.IDNumber + " / " + c.helper.Mobile,
			Person: c.helper.Name, Role: "经办人", Password: DemoUnitPassword},
		{Kind: "单位", Unit: c.unitE.Name + " " + c.unitE.USCC, Login: c.unitE.LegalRepIDNumber + " / " + m(c.unitE.LegalRepIDNumber),
			Person: c.unitE.LegalRepName, Role: "法定代表人", Password: DemoPassword},
		{Kind: "个人", Login: c.helper.IDNumber + " / " + c.helper.Mobile, Person: c.helper.Name, Role: "个人用户", Password: DemoPassword},
		{Kind: "个人", Unit: "（未注册单位，可试单位注册）" + c.unitC.Name + " " + c.unitC.USCC,
			Login: c.unitC.LegalRepIDNumber + " / " + m(c.unitC.LegalRepIDNumber), Person: c.unitC.LegalRepName, Role: "个人用户（法定代表人）", Password: DemoPassword},
		{Kind: "个人", Login: c.plain.IDNumber + " / " + c.plain.Mobile, Person: c.plain.Name, Role: "个人用户", Password: DemoPassword},
		{Kind: "无账户", Unit: "（未注册单位，可试单位注册）" + c.unitD.Name + " " + c.unitD.USCC,
			Login: c.unitD.LegalRepIDNumber, Person: c.unitD.LegalRepName, Role: "法定代表人（尚无个人账户）", Password: "—"},
	}
}
