package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"hall/internal/ca"
	"hall/internal/ident"
)

func TestCACommands(t *testing.T) {
	dataDir := t.TempDir()
	common := []string{"--data-dir", dataDir, "--bureau-name", "示范省人力资源和社会保障厅"}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := cmdCA(append(args, common...), &out); err != nil {
			t.Fatalf("hall ca %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	fails := func(want string, args ...string) {
		t.Helper()
		var out bytes.Buffer
		if err := cmdCA(append(args, common...), &out); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("hall ca %s: %v, want an error mentioning %q", strings.Join(args, " "), err, want)
		}
	}

	fails("no development CA", "issue", "signing")
	out := run("init")
	caDir := filepath.Join(dataDir, "ca")
	if !strings.Contains(out, "--ca-bundle "+filepath.Join(caDir, "ca.pem")) {
		t.Fatalf("init output:\n%s", out)
	}
	for path, mode := range map[string]os.FileMode{caDir: 0o700, filepath.Join(caDir, "ca.key"): 0o600} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v, %v", path, st, err)
		}
	}
	fails("already exists", "init")

	r := mathrand.New(mathrand.NewPCG(3, 4))
	uscc := ident.GenerateUSCC(r, "320102")
	idNumber := ident.GenerateResidentID(r, "320102", time.Date(1988, 8, 8, 0, 0, 0, 0, time.UTC), false)
	out = run("issue", "unit", "--uscc", uscc, "--name", "示例科技有限公司", "--password", "p12-测试")
	if !strings.Contains(out, uscc) || strings.Contains(out, "PKCS#12密码") {
		t.Fatalf("issue unit output:\n%s", out)
	}
	run("issue", "person", "--id-number", idNumber, "--name", "李娜", "--uscc", uscc, "--unit-name", "示例科技有限公司")
	out = run("issue", "signing")
	if !strings.Contains(out, "--rights-signing-cert") || !strings.Contains(out, "PKCS#12密码") {
		t.Fatalf("issue signing output:\n%s", out)
	}
	run("issue", "server", "--host", "localhost,127.0.0.1", "--days", "30")
	fails("--uscc", "issue", "unit", "--uscc", uscc[:17]+"0", "--name", "示例")
	fails("--id-number", "issue", "person", "--id-number", "123", "--name", "李娜")
	fails("unknown certificate kind", "issue", "root", "--name", "x")
	fails("--days", "issue", "unit", "--uscc", uscc, "--name", "示例", "--days", "0")

	d, err := ca.OpenDevCA(caDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := d.Index()
	if err != nil || len(entries) != 4 {
		t.Fatalf("index: %d entries, %v", len(entries), err)
	}
	unit, person, signing, server := entries[0], entries[1], entries[2], entries[3]
	if unit.Kind != ca.KindUnit || person.Kind != ca.KindPerson || signing.Kind != ca.KindSigning || server.Kind != ca.KindServer ||
		signing.Name != "示范省人力资源和社会保障厅" || person.IDNumber != ident.MaskID(idNumber) {
		t.Fatalf("index %+v", entries)
	}

	// The PKCS#12 file opens with its password and holds the key, the certificate
	// and the CA certificate.
	p12, err := os.ReadFile(strings.TrimSuffix(unit.CertFile, ".pem") + ".p12")
	if err != nil {
		t.Fatal(err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(p12, "p12-测试")
	if err != nil {
		t.Fatal(err)
	}
	if key == nil || ca.SerialHex(cert) != unit.Serial || len(chain) != 1 || !chain[0].Equal(d.Certificate()) {
		t.Fatalf("PKCS#12: certificate %s, %d CA certificates", ca.SerialHex(cert), len(chain))
	}
	if _, err := ca.LoadSigningIdentity(signing.CertFile, signing.KeyFile, time.Now()); err != nil {
		t.Fatalf("the signing certificate cannot sign: %v", err)
	}

	// Login with the unit certificate works until it is revoked and the CRL published.
	v, err := ca.NewVerifier(ca.Config{BundleFile: d.Paths().Cert, CRLSources: []string{d.Paths().CRL}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	peer := []*x509.Certificate{cert}
	if id, err := v.Verify(peer); err != nil || id.USCC != uscc || id.UnitName != "示例科技有限公司" {
		t.Fatalf("login: %+v, %v", id, err)
	}
	out = run("revoke", strings.ToLower(unit.Serial), "--reason", "keyCompromise")
	if !strings.Contains(out, unit.Serial) {
		t.Fatalf("revoke output:\n%s", out)
	}
	fails("already revoked", "revoke", unit.Serial)
	fails("no certificate with this serial", "revoke", "ABCDEF")
	fails("usage", "revoke")
	fails("unknown revocation reason", "revoke", person.Serial, "--reason", "because")
	if out = run("crl", "--days", "2"); !strings.Contains(out, "第2号") || !strings.Contains(out, "含1张") {
		t.Fatalf("crl output:\n%s", out)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(peer); !errors.Is(err, ca.ErrRevoked) {
		t.Fatalf("revoked certificate: %v", err)
	}

	out = run("list")
	if !strings.Contains(out, "共4张证书") || !strings.Contains(out, "已吊销") || strings.Contains(out, idNumber) || strings.Contains(out, "李娜") {
		t.Fatalf("list output:\n%s", out)
	}
	fails("unexpected argument", "list", "extra")
	var discard bytes.Buffer
	if err := cmdCA([]string{"init", "--mode", "production", "--data-dir", t.TempDir()}, &discard); !errors.Is(err, errCAProduction) {
		t.Fatalf("production mode: %v", err)
	}
	if err := cmdCA([]string{"sign"}, &discard); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
}
