package unit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "13812345678", want: "13812345678"},
		{in: "+86 138 1234 5678", want: "13812345678"},
		{in: "１３８１２３４５６７８", want: "13812345678"},
		{in: "025-83123456", want: "025-83123456"},
		{in: "02583123456", want: "025-83123456"},
		{in: "0512 6512 3456", want: "0512-65123456"},
		{in: "(0512)65123456", want: "0512-65123456"},
		{in: "025-83123456-801", want: "025-83123456-801"},
		{in: "025-83123456转801", want: "025-83123456-801"},
		{in: "051265123456", want: "0512-65123456"},
		{in: "", err: "请填写联系电话"},
		{in: "12345", err: "联系电话格式不正确"},
		{in: "25-83123456", err: "联系电话格式不正确"},
		{in: "025-03123456", err: "联系电话格式不正确"},
		{in: "025-831234", err: "联系电话格式不正确"},
		{in: "025-83123456转1234567", err: "分机号应为1至6位数字"},
		{in: "025-83123456-8-1", err: "联系电话格式不正确"},
		{in: "abc", err: "联系电话格式不正确"},
		{in: "12812345678", err: "联系电话格式不正确"},
	} {
		got, err := unit.NormalizePhone(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("NormalizePhone(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "025-83123456转801", "(0512)65123456", "", "0-0-0", "转#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := unit.NormalizePhone(s)
		if err != nil {
			return
		}
		// What it accepts it accepts again unchanged.
		again, err := unit.NormalizePhone(got)
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, then %q, %v", s, got, again, err)
		}
	})
}

func TestNormalizeContact(t *testing.T) {
	ok := unit.Contact{Address: "示范市示范区示范路8号", ContactName: "陈 晓", ContactPhone: "025-83123456"}
	for _, tc := range []struct {
		name  string
		edit  func(c *unit.Contact)
		field string
		msg   string
	}{
		{name: "valid", edit: func(*unit.Contact) {}},
		{name: "no address", edit: func(c *unit.Contact) { c.Address = "  " }, field: unit.FieldAddress, msg: "请填写单位地址"},
		{name: "short address", edit: func(c *unit.Contact) { c.Address = "示范路" }, field: unit.FieldAddress, msg: "单位地址过短"},
		{name: "long address", edit: func(c *unit.Contact) { c.Address = strings.Repeat("路", 101) }, field: unit.FieldAddress, msg: "不能超过100个字"},
		{name: "control in address", edit: func(c *unit.Contact) { c.Address = "示范市示范区\x00示范路8号" }, field: unit.FieldAddress, msg: "不能识别"},
		{name: "no contact", edit: func(c *unit.Contact) { c.ContactName = "" }, field: unit.FieldContactName, msg: "请填写联系人姓名"},
		{name: "one-letter contact", edit: func(c *unit.Contact) { c.ContactName = "陈" }, field: unit.FieldContactName, msg: "至少2个字"},
		{name: "digits in contact", edit: func(c *unit.Contact) { c.ContactName = "陈2" }, field: unit.FieldContactName, msg: "只能包含汉字"},
		{name: "long contact", edit: func(c *unit.Contact) { c.ContactName = strings.Repeat("陈", 31) }, field: unit.FieldContactName, msg: "不能超过30个字"},
		{name: "bad phone", edit: func(c *unit.Contact) { c.ContactPhone = "110" }, field: unit.FieldContactPhone, msg: "联系电话格式不正确"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			got, err := unit.NormalizeContact(c)
			var ce unit.ContactErrors
			if tc.field == "" {
				if err != nil || got.ContactName != "陈 晓" {
					t.Fatalf("NormalizeContact = %+v, %v", got, err)
				}
				return
			}
			if !errors.As(err, &ce) || len(ce) != 1 || !strings.Contains(ce[tc.field], tc.msg) {
				t.Fatalf("NormalizeContact errors %v, want %s: %q", err, tc.field, tc.msg)
			}
		})
	}
}

func TestChangeContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := rand.New(rand.NewPCG(21, 21))
		svc := unit.New(db, func() time.Time { return t0 })
		log := audit.New(db, nil, func() time.Time { return t0 })
		ps := addPersons(t, db, g, 2)
		u := newUnit(t, svc, db, g, ps[0])
		change := func(before, after unit.Contact) (unit.Unit, error) {
			return svc.ChangeContact(ctx, log, unit.ContactChange{UnitID: u.ID, PersonID: ps[0], Role: unit.RoleLegalRep,
				ClientIP: "192.0.2.1", Before: before, After: after})
		}
		entries := func() []audit.Entry {
			es, _, err := log.List(ctx, audit.Filter{UnitID: u.ID, Action: "unit.info."})
			if err != nil {
				t.Fatal(err)
			}
			return es
		}

		rep, err := svc.LegalRep(ctx, u.ID)
		if err != nil || rep.Name != "测试0" {
			t.Fatalf("LegalRep = %+v, %v", rep, err)
		}
		if _, err := svc.LegalRep(ctx, u.ID+100); !errors.Is(err, unit.ErrNotFound) {
			t.Fatalf("LegalRep of no unit: %v", err)
		}

		first := unit.Contact{Address: "示范市示范区示范路8号", ContactName: "陈晓", ContactPhone: "138 1234 5678"}
		got, err := change(unit.ContactOf(u), first)
		if err != nil || got.ContactPhone != "13812345678" || got.Address != first.Address {
			t.Fatalf("first change: %+v, %v", got, err)
		}
		stored, _ := svc.Get(ctx, u.ID)
		if unit.ContactOf(stored) != unit.ContactOf(got) {
			t.Fatalf("stored %+v, returned %+v", unit.ContactOf(stored), unit.ContactOf(got))
		}
		es := entries()
		if len(es) != 1 || es[0].Detail["contact_phone.new"] != "138****5678" || es[0].Detail["contact_phone.old"] != "" ||
			es[0].Detail["address.new"] != first.Address || es[0].PersonID != ps[0] || es[0].Role != "legal_rep" {
			t.Fatalf("audit after the change: %+v", es)
		}

		// Based on the page before the first change: refused, nothing written.
		if _, err := change(unit.ContactOf(u), unit.Contact{Address: "示范市另一条路9号", ContactName: "王五", ContactPhone: "13900001111"}); !errors.Is(err, unit.ErrContactChanged) {
			t.Fatalf("stale change: %v", err)
		}
		// Invalid values: refused with the field's message, nothing written.
		var ce unit.ContactErrors
		if _, err := change(unit.ContactOf(got), unit.Contact{Address: "路", ContactName: "陈晓", ContactPhone: "1"}); !errors.As(err, &ce) ||
			ce[unit.FieldAddress] == "" || ce[unit.FieldContactPhone] == "" {
			t.Fatalf("invalid change: %v", err)
		}
		// The same values again: nothing to record.
		if _, err := change(unit.ContactOf(got), first); err != nil {
			t.Fatalf("unchanged: %v", err)
		}
		if _, err := change(unit.Contact{}, first); !errors.Is(err, unit.ErrContactChanged) {
			t.Fatalf("unchanged but stale: %v", err)
		}
		if n := len(entries()); n != 1 {
			t.Fatalf("%d audit entries after refused and empty changes, want 1", n)
		}
		if _, err := svc.ChangeContact(ctx, log, unit.ContactChange{UnitID: u.ID + 100, After: first}); !errors.Is(err, unit.ErrNotFound) {
			t.Fatalf("no such unit: %v", err)
		}
	})
}

// TestChangeContactRace: two edits based on the same page overlap; the second must
// not overwrite the first unseen.
func TestChangeContactRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := rand.New(rand.NewPCG(22, 22))
		svc := unit.New(db, func() time.Time { return t0 })
		ps := addPersons(t, db, g, 1)
		u := newUnit(t, svc, db, g, ps[0])
		base := unit.ContactOf(u)
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE units SET contact_name = '李明', contact_phone = '13900001111' WHERE id = ?`, u.ID)
			return err
		}, func(h *store.DB) error {
			_, err := unit.New(h, func() time.Time { return t0 }).ChangeContact(ctx, audit.New(h, nil, nil), unit.ContactChange{UnitID: u.ID,
				PersonID: ps[0], Role: unit.RoleLegalRep, Before: base,
				After: unit.Contact{Address: "示范市示范区示范路8号", ContactName: "陈晓", ContactPhone: "13812345678"}})
			return err
		}, "UPDATE units")
		if !errors.Is(err, unit.ErrContactChanged) {
			t.Fatalf("the second edit: %v, want ErrContactChanged", err)
		}
		got, _ := svc.Get(ctx, u.ID)
		if got.ContactName != "李明" || got.ContactPhone != "13900001111" {
			t.Fatalf("after the race: %+v", unit.ContactOf(got))
		}
	})
}
