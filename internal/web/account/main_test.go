package account

import (
	"testing"

	"hall/internal/web/app"
	"hall/internal/web/hall"
	"hall/internal/web/institutioncenter"
	"hall/internal/web/unitcenter"
	"hall/internal/web/unitdelegation"
	"hall/internal/web/unitinstitutions"
	"hall/internal/web/webtest"
)

// TestMain mounts the whole hall, as internal/web/site does, for every test here.
func TestMain(m *testing.M) {
	webtest.Main(m, hall.Mount, Mount, unitcenter.Mount, unitdelegation.Mount, app.Mount, unitinstitutions.Mount, institutioncenter.Mount)
}
