package cases

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"hall/internal/store"
	"hall/internal/unit"
)

// ItemUnitChange is 单位参保信息变更登记: a change of the unit's address and contact,
// the fields a unit keeps itself (the name, USCC, type and legal representative
// come from the market-regulator registry and are not in the form); approval
// writes it with unit.ChangeContactTx, audited as "unit.info.change".
const ItemUnitChange = "SB-009"

// The unit change form's fields are unit.FieldAddress, unit.FieldContactName and
// unit.FieldContactPhone; a phone left empty keeps the current number.

// UnitChangeForm is 单位参保信息变更登记's form as stored: the contact as it was when
// the case was filed and as it is to be.
type UnitChangeForm struct {
	Before unit.Contact `json:"before"`
	After  unit.Contact `json:"after"`
	// KeepPhone: the phone was left empty, so After takes the current one when
	// the case is filed.
	KeepPhone bool `json:"keep_phone,omitempty"`
}

// Subject is fixed: one open change per unit.
func (f UnitChangeForm) Subject() string { return "contact" }

// Facts are the changed fields before and after, the others as they stay; the
// phone masked.
func (f UnitChangeForm) Facts() []Fact {
	var out []Fact
	add := func(label, before, after string) {
		if before == after {
			out = append(out, Fact{label, after + "（不变）"})
			return
		}
		out = append(out, Fact{label + "（变更前）", before}, Fact{label + "（变更后）", after})
	}
	add("单位地址", f.Before.Address, f.After.Address)
	add("联系人", f.Before.ContactName, f.After.ContactName)
	add("联系电话", unit.MaskPhone(f.Before.ContactPhone), unit.MaskPhone(f.After.ContactPhone))
	return out
}

// Values is the form's fields for a correction; the phone is never shown in full
// (SPEC §2), so it starts empty (kept) and is typed again to change it.
func (f UnitChangeForm) Values() url.Values {
	return url.Values{unit.FieldAddress: {f.After.Address}, unit.FieldContactName: {f.After.ContactName}}
}

// keepPhoneStandIn stands for the current phone while CheckUnitChange checks a
// form that keeps it (the check does not know the unit).
const keepPhoneStandIn = "13800000000"

// CheckUnitChange reads the form of 单位参保信息变更登记 as typed, by the rules of
// unit.NormalizeContact; an empty phone keeps the current one. Errors: *FormError.
func CheckUnitChange(v url.Values) (UnitChangeForm, error) {
	in := unit.Contact{Address: v.Get(unit.FieldAddress), ContactName: v.Get(unit.FieldContactName),
		ContactPhone: v.Get(unit.FieldContactPhone)}
	keep := strings.TrimSpace(in.ContactPhone) == ""
	if keep {
		in.ContactPhone = keepPhoneStandIn
	}
	c, err := unit.NormalizeContact(in)
	var ce unit.ContactErrors
	if errors.As(err, &ce) {
		e := &FormError{}
		for field, msg := range ce {
			e.Add(field, msg)
		}
		return UnitChangeForm{}, e
	}
	if err != nil {
		return UnitChangeForm{}, err
	}
	if keep {
		c.ContactPhone = ""
	}
	return UnitChangeForm{After: c, KeepPhone: keep}, nil
}

// ErrUnchanged: the form changes nothing of the unit's contact.
var ErrUnchanged = &Error{"unchanged", "填写的信息与当前登记的信息相同，无需申请变更"}

// ErrInfoChanged: the unit's contact changed after the case was filed.
var ErrInfoChanged = &Error{"info_changed", "单位基本信息在申请后已有变更，请退回单位核对后重新提交"}

var unitChangeType = formType{
	materials: []FormMaterial{{Code: "proof", Label: "变更证明材料", Required: false}},
	check: func(v url.Values, _ formEnv) (Form, error) {
		f, err := CheckUnitChange(v)
		if err != nil {
			return nil, err
		}
		return f, nil
	},
	decode: decodeAs[UnitChangeForm],
	prepare: func(ctx context.Context, tx *store.Tx, unitID int64, _ string, f Form, _ formEnv) (Form, error) {
		c := f.(UnitChangeForm)
		var before unit.Contact
		if err := tx.QueryRow(ctx, `SELECT address, contact_name, contact_phone FROM units WHERE id = ?`, unitID).
			Scan(&before.Address, &before.ContactName, &before.ContactPhone); err != nil {
			return nil, err
		}
		c.Before = before
		if c.KeepPhone {
			if before.ContactPhone == "" {
				e := &FormError{}
				e.Add(unit.FieldContactPhone, "请填写联系电话")
				return nil, e
			}
			c.After.ContactPhone = before.ContactPhone
		}
		if c.After == c.Before {
			return nil, ErrUnchanged
		}
		return c, nil
	},
	carryOut: func(ctx context.Context, tx *store.Tx, c Case, f Form, _ string, env formEnv) (Form, error) {
		u := f.(UnitChangeForm)
		_, err := unit.ChangeContactTx(ctx, tx, env.Audit, unit.ContactChange{UnitID: c.UnitID, PersonID: c.ApplicantID,
			Role: c.ApplicantRole, Before: u.Before, After: u.After}, env.Now)
		if errors.Is(err, unit.ErrContactChanged) {
			return nil, ErrInfoChanged
		}
		return nil, err
	},
	pending: &Error{ErrPending.Code, "本单位已有正在办理的参保信息变更登记，请勿重复申请"},
	field:   unit.FieldAddress,
	audit: func(f Form) map[string]string {
		c, changed := f.(UnitChangeForm), []string{}
		for _, x := range []struct{ field, before, after string }{{unit.FieldAddress, c.Before.Address, c.After.Address},
			{unit.FieldContactName, c.Before.ContactName, c.After.ContactName},
			{unit.FieldContactPhone, c.Before.ContactPhone, c.After.ContactPhone}} {
			if x.before != x.after {
				changed = append(changed, x.field)
			}
		}
		return map[string]string{"fields": strings.Join(changed, ",")}
	},
}
