package upgrade_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/services"
	"hall/internal/services/servicestest"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/upgrade"
	"hall/internal/verify"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

const (
	browserA    = "browser-A-binding-0123456789abcdef"
	browserB    = "browser-B-binding-0123456789abcdef"
	clientIP    = "192.0.2.10"
	oldPassword = "Old#pass2019"
	newPassword = "Adm1n#Unit2026"
	legacyNo    = "JS3201020001"
)

// env is the service graph on a test database with one registry unit that has a
// legacy account (legacyNo, oldPassword) and a registered person to nominate.
type env struct {
	svc   *services.Services
	up    *upgrade.Service
	clk   *clock
	entry registry.Entry
	admin person.Person
	g     *rand.Rand
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	clk := storetest.NewClock(time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC))
	svc := servicestest.Build(t, db, "upgrade-test-audit-key", clk.Now)
	e := &env{svc: svc, up: svc.Upgrade(), clk: clk, g: rand.New(rand.NewPCG(uint64(len(t.Name())), 9))}
	e.entry = e.addEntry(t, "南京旧网办测试有限公司")
	e.addLegacy(t, legacyNo, e.entry.USCC, oldPassword)
	e.admin = e.createPerson(t, "王海燕", ident.GenerateMobile(e.g))
	return e
}

func (e *env) addEntry(t *testing.T, name string) registry.Entry {
	t.Helper()
	en := registry.Entry{USCC: ident.GenerateUSCC(e.g, "320102"), Name: name, UnitType: registry.UnitEnterprise,
		LegalRepIDType:   ident.IDTypeResident,
		LegalRepIDNumber: ident.GenerateResidentID(e.g, "320102", time.Date(1975, 3, 4, 0, 0, 0, 0, time.UTC), true),
		LegalRepName:     "钱立群", RegisteredAt: time.Date(2010, 1, 2, 0, 0, 0, 0, time.UTC),
		Region: "320102", Status: registry.StatusActive}
	if err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := e.svc.DevRegistry.Upsert(t.Context(), tx, en)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return en
}

func (e *env) addLegacy(t *testing.T, number, uscc, password string) {
	t.Helper()
	h, err := legacy.HashPBKDF2(password, []byte("salt-"+number), legacy.MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	l, errs := legacy.ParseLine(number, uscc, "旧名称", h)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := legacy.Put(t.Context(), tx, l, e.clk.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) createPerson(t *testing.T, name, mobile string) person.Person {
	t.Helper()
	hash, err := e.svc.Hasher.Hash(t.Context(), "Pers0n#pass2026")
	if err != nil {
		t.Fatal(err)
	}
	var p person.Person
	err = e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		p, err = e.svc.Persons.CreateTx(t.Context(), tx, person.NewAccount{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(e.g, "320104", time.Date(1990, 6, 7, 0, 0, 0, 0, time.UTC), false),
			Name:     name, Mobile: mobile, PasswordHash: hash}, clientIP)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// nomination is step 3 filled in correctly for p.
func nomination(p person.Person) upgrade.AdminInput {
	return upgrade.AdminInput{Name: p.Name, IDType: string(p.IDType), IDNumber: p.IDNumber, Mobile: p.Mobile,
		Password: newPassword, Confirm: newPassword}
}

// toAdmin runs steps 1 and 2 and returns the flow ID.
func (e *env) toAdmin(t *testing.T) string {
	t.Helper()
	f, err := e.up.Start(t.Context(), browserA, legacyNo, oldPassword)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := e.up.Confirm(t.Context(), f.ID, browserA); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return f.ID
}

// toVerify runs steps 1–3 and returns the flow ID and the session ID.
func (e *env) toVerify(t *testing.T) (string, string) {
	t.Helper()
	id := e.toAdmin(t)
	if err := e.up.Nominate(t.Context(), id, browserA, nomination(e.admin)); err != nil {
		t.Fatalf("Nominate: %v", err)
	}
	v, err := e.up.Get(t.Context(), id, browserA)
	if err != nil {
		t.Fatal(err)
	}
	return id, v.Session.ID
}

// passes has the nominee pass the verification session sid in the companion app.
func (e *env) passes(t *testing.T, sid string) {
	t.Helper()
	if _, err := e.svc.DevVerify.CompleteInApp(t.Context(), sid, asPerson(e.admin), true); err != nil {
		t.Fatal(err)
	}
}

// toVerified runs steps 1–3 and has the nominee pass the verification, and
// returns the flow ID: the upgrade waits for Verified.
func (e *env) toVerified(t *testing.T) string {
	t.Helper()
	id, sid := e.toVerify(t)
	e.passes(t, sid)
	return id
}

func asPerson(p person.Person) verify.Person {
	return verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}
}

func top(t *testing.T, err error) string {
	t.Helper()
	var fe *upgrade.FormError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want *upgrade.FormError", err, err)
	}
	return fe.Top
}
