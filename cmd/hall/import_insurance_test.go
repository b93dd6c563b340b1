package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/ident"
)

// TestImportInsuranceURL: an http(s) argument fetches the files from the core
// system with the key from HALL_INSURANCE_API_KEY; without a key nothing is asked.
func TestImportInsuranceURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	common := []string{"--data-dir", dir, "--log-level", "warn"}
	rng := rand.New(rand.NewPCG(1, 2))
	uscc := ident.GenerateUSCC(rng, "320102")
	id := ident.GenerateResidentID(rng, "320106", time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC), true)
	employees := "统一社会信用代码,证件号码,姓名,人员身份\n" + uscc + "," + id + ",王伟,工人\n"
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if r.Header.Get("X-API-Key") != "cmd-test-key" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/export/employees.csv" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write([]byte(employees))
	}))
	defer srv.Close()
	importOut := func() (string, error) {
		var out bytes.Buffer
		stdout := os.Stdout
		r, w, _ := os.Pipe()
		os.Stdout = w
		err := run(ctx, append([]string{"import", "insurance", srv.URL + "/export"}, common...))
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
