package webtest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/institution"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/rights"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web"
)

// DemoHall is a hall with something on every page, as the demo data would have
// it: a unit with its legal rep, an administrator, a confirmed agent granted two
// items (and invited by a second unit, not yet confirmed), a year of insurance data,
// a rights record, a case, two delivery addresses and an institution with a case of
// its own; for the link walks,
// which should see every page with content rather than empty lists.
type DemoHall struct {
	Unit              unit.Unit
	Rep, Admin, Agent person.Person
	Record            rights.Record
	Case              cases.Case
	AgentItems        []string
	// Institution is one of the unit's institutions (U7), its password changed
	// to DemoInstitutionPassword by Operator, with one case entered for it.
	Institution institution.Institution
	Operator    person.Person
}

// DemoInstitutionPassword is the password a DemoHall's institution operator chose
// (invented; passes the policy).
// #nosec G101 -- the password of a fixture account that exists only in test databases.
const DemoInstitutionPassword = "Inst-Walk-Pass-3"

// DemoAdminPassword is the unit password of a DemoHall's administrator (invented;
// passes the policy).
// #nosec G101 -- the password of a fixture account that exists only in test databases.
const DemoAdminPassword = "Uc-Admin-Pass-2"

// NewDemoHall fills ts with a DemoHall made from seed.
func NewDemoHall(t testing.TB, ts *TestServer, seed uint64) DemoHall {
	t.Helper()
	items := []string{cases.ItemEnrolment, "SB-001"}
	fx := Invite(t, ts, seed, items...)
	ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, AgentPassword)
	w := fx.World
	adm := w.Person(t, "卫书言")
	now := ts.Now()
	until := now.AddDate(1, 0, 0)
	w.Member(t, unit.Membership{UnitID: fx.Unit.ID, PersonID: adm.ID, Role: unit.RoleAdmin, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, DemoAdminPassword)
	LoadInsurance(t, ts, fx.Unit, 6, seed)
	last := insurance.MonthOf(now.In(web.Shanghai)).Add(-1)
	rec, _, err := ts.Rights.Issue(t.Context(), fx.Unit.ID, rights.Actor{PersonID: fx.Rep.ID},
		rights.Form{From: last.Add(-2).String(), To: last.String(), Types: []string{"pension", "unemployment"}})
	if err != nil {
		t.Fatalf("rights record: %v", err)
	}
	c, err := ts.Cases.Apply(t.Context(), cases.Actor{UnitID: fx.Unit.ID, PersonID: fx.Rep.ID, Role: unit.RoleLegalRep},
		cases.ItemEnrolment, url.Values{cases.FieldName: {"演示职工"}, cases.FieldIDNumber: {w.IDNumber()},
			cases.FieldStartMonth: {last.Add(1).String()}, cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}})
	if err != nil {
		t.Fatalf("case: %v", err)
	}
	// Two delivery addresses (the first the default), for the edit pages of 收件地址.
	who := address.Actor{UnitID: fx.Unit.ID, PersonID: fx.Rep.ID, Role: unit.RoleLegalRep}
	for _, detail := range []string{"中山路78号", "秦淮路2号"} {
		if _, err := ts.Addresses.Add(t.Context(), who, address.Input{Recipient: "王小明", Phone: "13812345678", Province: "32",
			City: "3201", County: "320104", Detail: detail}); err != nil {
			t.Fatalf("address: %v", err)
		}
	}
	// A second unit invites the agent too, still pending: the app's invitation page.
	other, otherRep := w.UnitWithRep(t, "示范远帆物流有限公司", "程望舒")
	if _, err := ts.Delegation.AddAgent(t.Context(), delegation.Actor{PersonID: otherRep.ID}, other.ID, Nominee(fx.Agent),
		[]string{"SB-001"}, time.Time{}, now.Add(30*24*time.Hour)); err != nil {
		t.Fatalf("second invitation: %v", err)
	}
	op := w.Person(t, "柳怀远")
	inst := demoInstitution(t, w, fx.Unit, fx.Rep, op)
	return DemoHall{Unit: fx.Unit, Rep: fx.Rep, Admin: adm, Agent: fx.Agent, Record: rec, Case: c, AgentItems: items,
		Institution: inst, Operator: op}
}

// demoInstitution opens an institution of u operated by op, has op replace the
// initial password with DemoInstitutionPassword, and enters one 就业见习补贴申领 for
// it as the disabled demo clerk does (the back office's own staff stay free to be
// bootstrapped by the test).
func demoInstitution(t testing.TB, w *World, u unit.Unit, rep, op person.Person) institution.Institution {
	t.Helper()
	ctx := context.Background()
	ts := w.Server
	o := w.Institution(t, u, rep, op, "示范演示就业见习基地")
	if _, err := ts.Institutions.ChangePassword(ctx, institution.PasswordChange{InstitutionID: o.ID, OperatorID: op.ID,
		Current: o.InitialPassword, New: DemoInstitutionPassword, Confirm: DemoInstitutionPassword,
		Reauth: func(ctx context.Context, cur string) error { return ts.Institutions.Check(ctx, o.Institution, cur) }}); err != nil {
		t.Fatalf("institution password: %v", err)
	}
	item, err := ts.Catalog.Get(ctx, InstitutionItem)
	if err != nil {
		t.Fatal(err)
	}
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		staff, err := ts.Staff.CreateDemo(ctx, tx)
		if err != nil {
			return err
		}
		_, err = cases.DemoCounter(ctx, tx, u.ID, rep.ID, string(unit.RoleLegalRep), staff.Clerk, o.ID, item, op.Name, ts.Now())
		return err
	})
	i, err := ts.Institutions.Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return i
}
