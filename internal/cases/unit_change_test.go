package cases

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

func unitChangeForm(address, name, phone string) url.Values {
	return url.Values{unit.FieldAddress: {address}, unit.FieldContactName: {name}, unit.FieldContactPhone: {phone}}
}

// TestCheckUnitChange: the form keeps unit.NormalizeContact's rules; an empty
// phone keeps the current one.
func TestCheckUnitChange(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    url.Values
		field string
	}{
		{"valid", unitChangeForm("南京市玄武区中山路1号", "周联络", "025-83123456"), ""},
		{"phone kept", unitChangeForm("南京市玄武区中山路1号", "周联络", ""), ""},
		{"mobile", unitChangeForm("南京市玄武区中山路1号", "周联络", "13912345678"), ""},
		{"short address", unitChangeForm("中山路", "周联络", ""), unit.FieldAddress},
		{"no address", unitChangeForm("", "周联络", ""), unit.FieldAddress},
		{"long address", unitChangeForm(strings.Repeat("路", 101), "周联络", ""), unit.FieldAddress},
		{"one-letter contact", unitChangeForm("南京市玄武区中山路1号", "周", ""), unit.FieldContactName},
		{"digits in contact", unitChangeForm("南京市玄武区中山路1号", "周2", ""), unit.FieldContactName},
		{"bad phone", unitChangeForm("南京市玄武区中山路1号", "周联络", "12345"), unit.FieldContactPhone},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := CheckUnitChange(c.in)
			var fe *FormError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field == "":
				if f.After.Address == "" || (f.After.ContactPhone == "") != f.KeepPhone {
					t.Fatalf("form read as %+v", f)
				}
			case !errors.As(err, &fe):
				t.Fatalf("err = %v, want a FormError on %s", err, c.field)
			case fe.Fields[c.field] == "" || len(fe.Fields) != 1:
				t.Fatalf("fields = %v, want only %s", fe.Fields, c.field)
			}
		})
	}
}

// TestUnitChangeLifecycle: the legal rep applies for a change of address and
// contact, staff accept and approve, and the unit's data changes in the approving
// transaction with its "unit.info.change" record; a change that changes nothing is
// refused, and an approval after another change of the contact is refused with
// the case left 已受理.
func TestUnitChangeLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		if _, err := db.Exec(f.ctx, `UPDATE units SET address = '南京市秦淮区中华路100号', contact_name = '吴联络',
			contact_phone = '13912345678' WHERE id = ?`, f.unit.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemUnitChange, unitChangeForm("南京市秦淮区中华路100号", "吴联络", "")); !errors.Is(err, ErrUnchanged) {
			t.Fatalf("no change: %v", err)
		}
		if _, err := f.svc.Apply(f.ctx, f.agentA, ItemUnitChange, unitChangeForm("南京市玄武区中山路1号", "吴联络", "")); err == nil {
			t.Fatal("an agent without the grant applied")
		}
		c, err := f.svc.Apply(f.ctx, f.repA, ItemUnitChange, unitChangeForm("南京市玄武区中山路1号", "吴联络", ""))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := c.Details()
		facts := d.Facts()
		if len(facts) != 4 || facts[0].Label != "单位地址（变更前）" || facts[3].Value != "139****5678（不变）" {
			t.Fatalf("facts %+v", facts)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemUnitChange, unitChangeForm("南京市玄武区中山路2号", "吴联络", "")); !errors.Is(err, ErrPending) {
			t.Fatalf("second change: %v", err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		u, err := f.units.Get(f.ctx, f.unit.ID)
		if err != nil || u.Address != "南京市玄武区中山路1号" || u.ContactName != "吴联络" || u.ContactPhone != "13912345678" {
			t.Fatalf("unit %+v, %v", u, err)
		}
		es := f.entries(t, "unit.info.change")
		if len(es) != 1 || es[0].PersonID != f.rep.ID || es[0].Detail["address.new"] != "南京市玄武区中山路1号" {
			t.Fatalf("audit %+v", es)
		}

		// Another change of the contact between filing and approval.
		c, err = f.svc.Apply(f.ctx, f.repA, ItemUnitChange, unitChangeForm("南京市玄武区中山路1号", "郑联络", "025-83123456"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(f.ctx, `UPDATE units SET contact_name = '冯联络' WHERE id = ?`, f.unit.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); !errors.Is(err, ErrInfoChanged) {
			t.Fatalf("approve after another change: %v", err)
		}
		if now, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID); err != nil || now.State != StateAccepted {
			t.Fatalf("after the refusal: %s, %v", now.State, err)
		}
	})
}
