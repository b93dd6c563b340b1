package unitreg_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/services"
	"hall/internal/services/servicestest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unitreg"
	"hall/internal/verify"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

func newClock() *clock {
	return storetest.NewClock(time.Date(2026, 4, 13, 2, 30, 0, 123456789, time.UTC))
}

// env is the hall's service graph on a test database, as cmd/hall builds it, with the
// registration service on top and one registered unit in the development registry.
type env struct {
	svc   *services.Services
	reg   *unitreg.Service
	clk   *clock
	entry registry.Entry
	g     *rand.Rand
}

const (
	browserA = "browser-A-binding-0123456789abcdef"
	browserB = "browser-B-binding-0123456789abcdef"
	clientIP = "192.0.2.10"
)

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	clk := newClock()
	svc := servicestest.Build(t, db, "unitreg-test-audit-key", clk.Now)
	e := &env{svc: svc, reg: svc.UnitRegistration(), clk: clk, g: rand.New(rand.NewPCG(uint64(len(t.Name())), 7))}
	e.entry = e.addEntry(t, "江苏澄睿信息技术有限公司", registry.StatusActive)
	return e
}

// addEntry stores an invented unit with a resident legal rep in the registry.
func (e *env) addEntry(t *testing.T, name string, status registry.Status) registry.Entry {
	t.Helper()
	en := registry.Entry{
		USCC:             ident.GenerateUSCC(e.g, "320102"),
		Name:             name,
		UnitType:         registry.UnitEnterprise,
		LegalRepIDType:   ident.IDTypeResident,
		LegalRepIDNumber: ident.GenerateResidentID(e.g, "320102", time.Date(1978, 9, 14, 0, 0, 0, 0, time.UTC), true),
		LegalRepName:     "周明远",
		RegisteredAt:     time.Date(2016, 5, 20, 0, 0, 0, 0, time.UTC),
		Address:          "江苏省南京市玄武区清源路18号",
		Region:           "320102",
		Status:           status,
	}
	err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := e.svc.DevRegistry.Upsert(t.Context(), tx, en)
		return err
	})
	if err != nil {
		t.Fatalf("registry upsert: %v", err)
	}
	return en
}

// input is step 1 filled in correctly for en.
func input(en registry.Entry) unitreg.UnitInput {
	return unitreg.UnitInput{USCC: en.USCC, Name: en.Name, IDType: string(en.LegalRepIDType),
		IDNumber: en.LegalRepIDNumber, LegalRepName: en.LegalRepName, Agreed: true}
}

// legalRep is en's legal rep as the companion app knows a logged-in person.
func legalRep(en registry.Entry) verify.Person {
	return verify.Person{IDType: en.LegalRepIDType, IDNumber: en.LegalRepIDNumber, Name: en.LegalRepName}
}

// start runs step 1 for browserA and returns the flow ID and its session ID.
func (e *env) start(t *testing.T) (flowID, sessionID string) {
	t.Helper()
	f, err := e.reg.Start(t.Context(), browserA, input(e.entry))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	v, err := e.reg.Get(t.Context(), f.ID, browserA)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return f.ID, v.Session.ID
}

// verified runs steps 1 and 2 (the legal rep approves in the app) and returns the
// flow ID.
func (e *env) verified(t *testing.T) string {
	t.Helper()
	flowID, sid := e.start(t)
	if _, err := e.svc.DevVerify.CompleteInApp(t.Context(), sid, legalRep(e.entry), true); err != nil {
		t.Fatalf("CompleteInApp: %v", err)
	}
	if err := e.reg.Verified(t.Context(), flowID, browserA); err != nil {
		t.Fatalf("Verified: %v", err)
	}
	return flowID
}

// sendCode sends the account step's code and returns it, read from the outbox.
func (e *env) sendCode(t *testing.T, flowID, mobile string) string {
	t.Helper()
	sent, err := e.reg.SendCode(t.Context(), flowID, browserA, mobile, clientIP)
	if err != nil {
		t.Fatalf("SendCode: %v", err)
	}
	if sent.To != ident.MaskMobile(mobile) {
		t.Fatalf("code sent to %s, want %s", sent.To, ident.MaskMobile(mobile))
	}
	msg, err := e.svc.DevOutbox.Latest(t.Context(), mobile)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	code := digits6(msg.Text)
	if code == "" {
		t.Fatalf("no code in %q", msg.Text)
	}
	// The resend window is per mobile; tests that send again move past it.
	e.clk.Add(61 * time.Second)
	return code
}

// createPerson opens a personal account with password pw.
func (e *env) createPerson(t *testing.T, idType ident.IDType, idNumber, name, mobile, pw string) person.Person {
	t.Helper()
	hash, err := e.svc.Hasher.Hash(t.Context(), pw)
	if err != nil {
		t.Fatal(err)
	}
	var p person.Person
	err = e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		p, err = e.svc.Persons.CreateTx(t.Context(), tx, person.NewAccount{IDType: idType, IDNumber: idNumber,
			Name: name, Mobile: mobile, PasswordHash: hash}, clientIP)
		return err
	})
	if err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

func (e *env) mobile() string { return ident.GenerateMobile(e.g) }

// count returns the number of rows of a table.
func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// formError returns err as a *unitreg.FormError, failing the test otherwise.
func formError(t *testing.T, err error) *unitreg.FormError {
	t.Helper()
	var fe *unitreg.FormError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want *unitreg.FormError", err, err)
	}
	return fe
}

// wantField checks that err is a FormError with msg beside field.
func wantField(t *testing.T, err error, field, msg string) {
	t.Helper()
	fe := formError(t, err)
	if got := fe.Fields[field]; got != msg {
		t.Errorf("message beside %s = %q, want %q (all: %v, top %q)", field, got, msg, fe.Fields, fe.Top)
	}
}

// digits6 returns the first run of six digits in an SMS text ("" if none).
func digits6(text string) string {
	return codeRE.FindString(text)
}

var codeRE = regexp.MustCompile(`[0-9]{6}`)

// smsRequest is the account step's code request for mobile.
func smsRequest(flowID, mobile string) sms.Request {
	return sms.Request{Purpose: unitreg.PurposeSMS, Binding: flowID, Mobile: mobile, ClientAddr: clientIP}
}
