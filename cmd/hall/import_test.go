package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/registry"
	"hall/internal/unit"
)

// TestImportRegistryChangesLegalRep: a registry file naming a unit's admin as its new
// legal rep makes them the legal rep at once; the old one loses the role.
func TestImportRegistryChangesLegalRep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	if err := run(ctx, append([]string{"demo"}, common...)); err != nil {
		t.Fatal(err)
	}
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
