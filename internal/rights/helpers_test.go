package rights

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/rights/pdfdoc"
	"hall/internal/store"
	"hall/internal/unit"
)

// testNow is the clock of the tests: the demo data's last month is the one before.
var testNow = time.Date(2026, 12, 4, 2, 30, 0, 0, time.UTC)

const testBureau = "示范省人力资源和社会保障厅"

var (
	fontOnce sync.Once
	font     *pdfdoc.Font
	fontErr  error
)

// testFont is the CJK font the README's test set-up installs (HALL_PDF_FONT
// overrides the path), parsed once for all tests. Without it the test is skipped
// locally and fails under CI=true.
func testFont(t testing.TB) *pdfdoc.Font {
	t.Helper()
	fontOnce.Do(func() {
		path := os.Getenv("HALL_PDF_FONT")
		if path == "" {
			path = pdfdoc.DefaultFontPath
		}
		font, fontErr = pdfdoc.LoadFont(path, 0)
	})
	if fontErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CJK font: %v (scripts/test installs fonts-wqy-microhei)", fontErr)
		}
		t.Skipf("CJK font: %v (install fonts-wqy-microhei or set HALL_PDF_FONT)", fontErr)
	}
	return font
}

// needTool skips (or fails under CI) when a poppler tool is missing.
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: scripts/test installs poppler-utils", name)
		}
		t.Skipf("%s not found: install poppler-utils", name)
	}
}

// testPKI is a development CA and a signing certificate it issued, made with
// crypto/x509 for the test; caPEM is the CA certificate for pdfsig's trust store.
type testPKI struct {
	signer Signer
	ca     *x509.Certificate
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

func newTestPKI(t testing.TB) testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		caKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1),
			Subject:   pkix.Name{CommonName: "示范省人社 开发测试根证书", Organization: []string{"hall test"}},
			NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(10, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		ca, _ := x509.ParseCertificate(caDER)
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2),
			Subject:   pkix.Name{CommonName: testBureau, Organization: []string{testBureau}},
			NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(2, 0, 0),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		cert, _ := x509.ParseCertificate(der)
		pki = testPKI{signer: Signer{Key: key, Chain: []*x509.Certificate{cert, ca}}, ca: ca}
	})
	return pki
}

// fixture is a unit with an account in the hall (legal rep and one agent), its
// insurance data over 36 months, and the service.
type fixture struct {
	svc      *Service
	db       *store.DB
	log      *audit.Log
	unit     unit.Unit
	legalRep int64
	agent    int64
	outsider int64 // a person with no role in the unit
	clock    *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// addPerson inserts an invented person and returns the ID.
func addPerson(t testing.TB, db *store.DB, g *mrand.Rand, name string) int64 {
	t.Helper()
	var id int64
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = person.Insert(context.Background(), tx, person.Row{IDType: string(ident.IDTypeResident),
			IDNumber: ident.GenerateResidentID(g, "", time.Time{}, true), Name: name, Mobile: ident.GenerateMobile(g),
			CreatedAt: testNow})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newFixture opens the hall's account of a unit in region 320102 with employees
// demo employees, and the service on it.
func newFixture(t testing.TB, db *store.DB, employees int, seed uint64) *fixture {
	t.Helper()
	ctx := context.Background()
	g := mrand.New(mrand.NewPCG(seed, 99))
	f := &fixture{db: db, clock: &clock{t: testNow}}
	f.legalRep = addPerson(t, db, g, "张建国")
	f.agent = addPerson(t, db, g, "李晓梅")
	f.outsider = addPerson(t, db, g, "王五")
	units := unit.New(db, f.clock.now)
	err := db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		f.unit, err = units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(g, "320102"), Name: "示范智能制造股份有限公司",
			UnitType: "企业", Region: "320102", LegalRepPersonID: f.legalRep})
		if err != nil {
			return err
		}
		_, err = units.AddMembership(ctx, tx, unit.Membership{UnitID: f.unit.ID, PersonID: f.agent,
			Role: unit.RoleAgent, Status: unit.StatusActive})
		if err != nil {
			return err
		}
		_, err = insurance.LoadDemo(ctx, tx, g, []insurance.DemoUnit{{USCC: f.unit.USCC, Region: "320102",
			Employees: employees, InjuryClass: 1}}, insurance.MonthOf(testNow).Add(-1), 36, insurance.DefaultBounds)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.log = audit.New(db, nil, f.clock.now)
	f.svc, err = New(Deps{DB: db, Insurance: insurance.New(db), Audit: f.log, Font: testFont(t),
		Signer: newTestPKI(t).signer, Now: f.clock.now},
		Config{BaseURL: "https://hall.example.test/", BureauName: testBureau})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// allTypes is the form value of every type the demo unit pays.
var allTypes = []string{"pension", "injury", "unemployment"}

// writeTemp writes b to a file in t's temporary directory.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
