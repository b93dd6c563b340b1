package web_test

import (
	"slices"
	"testing"

	"hall/internal/web/site"
	"hall/internal/web/webtest"
)

// TestMain mounts the hall's audiences and the back office, as site.New does: the back
// office answers on its own listener only (TestServer.AdminHandler), which
// TestHotQueryPlans walks as the counter's staff.
func TestMain(m *testing.M) {
	webtest.Main(m, append(slices.Clone(site.Audiences), site.BackOffice)...)
}
