package web

import (
	"testing"

	"hall/internal/browsertest"
)

// TestMain checks every page that a browser test loads with axe-core (WCAG 2.1 A
// and AA, no serious or critical violation), so that every page of every flow is
// held to it, and stops the shared headless Chromium after the run.
func TestMain(m *testing.M) {
	browsertest.CheckEveryPage()
	browsertest.Main(m)
}
