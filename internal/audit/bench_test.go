package audit

import (
	"context"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// BenchmarkRecord measures one audited event in its own transaction (a failed login).
func BenchmarkRecord(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := benchDB(b, engine)
			l := New(db, testKey, nil)
			ctx := context.Background()
			e := Entry{PersonID: 1, UnitID: 2, Action: "login.password", Result: Failure,
				ClientIP: "203.0.113.7", Detail: map[string]string{"reason": "wrong password"}}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.Record(ctx, e); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkVerify reports the cost of verifying one row (ns/op is per row).
func BenchmarkVerify(b *testing.B) {
	const rows = 20000
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := benchDB(b, engine)
			l := New(db, testKey, nil)
			ctx := context.Background()
			err := db.Tx(ctx, func(tx *store.Tx) error {
				for range rows {
					if _, err := l.Append(ctx, tx, Entry{UnitID: 3, Action: "login.password", Result: Success}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if res, err := l.Verify(ctx); err != nil || !res.OK {
					b.Fatalf("Verify = %s, %v", res, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}

func benchDB(b *testing.B, engine string) *store.DB {
	if engine == "postgres" {
		return storetest.Postgres(b)
	}
	return storetest.SQLite(b)
}
