package person

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

func newClock() *clock {
	return storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600)))
}

// fakeCodes is a CodeChecker that behaves like the real one where it matters
// here: a code is bound to purpose, binding and mobile, and single use.
type fakeCodes struct {
	mu     sync.Mutex
	codes  map[string]string
	calls  int
	refuse error // when set, every Check fails with it
}

var errWrongCode = errors.New("sms: wrong code")

func newFakeCodes() *fakeCodes { return &fakeCodes{codes: map[string]string{}} }

func codeKey(purpose, binding, mobile string) string {
	return purpose + "|" + binding + "|" + mobile
}

// issue stores a code as if it had been sent and returns it.
func (f *fakeCodes) issue(purpose, binding, mobile, code string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[codeKey(purpose, binding, mobile)] = code
	return code
}

func (f *fakeCodes) Check(ctx context.Context, purpose, binding, mobile, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.refuse != nil {
		return f.refuse
	}
	k := codeKey(purpose, binding, mobile)
	if want, ok := f.codes[k]; !ok || want != code {
		return errWrongCode
	}
	delete(f.codes, k)
	return nil
}

// Verify is Check that keeps a right code.
func (f *fakeCodes) Verify(ctx context.Context, purpose, binding, mobile, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.refuse != nil {
		return f.refuse
	}
	if want, ok := f.codes[codeKey(purpose, binding, mobile)]; !ok || want != code {
		return errWrongCode
	}
	return nil
}

// CheckTx is Check: the fake keeps no state in the database (the real checker's
// transaction is covered by register_code_test.go).
func (f *fakeCodes) CheckTx(ctx context.Context, _ *store.Tx, purpose, binding, mobile, code string) error {
	return f.Check(ctx, purpose, binding, mobile, code)
}

func (f *fakeCodes) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

var _ CodeChecker = (*fakeCodes)(nil)

// fixture is a Service on a test database with its fakes.
type fixture struct {
	db    *store.DB
	svc   *Service
	codes *fakeCodes
	clock *clock
	audit *audit.Log
	rnd   *rand.Rand
}

func testHasher(t testing.TB, mod func(*HashConfig)) *Hasher {
	t.Helper()
	cfg := DefaultHashConfig()
	if mod != nil {
		mod(&cfg)
	}
	h, err := NewHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fastHasher is a Hasher with parameters far below the floor, so that storage
// tests can register many people under the race detector. The real
// parameters are covered by the Hasher tests.
func fastHasher(t testing.TB) *Hasher {
	t.Helper()
	cfg := DefaultHashConfig()
	cfg.Memory, cfg.Time = 64, 1
	h, err := newHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, codes: newFakeCodes(), clock: newClock(), rnd: rand.New(rand.NewPCG(1, 2))}
	f.audit = audit.New(db, []byte("person test audit key"), f.clock.Now)
	f.svc = New(db, fastHasher(t), f.codes, ident.DefaultPasswordPolicy(), f.audit, f.clock.Now)
	return f
}

const testPassword = "Qx7!mRt2vZ"

// validInput returns a fresh, valid registration form with a code issued for it.
func (f *fixture) validInput() RegisterInput {
	in := RegisterInput{
		IDType:     string(ident.IDTypeResident),
		IDNumber:   ident.GenerateResidentID(f.rnd, "", time.Time{}, f.rnd.IntN(2) == 0),
		Name:       "林晓梅",
		Mobile:     ident.GenerateMobile(f.rnd),
		Password:   testPassword,
		Confirm:    testPassword,
		Agreed:     true,
		Binding:    "flow-" + ident.GenerateMobile(f.rnd),
		ClientAddr: "203.0.113.7",
	}
	in.SMSCode = f.codes.issue(PurposeRegister, in.Binding, in.Mobile, "246810")
	return in
}

func (f *fixture) register(t *testing.T) (Person, RegisterInput) {
	t.Helper()
	in := f.validInput()
	p, err := f.svc.Register(context.Background(), in)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return p, in
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// formError asserts that err is a *FormError and returns it.
func formError(t *testing.T, err error) *FormError {
	t.Helper()
	var fe *FormError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *FormError", err, err)
	}
	return fe
}

// fieldsOf lists the fields of a FormError in sorted order, for messages.
func fieldsOf(fe *FormError) string {
	var s []string
	for k, v := range fe.Fields {
		s = append(s, k+"="+v)
	}
	return strings.Join(s, "; ")
}

// together runs call(0) … call(n-1) in n goroutines released at the same moment, so
// that they race for the same rows, and returns their errors by index.
func together(n int, call func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = call(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
