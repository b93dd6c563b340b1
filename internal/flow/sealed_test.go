package flow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// personData is what a registration-like flow keeps: the typed identity.
type personData struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Mobile   string `json:"mobile"`
}

// TestFlowsSealedAtRest: what `select data from flows` (and `select *`) shows holds
// none of the ID numbers, names and mobiles a flow was created or advanced with, a
// receipt's included, on both engines, while Get reads them back; the stored data is
// the JSON sealed for the flow's own row.
func TestFlowsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, newClock().Now)
		first := personData{IDNumber: ident.NumberedResidentID(1), Name: "林晓梅", Mobile: ident.NumberedMobile(1)}
		second := personData{IDNumber: ident.NumberedResidentID(2), Name: "欧阳志远", Mobile: ident.NumberedMobile(2)}
		f, err := s.Create(ctx, KindRegister, browser, "identity", first, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Advance(ctx, f, "identity", "mobile", second); err != nil {
			t.Fatal(err)
		}
		receipt := s.SaveReceipt(ctx, "register-receipt", browser, first, time.Hour)
		if receipt == "" {
			t.Fatal("the receipt was not saved")
		}
		rows, err := db.Query(ctx, "SELECT id, data FROM flows")
		if err != nil {
			t.Fatal(err)
		}
		datas := map[string][]byte{}
		for rows.Next() {
			var id string
			var data []byte
			if err := rows.Scan(&id, &data); err != nil {
				t.Fatal(err)
			}
			datas[id] = data
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(datas) != 2 {
			t.Fatalf("%d flows rows, want 2", len(datas))
		}
		for id, data := range datas {
			if _, err := storetest.Keys().Open(Place(id), data); err != nil {
				t.Errorf("the data of a flow row does not open at its place: %v", err)
			}
		}
		storetest.HoldsNone(t, db, "flows", first.IDNumber, first.Name, first.Mobile,
			second.IDNumber, second.Name, second.Mobile, "id_number")

		got, err := s.Get(ctx, f.ID, KindRegister, browser)
		var d personData
		if err != nil || got.Decode(&d) != nil || d != second {
			t.Errorf("Get after Advance: %+v, %v", d, err)
		}
		var r personData
		if err := s.ReadReceipt(ctx, receipt, "register-receipt", browser, &r); err != nil || r != first {
			t.Errorf("ReadReceipt: %+v, %v", r, err)
		}
	})
}

// TestFlowsRefuseMovedData: a flow's sealed data copied onto another flow's row does
// not open there: reading that flow fails like the database does (sealed's
// ErrAuthentication, none of the store's sentinels, passed through Load's mapping
// as it is) and says that its data does not open, without naming the flow's id; the
// flow the data came from still reads.
func TestFlowsRefuseMovedData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, newClock().Now)
		victim, err := s.Create(ctx, KindRecover, browser, "captcha", personData{Name: "林晓梅"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		source, err := s.Create(ctx, KindRecover, browser, "captcha",
			personData{IDNumber: ident.NumberedResidentID(3), Name: "欧阳志远", Mobile: ident.NumberedMobile(3)}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE flows SET data = (SELECT data FROM flows WHERE id = ?) WHERE id = ?`,
			source.ID, victim.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Get(ctx, victim.ID, KindRecover, browser)
		if !errors.Is(err, sealed.ErrAuthentication) {
			t.Fatalf("Get of a flow with moved data: %v, want %v", err, sealed.ErrAuthentication)
		}
		for _, sentinel := range []error{ErrNotFound, ErrExpired, ErrCompleted, ErrStep, ErrConflict, ErrInvalid, ErrNoKeys} {
			if errors.Is(err, sentinel) {
				t.Errorf("Get of a flow with moved data: %v, which is %v", err, sentinel)
			}
		}
		if msg := err.Error(); !strings.Contains(msg, "data of a recover flow does not open") || strings.Contains(msg, victim.ID) {
			t.Errorf("the refusal says %q", msg)
		}
		errs := Errors{NotFound: errors.New("pkg: not found"), Expired: errors.New("pkg: expired"),
			Completed: errors.New("pkg: completed"), Step: errors.New("pkg: step")}
		if _, _, err := Load[personData](ctx, s, victim.ID, KindRecover, browser, errs); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("Load of a flow with moved data: %v, want %v", err, sealed.ErrAuthentication)
		}
		// Another browser still gets the not-found answer: nothing is opened for it.
		if _, err := s.Get(ctx, victim.ID, KindRecover, "another browser"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get for another browser: %v, want %v", err, ErrNotFound)
		}
		if got, err := s.Get(ctx, source.ID, KindRecover, browser); err != nil || !strings.Contains(string(got.Data), "欧阳志远") {
			t.Errorf("the source flow: %v", err)
		}
	})
}

// TestFlowsNeedKeys: without data keys on the database a flow is neither saved nor
// read (ErrNoKeys), rather than kept or read in clear.
func TestFlowsNeedKeys(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	s := NewStore(db, newClock().Now)
	f, err := s.Create(ctx, KindRegister, browser, "identity", personData{Name: "林晓梅"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	db.UseKeys(nil)
	if _, err := s.Create(ctx, KindRegister, browser, "identity", personData{Name: "林晓梅"}, time.Hour); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Create without keys: %v, want %v", err, ErrNoKeys)
	}
	if _, err := s.Get(ctx, f.ID, KindRegister, browser); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Get without keys: %v, want %v", err, ErrNoKeys)
	}
	if err := s.Advance(ctx, f, "identity", "mobile", nil); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Advance without keys: %v, want %v", err, ErrNoKeys)
	}
	if n := len(storetest.RawRows(t, db, "SELECT * FROM flows ORDER BY id")); n != 1 {
		t.Errorf("%d flows rows, want the one created with keys", n)
	}
}

// TestMigrationSealsClearFlows: a database whose flows kept their data in clear
// (schema 0041) is sealed by migration 0042's Go half — every flow reads its old
// data, no clear value is left, and 0043 dropped the clear column — and a migration
// without a data key is refused, leaving the schema where it was.
func TestMigrationSealsClearFlows(t *testing.T) {
	storetest.EachBefore(t, 42, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		now := store.Time(clk.Now())
		type clearFlow struct {
			id   string
			data personData
		}
		var flows []clearFlow
		var clear []string
		for i := range 3 {
			c := clearFlow{token.New(), personData{ident.NumberedResidentID(10 + i), "林晓梅" + strings.Repeat("芳", i), ident.NumberedMobile(10 + i)}}
			flows = append(flows, c)
			clear = append(clear, c.data.IDNumber, c.data.Name, c.data.Mobile)
			raw, err := encodeData(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO flows (id, kind, step, data, binding_hash, version, created_at, expires_at)
				VALUES (?, ?, 'identity', ?, ?, 1, ?, ?)`,
				c.id, KindRegister, string(raw), token.Hash(browser), now, store.Time(now.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		storetest.MigrateSealing(t, db, 42)
		if v, err := db.SchemaVersion(ctx); err != nil || v < 43 {
			t.Fatalf("schema after the migration: %d, %v; want at least 43", v, err)
		}
		s := NewStore(db, clk.Now)
		for i, c := range flows {
			f, err := s.Get(ctx, c.id, KindRegister, browser)
			var d personData
			if err != nil || f.Decode(&d) != nil || d != c.data || f.Step != "identity" {
				t.Errorf("flow %d after the migration: %+v, %v", i, d, err)
			}
		}
		storetest.HoldsNone(t, db, "flows", clear...)
		if _, err := db.Exec(ctx, "SELECT clear_data FROM flows"); err == nil {
			t.Error("the flows table still has clear_data")
		}
	})
}
