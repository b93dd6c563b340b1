package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/registry"
	"hall/internal/unit"
)

// TestImportRegistryChangesLegalRep: a registry file naming a unit's admin as its new
// legal rep makes them the legal rep at once; the old one loses the role.
func TestImportRegistryChangesLegalRep(t *testing.T) {
	ctx := context.Background()
	dir := demoDataDir(t) // where `hall demo` ran
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	cfg, err := parseConfig("test", common)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	// A demo unit with a confirmed admin.
	var unitID, oldRep, admin int64
	var uscc string
	err = a.DB.QueryRow(ctx, `SELECT u.id, u.uscc, l.person_id, m.person_id FROM units u
		JOIN memberships l ON l.unit_id = u.id AND l.role = 'legal_rep' AND l.status = 'active'
		JOIN memberships m ON m.unit_id = u.id AND m.role = 'admin' AND m.status = 'active'
		ORDER BY u.id LIMIT 1`).Scan(&unitID, &uscc, &oldRep, &admin)
	if err != nil {
		a.Close()
		t.Fatalf("no demo unit with an admin: %v", err)
	}
	e, err := a.DevRegistry.Lookup(ctx, uscc)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	p, err := a.Persons.Get(ctx, admin)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "change.csv")
	csv := "统一社会信用代码,单位名称,单位类型,法定代表人证件类型,法定代表人证件号码,法定代表人姓名,成立日期,住所,行政区划,登记状态\n" +
		fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", e.USCC, e.Name, e.UnitType.Label(), p.IDType.Label(), p.IDNumber,
			p.Name, e.RegisteredAt.Format("2006-01-02"), e.Address, e.Region, registry.StatusActive.Label())
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	stdout := os.Stdout
	r, w, _ := os.Pipe()
	os.Stdout = w
	err = run(ctx, append([]string{"import", "registry", file}, common...))
	w.Close()
	os.Stdout = stdout
	_, _ = out.ReadFrom(r)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "法定代表人已更换1") {
		t.Errorf("the import did not report the change:\n%s", out.String())
	}
	a, err = openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if m, err := a.Units.Membership(ctx, unitID, admin); err != nil || m.Role != unit.RoleLegalRep {
		t.Fatalf("the admin after the import: %+v, %v", m, err)
	}
	if _, err := a.Units.Membership(ctx, unitID, oldRep); err != unit.ErrNotFound {
		t.Fatalf("the old legal rep after the import: %v", err)
	}
}

// TestImportLegacy: `hall import legacy FILE.csv` loads the legacy hall's accounts,
// says so in Chinese, changes nothing the second time, and refuses a file with a bad
// line as a whole, naming the line.
func TestImportLegacy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	hash, err := legacy.HashPBKDF2("Old#pass2019", []byte("cmd-test-salt"), legacy.MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "legacy.csv")
	uscc := ident.GenerateUSCC(rand.New(rand.NewPCG(1, 2)), "320102")
	// The same code with another check character.
	wrongCheck := uscc[:17] + map[bool]string{true: "1", false: "0"}[uscc[17] == '0']
	csv := "单位编号,统一社会信用代码,单位名称,密码哈希\n" +
		"JS3201020001," + uscc + ",南京甲有限公司," + hash + "\n"
	if err := os.WriteFile(good, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	importOut := func(file string) (string, error) {
		var out bytes.Buffer
		stdout := os.Stdout
		r, w, _ := os.Pipe()
		os.Stdout = w
		err := run(ctx, append([]string{"import", "legacy", file}, common...))
		w.Close()
		os.Stdout = stdout
		_, _ = out.ReadFrom(r)
		return out.String(), err
	}
	if out, err := importOut(good); err != nil || !strings.Contains(out, "新增1") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	if out, err := importOut(good); err != nil || !strings.Contains(out, "未变1") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(csv+"JS3201020002,"+wrongCheck+",南京乙有限公司,"+hash+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := importOut(bad)
	if !errors.Is(err, legacy.ErrInvalidFile) || !strings.Contains(out, "第3行 统一社会信用代码") || !strings.Contains(out, "未导入任何数据") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
}
