package auth_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// BenchmarkUnitLogin measures L1 password logins per second with the production
// argon2id parameters (audit record included), on each engine, with b.RunParallel's
// callers (GOMAXPROCS × -cpu). Compare with person.BenchmarkHashParallel (H) run in
// the same invocation; docs/benchmarks.md has the command.
func BenchmarkUnitLogin(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(engine.name, func(b *testing.B) {
			db := engine.open(b)
			cfg := config.Defaults()
			cfg.DataDir = b.TempDir() // not ./data in the source tree
			if err := cfg.Validate(); err != nil {
				b.Fatal(err)
			}
			svc, err := services.Build(cfg, db, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			g := rand.New(rand.NewPCG(11, 11))
			const password = "Bench#2026login"
			hash, err := svc.Hasher.Hash(ctx, password)
			if err != nil {
				b.Fatal(err)
			}
			idNumber := ident.GenerateResidentID(g, "320102", time.Time{}, true)
			uscc := ident.GenerateUSCC(g, "320102")
			err = db.Tx(ctx, func(tx *store.Tx) error {
				p, err := svc.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: idNumber,
					Name: "测试", Mobile: ident.GenerateMobile(g), PasswordHash: hash}, "127.0.0.1")
				if err != nil {
					return err
				}
				_, err = svc.Units.Create(ctx, tx, unit.NewUnit{USCC: uscc, Name: "基准测试有限公司", UnitType: "企业",
					Region: "320102", LegalRepPersonID: p.ID})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := svc.Login.Unit(ctx, uscc, idNumber, password, auth.Attempt{ClientAddr: "127.0.0.1", Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
