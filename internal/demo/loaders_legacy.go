package demo

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/registry"
	"hall/internal/store"
)

// DemoLegacyPassword is the old password of the demo legacy-hall accounts
// (历史单位用户升级, SPEC R4).
const DemoLegacyPassword = "Old#2026hall"

const legacySeed = 20261205

func init() {
	loaders = append(loaders, Loader{Name: "legacy", Seed: legacySeed, Load: loadLegacy, Accounts: legacyList})
}

// legacyEntry is a demo legacy-hall account: a unit of the demo registry that has
// no online account, its old 单位编号, and the export format of its hash.
type legacyEntry struct {
	unit   registry.Entry
	number string
	bcrypt bool
}

// legacyCast picks the two active units after the four the accounts set uses, so
// that neither has an online account: one exported with a PBKDF2 hash, one with
// bcrypt, as a legacy system's export may mix them.
func legacyCast() []legacyEntry {
	var picked []registry.Entry
	for _, e := range registryEntries() {
		if e.Active() && e.LegalRepIDType == ident.IDTypeResident {
			picked = append(picked, e)
		}
	}
	if len(picked) < 6 {
		return nil
	}
	out := []legacyEntry{{unit: picked[4]}, {unit: picked[5], bcrypt: true}}
	for i := range out {
		out[i].number = fmt.Sprintf("JS%s%04d", out[i].unit.Region, 1001+i)
	}
	return out
}

// loadLegacy stores the demo legacy accounts, as `hall import legacy` would.
func loadLegacy(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	for _, e := range legacyCast() {
		var hash string
		if e.bcrypt {
			b, err := bcrypt.GenerateFromPassword([]byte(DemoLegacyPassword), 10)
			if err != nil {
				return err
			}
			hash = string(b)
		} else {
			salt := make([]byte, 16)
			for i := range salt {
				salt[i] = byte(g.R.Uint32()) // #nosec G115 -- the low byte is what a salt byte is meant to be.
			}
			var err error
			if hash, err = legacy.HashPBKDF2(DemoLegacyPassword, salt, 100_000); err != nil {
				return err
			}
		}
		l, errs := legacy.ParseLine(e.number, e.unit.USCC, e.unit.Name, hash)
		if len(errs) > 0 {
			return fmt.Errorf("demo legacy account %s: %v", e.number, errs)
		}
		if _, err := legacy.Put(ctx, tx, l, d.Now()); err != nil {
			return err
		}
	}
	return nil
}

func legacyList(*Gen) []Account {
	var out []Account
	for _, e := range legacyCast() {
		out = append(out, Account{Kind: "历史账户", Unit: "（可试历史单位用户升级）" + e.unit.Name + " " + e.unit.USCC,
			Login: e.number, Person: "—", Role: "原网办大厅单位账户（管理员可设为陈立新）", Password: DemoLegacyPassword})
	}
	return out
}
