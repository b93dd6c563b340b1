package unit_test

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/unit"
)

// Every online opening of a unit is recorded alike: the unit as target, its masked
// USCC, unit number and channel in the detail, beside the caller's own keys, which
// cannot replace those three.
func TestOpenedEntry(t *testing.T) {
	u := unit.Unit{ID: 42, USCC: ident.GenerateUSCC(rand.New(rand.NewPCG(3, 9)), "320102"), UnitNumber: "3201020000042"}
	e := unit.OpenedEntry(u, 7, unit.RoleAdmin, "unit.upgrade", "legacy-upgrade", "203.0.113.9",
		map[string]string{"legal_rep": "none", "channel": "other", "uscc": u.USCC})
	want := audit.Entry{PersonID: 7, UnitID: 42, Role: "admin", Action: "unit.upgrade", Target: "unit:42",
		Result: audit.Success, ClientIP: "203.0.113.9"}
	wantDetail := map[string]string{"uscc": ident.MaskUSCC(u.USCC), "unit_number": "3201020000042",
		"channel": "legacy-upgrade", "legal_rep": "none"}
	if !reflect.DeepEqual(withoutDetail(e), want) {
		t.Errorf("entry %+v, want %+v", withoutDetail(e), want)
	}
	if !maps.Equal(e.Detail, wantDetail) {
		t.Errorf("detail %v, want %v", e.Detail, wantDetail)
	}
	if e.Detail["uscc"] == u.USCC {
		t.Errorf("the detail holds the USCC unmasked: %q", u.USCC)
	}
}

func withoutDetail(e audit.Entry) audit.Entry {
	e.Detail = nil
	return e
}
