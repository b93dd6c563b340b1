package web_test

import (
	"testing"

	"hall/internal/web/site"
	"hall/internal/web/webtest"
)

func TestMain(m *testing.M) { webtest.Main(m, site.Audiences...) }
