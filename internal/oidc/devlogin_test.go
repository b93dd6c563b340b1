package oidc_test

import (
	"context"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// TestDBDirectoryListsRegistryLegalReps: a registry unit without an account is
// listed with its legal representative, whose ID number and name the registry
// keeps sealed, opened for the login page; the label masks them.
func TestDBDirectoryListsRegistryLegalReps(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := registry.Entry{USCC: ident.NumberedUSCC(7), Name: "示范目录科技有限公司", UnitType: registry.UnitEnterprise,
			LegalRepIDType: ident.IDTypeResident, LegalRepIDNumber: ident.NumberedResidentID(7), LegalRepName: "韩雪梅",
			RegisteredAt: time.Date(2015, 3, 7, 0, 0, 0, 0, time.UTC), Region: "320102", Status: registry.StatusActive}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := registry.NewTable(db, nil).Upsert(ctx, tx, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ids, err := oidc.DBDirectory(db)(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var found []oidc.DevIdentity
		for _, id := range ids {
			if id.USCC == e.USCC {
				found = append(found, id)
			}
		}
		want := oidc.DevIdentity{Label: e.Name + "（未开户）· 法定代表人 " + ident.MaskName(e.LegalRepName),
			IDType: string(ident.IDTypeResident), IDNumber: e.LegalRepIDNumber, Name: e.LegalRepName, USCC: e.USCC,
			UnitName: e.Name, Role: unit.RoleLegalRep}
		if len(found) != 1 || found[0] != want {
			t.Fatalf("directory entries of the unit = %+v, want [%+v]", found, want)
		}
	})
}
