package webtest

import (
	"context"
	"testing"

	"hall/internal/auth"
	"hall/internal/cases"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/unit"
)

// InstitutionItem is the catalog item the fixtures' institution cases are for:
// 就业见习补贴申领, which an 就业见习基地 applies for (at the counter: it has no
// online form).
const InstitutionItem = "JY-003"

// Institution has u's legal rep open an institution account (机构管理, U7) with
// operator as its operator; the result carries the generated initial password.
func (w *World) Institution(t testing.TB, u unit.Unit, legalRep, operator person.Person, name string) institution.Opened {
	t.Helper()
	o, err := w.Server.Institutions.Open(context.Background(), institution.Actor{PersonID: legalRep.ID}, u.ID,
		institution.Opening{Name: name, Kind: institution.KindInternshipModelBase, Operator: institution.Operator{
			Name: operator.Name, IDType: operator.IDType, IDNumber: operator.IDNumber, Mobile: operator.Mobile}})
	if err != nil {
		t.Fatalf("open institution: %v", err)
	}
	return o
}

// InstitutionSubject is the session subject of i's operator, as the unit login
// with its 机构编号 makes it.
func InstitutionSubject(i institution.Institution) auth.Subject {
	return auth.Subject{PersonID: i.OperatorID, UnitID: i.UnitID, Role: auth.RoleInstitution, InstitutionID: i.ID}
}

// staffFixturePassword is the password the fixture's staff choose (invented).
const staffFixturePassword = "Sec-Fixture-2026!"

// CounterClerk bootstraps the back office's security administrator, who creates a
// counter clerk; it returns the clerk as a command's actor. Once per test server.
func (w *World) CounterClerk(t testing.TB) staff.Actor {
	t.Helper()
	_, security := StaffSecurity(t, w.Server, "security.fixture", "安全员示范", "测试部署", staffFixturePassword)
	c := StaffCreate(t, w.Server, security, "counter.fixture", "窗口员示范", staff.RoleClerk)
	clerk := StaffActor(c)
	if err := w.Server.Staff.ChangePassword(context.Background(), clerk, staff.PasswordChange{Current: c.InitialPassword,
		New: staffFixturePassword, Confirm: staffFixturePassword}, ""); err != nil {
		t.Fatalf("clerk's password: %v", err)
	}
	return clerk
}

// CounterCase has clerk enter an InstitutionItem case for the unit at the
// counter, as the business of the institution with that number ("" for the
// unit's own).
func (w *World) CounterCase(t testing.TB, clerk staff.Actor, u unit.Unit, institutionNumber, applicant string) cases.Case {
	t.Helper()
	c, err := w.Server.Cases.EnterCounter(context.Background(), clerk, cases.CounterEntry{USCC: u.USCC, ItemCode: InstitutionItem,
		Applicant: applicant, Reason: "材料现场核验齐全", Institution: institutionNumber, Nonce: cases.NewCounterNonce()})
	if err != nil {
		t.Fatalf("counter case: %v", err)
	}
	return c
}

// InstitutionClient opens an institution of u whose operator has replaced the
// initial password, and returns a browser signed in as that operator: what
// the page tests need to open the institution user center's pages.
func (w *World) InstitutionClient(t testing.TB, u unit.Unit, legalRep person.Person) *Client {
	t.Helper()
	o := w.Institution(t, u, legalRep, w.Person(t, "柳清起"), "示范页面就业见习基地")
	if _, err := w.Server.DB.Exec(context.Background(), "UPDATE institutions SET must_change_password = ? WHERE id = ?", false, o.ID); err != nil {
		t.Fatal(err)
	}
	c := NewClient(w.Server)
	SignIn(t, c, InstitutionSubject(o.Institution))
	return c
}
