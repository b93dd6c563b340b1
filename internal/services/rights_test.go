package services

import (
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/config"
	"hall/internal/insurance"
	"hall/internal/store/storetest"
)

// TestBuildRights: development wires the rights service with the development CA's
// signing identity and the font parsed once per process; production without
// rights-signing-cert refuses to build, so the hall does not start.
func TestBuildRights(t *testing.T) {
	cfg := testConfig(t)
	db := storetest.SQLite(t)
	s := &Services{Config: cfg, DB: db, Now: time.Now, Audit: audit.New(db, nil, time.Now), Insurance: insurance.New(db)}
	if err := s.buildRights(); err != nil || s.Rights == nil {
		t.Fatalf("development: %v", err)
	}
	// The records built at once and the wait for one are the settings.
	s.Config.RightsBuilds, s.Config.RightsBuildWait = 3, 700*time.Millisecond
	if _, rc, err := s.RightsDeps(); err != nil || rc.Builds != 3 || rc.BuildWait != 700*time.Millisecond {
		t.Errorf("rights-builds 3, rights-build-wait 700ms: %d, %s (%v)", rc.Builds, rc.BuildWait, err)
	}
	first, err := loadFont(cfg.PDFFont)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := loadFont(cfg.PDFFont); again != first {
		t.Error("the font was parsed a second time")
	}

	s.Config.Mode, s.Rights = config.Production, nil
	if err := s.buildRights(); err == nil || !strings.Contains(err.Error(), "rights-signing-cert") {
		t.Fatalf("production without a signing certificate: %v", err)
	}
	s.Config.Mode, s.Config.PDFFont = config.Development, t.TempDir()+"/none.ttf"
	if err := s.buildRights(); err == nil || !strings.Contains(err.Error(), "pdf-font") {
		t.Fatalf("a missing font: %v", err)
	}
}
