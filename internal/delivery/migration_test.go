package delivery_test

import (
	"context"
	"strings"
	"testing"

	"hall/internal/person"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// insertClearPerson inserts r as the persons table held it before migration 0040
// sealed a person's ID number, name and mobile.
func insertClearPerson(ctx context.Context, tx *store.Tx, r person.Row) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, r.IDType, r.IDNumber, r.Name, r.Mobile, r.CreatedAt, r.CreatedAt).Scan(&id)
	return id, err
}

// clearRecipient is a recipient as delivery_requests and deliveries held it in
// clear, before migration 0056.
type clearRecipient struct{ Recipient, Mobile, Address string }

// insertClearRequest inserts the delivery request of case caseID to r as the schema
// before 0056 kept it.
func (f *fixture) insertClearRequest(t testing.TB, caseID int64, r clearRecipient) {
	t.Helper()
	if _, err := f.db.Exec(f.ctx, `INSERT INTO delivery_requests (case_id, unit_id, recipient, mobile, address, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, caseID, f.unit, r.Recipient, r.Mobile, r.Address, t0); err != nil {
		t.Fatal(err)
	}
}

// insertClearDelivery inserts the request and the shipped delivery of case caseID
// to r, with its first event, as the schema before 0056 kept them, and returns the
// delivery's id.
func (f *fixture) insertClearDelivery(t testing.TB, caseID int64, r clearRecipient, trackingNo string) int64 {
	t.Helper()
	f.insertClearRequest(t, caseID, r)
	var id int64
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(f.ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, carrier, tracking_no,
			status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'dev', ?, 'collected', ?, ?) RETURNING id`,
			caseID, f.unit, r.Recipient, r.Mobile, r.Address, trackingNo, t0, t0).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(f.ctx, `INSERT INTO delivery_events (delivery_id, status, at, place, description)
		VALUES (?, 'collected', ?, '南京', '已揽收')`, id, t0); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestMigration0028KeepsDeliveries: a database with deliveries, their history and
// a request moves to 0028 (on SQLite by rebuilding the three tables) with every
// row kept and the history still tied to its delivery; after the later migrations
// (0056 seals the recipients) the service reads them as they were, and new
// deliveries are numbered after the old.
func TestMigration0028KeepsDeliveries(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Unmigrated(t, engine)
			if _, err := db.MigrateTo(ctx, 27); err != nil {
				t.Fatal(err)
			}
			f := newFixtureWith(t, db, insertClearPerson)
			shippedTo := clearRecipient{"李收件", "13912345678", "江苏省南京市玄武区中山路1号"}
			first := f.newCase(t)
			id := f.insertClearDelivery(t, first, shippedTo, "DEV0001")
			waiting := f.newCase(t)
			f.insertClearRequest(t, waiting, clearRecipient{"张收件", "13712345678", "江苏省南京市玄武区北京东路9号"})
			const (
				deliveriesQuery = `SELECT id, case_id, unit_id, recipient, mobile, address, carrier, tracking_no, status,
					last_error FROM deliveries ORDER BY id`
				eventsQuery   = `SELECT id, delivery_id, status, place, description FROM delivery_events ORDER BY id`
				requestsQuery = `SELECT case_id, unit_id, recipient, mobile, address FROM delivery_requests ORDER BY case_id`
			)
			var before [][]string
			for _, q := range []string{deliveriesQuery, eventsQuery, requestsQuery} {
				before = append(before, storetest.RawRows(t, db, q))
			}

			if _, err := db.MigrateTo(ctx, 28); err != nil {
				t.Fatal(err)
			}
			for i, q := range []string{deliveriesQuery, eventsQuery, requestsQuery} {
				if after := storetest.RawRows(t, db, q); strings.Join(after, "\n") != strings.Join(before[i], "\n") {
					t.Fatalf("migration 0028 changed %q: %q, now %q", q, before[i], after)
				}
			}
			if _, err := db.Exec(ctx, `INSERT INTO delivery_events (delivery_id, status, at) VALUES (?, 'collected', ?)`,
				id+1000, t0); !store.IsConstraintViolation(err) {
				t.Fatalf("history of no delivery: %v", err)
			}

			keys, err := sealed.NewKeys(sealed.NewKey())
			if err != nil {
				t.Fatal(err)
			}
			db.UseKeys(keys)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			d, events := f.delivery(t, first)
			if d.ID != id || d.Recipient != shippedTo.Recipient || d.Phone != shippedTo.Mobile || d.Address != shippedTo.Address ||
				d.TrackingNo != "DEV0001" || len(events) != 1 || events[0].Place != "南京" {
				t.Fatalf("the delivery after the migrations: %+v %+v", d, events)
			}
			if r, ok, err := f.svc.Requested(f.ctx, f.unit, waiting); err != nil || !ok || r.Address != "江苏省南京市玄武区北京东路9号" {
				t.Fatalf("the request: %+v %v %v", r, ok, err)
			}
			next := f.approved(t, "珠江路3号")
			if d, _ := f.delivery(t, next); d.ID <= id || d.TrackingNo == "" {
				t.Fatalf("a new delivery after the migration: %+v", d)
			}
		})
	}
}

// TestMigrationSealsClearDeliveries: a database whose delivery requests and
// deliveries kept their recipients in clear (the schema before 0056) is sealed by
// migration 0056's Go half — each opens to its old recipient, waybill and status
// kept, and no clear value is left in either table — and a migration without a
// data key is refused, leaving the schema where it was.
func TestMigrationSealsClearDeliveries(t *testing.T) {
	storetest.EachBefore(t, 56, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		shippedTo := clearRecipient{"欧阳收件", "13912345678", "江苏省南京市玄武区中山路1号"}
		waitingFor := clearRecipient{"司马收件", "13712345678", "江苏省南京市秦淮区中华路8号"}
		shipped, waiting := f.newCase(t), f.newCase(t)
		id := f.insertClearDelivery(t, shipped, shippedTo, "DEV0042")
		f.insertClearRequest(t, waiting, waitingFor)

		storetest.MigrateSealing(t, db, 56)
		d, events := f.delivery(t, shipped)
		if d.ID != id || d.Recipient != shippedTo.Recipient || d.Phone != shippedTo.Mobile || d.Address != shippedTo.Address ||
			d.TrackingNo != "DEV0042" || d.Status != "collected" || len(events) != 1 {
			t.Errorf("the delivery after the migration: %+v %+v", d, events)
		}
		for caseID, want := range map[int64]clearRecipient{shipped: shippedTo, waiting: waitingFor} {
			if r, ok, err := f.svc.Requested(ctx, f.unit, caseID); err != nil || !ok ||
				(clearRecipient{r.Recipient, r.Phone, r.Address}) != want {
				t.Errorf("the request of case %d after the migration: %+v %v %v; want %+v", caseID, r, ok, err, want)
			}
		}
		for _, table := range []string{"delivery_requests", "deliveries"} {
			for _, row := range storetest.RawRows(t, db, "SELECT * FROM "+table) {
				for _, r := range []clearRecipient{shippedTo, waitingFor} {
					for _, v := range []string{r.Recipient, r.Mobile, r.Address, "中山路", "中华路"} {
						if strings.Contains(row, v) {
							t.Errorf("a %s row still holds %q in clear", table, v)
						}
					}
				}
			}
		}
	})
}
