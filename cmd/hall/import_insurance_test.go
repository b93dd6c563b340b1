package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportInsuranceURL: an http(s) argument fetches the files from the core
// system with the key from HALL_INSURANCE_API_KEY; without a key nothing is asked.
func TestImportInsuranceURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	exportURL, asked := coreExport(t, "cmd-test-key", nil)
	importOut := func() (string, error) {
		var out bytes.Buffer
		stdout := os.Stdout
		r, w, _ := os.Pipe()
		os.Stdout = w
		err := run(ctx, append([]string{"import", "insurance", exportURL}, common...))
		w.Close()
		os.Stdout = stdout
		_, _ = out.ReadFrom(r)
		return out.String(), err
	}
	t.Setenv(insuranceAPIKeyEnv, "")
	if _, err := importOut(); err == nil || !strings.Contains(err.Error(), insuranceAPIKeyEnv) || asked.Load() != 0 {
		t.Fatalf("without a key: %v, %d requests", err, asked.Load())
	}
	t.Setenv(insuranceAPIKeyEnv, "cmd-test-key")
	if out, err := importOut(); err != nil || !strings.Contains(out, "employees.csv（人员信息）：导入完成，共1行，写入1条") {
		t.Fatalf("import over HTTP: %v\n%s", err, out)
	}
	// The key from the file HALL_INSURANCE_API_KEY_FILE names, as serve reads it.
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("cmd-test-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(insuranceAPIKeyEnv, "")
	t.Setenv(insuranceAPIKeyEnv+"_FILE", keyFile)
	if out, err := importOut(); err != nil || !strings.Contains(out, "employees.csv（人员信息）：导入完成，共1行，写入0条，未变化1条") {
		t.Fatalf("import with the key from its file: %v\n%s", err, out)
	}
}
