package rights

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/qr/qrtest"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// poppler runs a poppler tool and returns what it printed; a non-zero exit is
// returned as err with the output (pdfsig exits 1 for an invalid signature).
func poppler(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	needTool(t, name)
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// squeeze drops white space, so that text pdftotext broke over lines compares.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// paidPersons lists who the record must show, from the read model.
func paidPersons(t *testing.T, f *fixture, from, to insurance.Month) []insurance.PaidPerson {
	t.Helper()
	var all []insurance.PaidPerson
	s := insurance.New(f.db)
	err := insurance.Stream(context.Background(), insurance.Query{USCC: f.unit.USCC, From: from, To: to},
		func(ctx context.Context, q insurance.Query) (insurance.Result[insurance.PaidPerson], error) {
			return s.PaidPersons(ctx, q, nil)
		}, func(p insurance.PaidPerson) error { all = append(all, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestIssueAndVerify issues a two-page record (about 50 employees) and checks it
// as a holder and a verifier would: the text, the embedded subset font, the
// signature and a one-byte change breaking it, the QR code read off a rendering
// leading to a verify answer that says genuine and valid, then expired after six
// months; unknown IDs not found; the stored copy, the unit's list and the audit.
func TestIssueAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 48, 1)
		rec, pdf, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.agent, ClientIP: "198.51.100.7"},
			Form{From: "2025-12", To: "2026-11", Types: allTypes})
		if err != nil {
			t.Fatal(err)
		}
		want := paidPersons(t, f, 202512, 202611)
		if rec.Employees != len(want) || rec.Pages != 2 || rec.Role != "agent" || rec.MembershipID == 0 {
			t.Fatalf("record %+v: want %d employees on 2 pages, issued by the agent", rec, len(want))
		}
		if len(pdf) > 300<<10 || rec.Size != len(pdf) {
			t.Errorf("PDF of %d bytes (record says %d); QUALITY.md allows 300 KB", len(pdf), rec.Size)
		}
		for _, c := range rec.Counts {
			n := 0
			for _, p := range want {
				if _, ok := p.Spans[c.Type]; ok {
					n++
				}
			}
			if c.Persons != n || n == 0 {
				t.Errorf("%s: %d paying persons, the read model has %d", c.Type, c.Persons, n)
			}
		}
		if h := sha256.Sum256(pdf); rec.SHA256 != hex.EncodeToString(h[:]) {
			t.Fatal("record's SHA-256 is not the PDF's")
		}
		path := writeTemp(t, "record.pdf", pdf)

		text, err := poppler(t, "pdftotext", "-layout", path, "-")
		if err != nil {
			t.Fatal(err, text)
		}
		flat := squeeze(text)
		for _, s := range []string{DefaultTitle, f.unit.Name, f.unit.USCC, "江苏省南京市玄武区", "2025-12至2026-11",
			"缴费总人数", "出具单位：" + testBureau, "2026年12月4日"} {
			if !strings.Contains(flat, squeeze(s)) {
				t.Errorf("pdftotext lacks %q", s)
			}
		}
		for _, n := range f.svc.Notes() {
			if !strings.Contains(flat, squeeze(n)) {
				t.Errorf("pdftotext lacks note %q", n)
			}
		}
		for _, p := range want {
			if !strings.Contains(flat, p.IDNumber) || !strings.Contains(flat, p.Name) {
				t.Errorf("pdftotext lacks employee %s %s", p.Name, p.IDNumber)
			}
		}

		fonts, err := poppler(t, "pdffonts", path)
		if err != nil || !strings.Contains(fonts, "CID TrueType") || !strings.Contains(fonts, "yes yes yes") {
			t.Errorf("pdffonts: want an embedded (emb yes) subset (sub yes) font:\n%s", fonts)
		}

		sig, err := poppler(t, "pdfsig", path)
		if err != nil || !strings.Contains(sig, "Signature Validation: Signature is Valid.") ||
			!strings.Contains(sig, "Total document signed") || !strings.Contains(sig, "Signer Certificate Common Name: "+testBureau) {
			t.Errorf("pdfsig: want a valid signature covering the whole file (%v):\n%s", err, sig)
		}
		// The test CA is not in poppler's trust store: the certificate is reported
		// as untrusted, which is about the chain, not the signature.
		t.Logf("pdfsig on the untouched file:\n%s", sig)

		tampered := bytes.Clone(pdf)
		i := bytes.Index(tampered, []byte("/Title <FEFF"))
		tampered[i+12] ^= 0x01 // one hex digit of the title: still a well-formed file
		sig, _ = poppler(t, "pdfsig", writeTemp(t, "tampered.pdf", tampered))
		if strings.Contains(sig, "Signature is Valid.") || !strings.Contains(sig, "Signature Validation:") {
			t.Errorf("pdfsig on a copy with one byte changed: want an invalid signature:\n%s", sig)
		}

		needTool(t, "pdftoppm")
		url := qrtest.DecodePDFPage(t, path, 1)
		if url != rec.VerifyURL || !strings.HasPrefix(url, "https://hall.example.test/verify/") {
			t.Fatalf("QR code on page 1: %q; want %s", url, rec.VerifyURL)
		}
		id := strings.TrimPrefix(url, "https://hall.example.test/verify/")

		for range 3 { // any number of times
			sm, err := f.svc.Verify(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !sm.Valid || sm.UnitName != f.unit.Name || sm.MaskedUSCC != ident.MaskUSCC(f.unit.USCC) ||
				sm.MaskedUSCC == f.unit.USCC || sm.SHA256 != rec.SHA256 || sm.From != 202512 || sm.To != 202611 ||
				!slices.Equal(sm.Counts, rec.Counts) || !sm.IssuedAt.Equal(rec.IssuedAt) {
				t.Fatalf("verify: %+v, record %+v", sm, rec)
			}
		}
		f.clock.set(rec.ValidUntil.Add(-1))
		if sm, err := f.svc.Verify(ctx, id); err != nil || !sm.Valid {
			t.Fatalf("verify the last instant of the six months: %+v %v", sm, err)
		}
		f.clock.set(rec.ValidUntil)
		if sm, err := f.svc.Verify(ctx, id); err != nil || sm.Valid || sm.UnitName != f.unit.Name {
			t.Fatalf("verify after six months: want genuine but not valid, got %+v %v", sm, err)
		}
		f.clock.set(testNow)
		for _, guess := range []string{token.New(), id[:42], id + "A", "", "../etc/passwd", strings.ToUpper(id)} {
			if _, err := f.svc.Verify(ctx, guess); !errors.Is(err, ErrNotFound) {
				t.Errorf("verify %q: %v, want ErrNotFound", guess, err)
			}
		}

		got, file, err := f.svc.File(ctx, f.unit.ID, rec.ID)
		if err != nil || !bytes.Equal(file, pdf) || got.SHA256 != rec.SHA256 || got.IssuerName != "李晓梅" {
			t.Fatalf("stored copy: %+v %v (same bytes: %v)", got, err, bytes.Equal(file, pdf))
		}
		if _, _, err := f.svc.File(ctx, f.unit.ID+1, rec.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("another unit's record: %v, want ErrNotFound", err)
		}
		list, err := f.svc.List(ctx, f.unit.ID, 0, 10)
		if err != nil || len(list) != 1 || list[0].ID != rec.ID || list[0].IssuerName != "李晓梅" || list[0].Role != "agent" {
			t.Fatalf("list: %+v %v", list, err)
		}
		entries, _, err := f.log.List(ctx, audit.Filter{UnitID: f.unit.ID, Action: "rights."})
		if err != nil || len(entries) != 1 || entries[0].Action != "rights.issue" || entries[0].PersonID != f.agent ||
			entries[0].Detail["sha256"] != rec.SHA256 || entries[0].ClientIP != "198.51.100.7" {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		if strings.Contains(entries[0].Detail["uscc"], f.unit.USCC[4:14]) {
			t.Error("audit detail holds the unmasked USCC")
		}
	})
}

func TestIssueRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 12, 2)
		form := Form{From: "2026-01", To: "2026-06", Types: allTypes}
		if _, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.outsider}, form); !errors.Is(err, ErrNotMember) {
			t.Errorf("a person without a role: %v, want ErrNotMember", err)
		}
		if _, _, err := f.svc.Issue(ctx, f.unit.ID+100, Actor{PersonID: f.legalRep}, form); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown unit: %v, want ErrNotFound", err)
		}
		var fe *FormError
		_, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2026-06", To: "2027-01",
			Types: []string{"public_pension"}})
		if !errors.As(err, &fe) || fe.Fields[FieldTo] == "" || fe.Fields[FieldTypes] == "" {
			t.Errorf("a future end and a type the unit lacks: %v", err)
		}
		_, _, err = f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2015-01", To: "2015-12", Types: allTypes})
		if !errors.As(err, &fe) || !strings.Contains(fe.Top, "没有所选险种的缴费记录") {
			t.Errorf("a period without payments: %v", err)
		}
		if list, err := f.svc.List(ctx, f.unit.ID, 0, 10); err != nil || len(list) != 0 {
			t.Errorf("refused requests stored records: %v %v", list, err)
		}
		// The legal rep may issue; the role is read from the database.
		rec, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, form)
		if err != nil || rec.Role != "legal_rep" {
			t.Fatalf("legal rep: %+v %v", rec, err)
		}
	})
}

// TestDatabaseRefusesBadRecords: the invariants the schema holds whatever the
// code does: a record issued under a membership of another unit, and two records
// with one verify ID.
func TestDatabaseRefusesBadRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 5, 3)
		other := newFixture(t, db, 5, 4)
		var membership int64
		if err := db.QueryRow(ctx, "SELECT id FROM memberships WHERE unit_id = ? AND person_id = ?",
			other.unit.ID, other.legalRep).Scan(&membership); err != nil {
			t.Fatal(err)
		}
		insert := func(hash string, unitID, membershipID int64) error {
			return db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO rights_records (token_hash, unit_id, uscc, unit_name, insured_place,
					from_month, to_month, type_counts, employees, pages, sha256, size, issued_at, valid_until,
					person_id, membership_id, role) VALUES (?, ?, ?, '单位', '', 202601, 202602, 'pension=1', 1, 1, ?, 1, ?, ?, ?, ?, 'legal_rep')`,
					hash, unitID, f.unit.USCC, strings.Repeat("a", 64), testNow, testNow.AddDate(0, 6, 0), other.legalRep, membershipID)
				return err
			})
		}
		if err := insert(token.Hash("x"), f.unit.ID, membership); err == nil {
			t.Error("a record of one unit issued under another unit's membership was stored")
		}
		if err := insert(token.Hash("y"), other.unit.ID, membership); err != nil {
			t.Fatal(err)
		}
		if err := insert(token.Hash("y"), other.unit.ID, membership); !store.IsUniqueViolation(err) {
			t.Errorf("a second record with the same verify ID: %v, want a unique violation", err)
		}
	})
}

// TestIssue3000 issues the largest record, a 3,000-employee unit over 12 months,
// logs its time, size and memory, and finds every employee in pdftotext's text.
func TestIssue3000(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3,000-employee record")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 3000, 5)
		var rec Record
		var pdf []byte
		m := measure(func() {
			var err error
			rec, pdf, err = f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2025-12", To: "2026-11", Types: allTypes})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: %d employees, %d pages, %d KB, built and signed in %v; allocated %d MB in all, heap peak %d MB above the start",
			db.Engine, rec.Employees, rec.Pages, len(pdf)>>10, m.elapsed.Round(time.Millisecond), m.allocated>>20, m.peak>>20)
		want := paidPersons(t, f, 202512, 202611)
		if rec.Employees != len(want) || len(want) < 3000 {
			t.Fatalf("%d rows, the read model has %d", rec.Employees, len(want))
		}
		path := writeTemp(t, "big.pdf", pdf)
		if keep := os.Getenv("HALL_KEEP_PDF"); keep != "" {
			_ = os.WriteFile(keep, pdf, 0o600)
		}
		text, err := poppler(t, "pdftotext", path, "-")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range want {
			if !strings.Contains(text, p.IDNumber) || !strings.Contains(text, p.Name) {
				t.Fatalf("pdftotext lacks employee %s %s", p.Name, p.IDNumber)
			}
		}
		if sig, err := poppler(t, "pdfsig", path); err != nil || !strings.Contains(sig, "Signature is Valid.") {
			t.Errorf("pdfsig: %v\n%s", err, sig)
		}
	})
}
