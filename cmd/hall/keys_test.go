package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/person"
	"hall/internal/sealed"
)

// TestKeysRotate: the demo's persons, sealed under the development key, are moved
// onto a new data key by `hall keys rotate` with the old key among the previous
// ones; afterwards the new key alone opens every person and serves the demo again,
// and a second rotation re-seals nothing.
func TestKeysRotate(t *testing.T) {
	ctx := context.Background()
	dir := demoDataDir(t) // where `hall demo` ran
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	oldKey, err := os.ReadFile(filepath.Join(dir, "data-key"))
	if err != nil {
		t.Fatal(err)
	}
	newKey := sealed.EncodeKey(sealed.NewKey())
	withNew := append([]string{"--data-key", newKey}, common...)
	rotate := append([]string{"keys", "rotate", "--previous-data-keys", strings.TrimSpace(string(oldKey))}, withNew...)
	if err := run(ctx, rotate); err != nil {
		t.Fatalf("hall keys rotate: %v", err)
	}

	cfg, err := parseConfig("test", withNew)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runApp(ctx, cfg, func(a *app) error {
		rows, err := a.DB.Query(ctx, "SELECT id, id_number, name, mobile FROM persons")
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id int64
			var v person.SealedIdentity
			if err := rows.Scan(&id, &v.IDNumber, &v.Name, &v.Mobile); err != nil {
				return err
			}
			if _, err := v.Open(a.DB.Keys(), id); err != nil {
				t.Errorf("person %d does not open under the new key alone: %v", id, err)
			}
			n++
		}
		if n == 0 {
			t.Error("the demo made no persons")
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return rotateKeys(ctx, a.DB, a.Scans, &out)
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " 0 values re-sealed") {
		t.Errorf("a second rotation re-sealed something:\n%s", out.String())
	}
	if err := run(ctx, append([]string{"demo"}, withNew...)); err != nil {
		t.Fatalf("hall demo with the new key alone: %v", err)
	}
}
