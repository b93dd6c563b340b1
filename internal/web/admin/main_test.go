package admin

import (
	"testing"

	"hall/internal/web/account"
	"hall/internal/web/app"
	"hall/internal/web/hall"
	"hall/internal/web/institutioncenter"
	"hall/internal/web/unitcenter"
	"hall/internal/web/unitdelegation"
	"hall/internal/web/unitinstitutions"
	"hall/internal/web/webtest"
)

// TestMain mounts the whole hall and the back office, as internal/web/site does.
func TestMain(m *testing.M) {
	webtest.Main(m, hall.Mount, account.Mount, unitcenter.Mount, unitdelegation.Mount, app.Mount, Mount, unitinstitutions.Mount, institutioncenter.Mount)
}
