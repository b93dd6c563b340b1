package web

import (
	"testing"

	"hall/internal/browsertest"
)

// TestMain stops the shared headless Chromium of the browser tests after the run.
func TestMain(m *testing.M) { browsertest.Main(m) }
