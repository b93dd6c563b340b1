package bench

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Account is a login the tool signs in with. Account is the unit's account (统一社会信用
// 代码 or unit number) for a unit login, empty for a personal login; Login is the
// person's ID number or mobile.
type Account struct {
	Account  string
	Login    string
	Password string
}

// Unit tells a unit login from a personal one.
func (a Account) Unit() bool { return a.Account != "" }

// DemoAccounts are the demo data's accounts (README's table, the same on every
// machine): the unit logins that may open every unit-center page (the legal reps and
// the administrator; the agent row is left out, as 经办人管理 is not an agent's page)
// and the personal logins.
func DemoAccounts() []Account {
	return []Account{
		{"91321281MA307HBQXQ", "321281198605271518", "Demo#2026hall"},
		{"91321281MA307HBQXQ", "320106198805076008", "Unit#2026hall"},
		{"91320282945013927Q", "320282196404281716", "Demo#2026hall"},
		{"91321322403089089T", "321322196805203313", "Demo#2026hall"},
		{"", "320106198805076008", "Demo#2026hall"},
		{"", "320582199502279636", "Demo#2026hall"},
		{"", "320582199510153099", "Demo#2026hall"},
	}
}

// ReadAccounts reads accounts from CSV lines "account,login,password" (account empty
// for a personal login). A first line "account,login,password" is a header and
// skipped; lines starting with # are comments.
func ReadAccounts(r io.Reader) ([]Account, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	var out []Account
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
		if first && strings.EqualFold(rec[0], "account") && strings.EqualFold(rec[1], "login") {
			continue
		}
		a := Account{Account: strings.TrimSpace(rec[0]), Login: strings.TrimSpace(rec[1]), Password: rec[2]}
		if a.Login == "" || a.Password == "" {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("accounts: line %d: login and password are required", line)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("accounts: the file lists no account")
	}
	return out, nil
}

// pick returns the unit (unit true) or personal accounts.
func pick(accounts []Account, unit bool) []Account {
	var out []Account
	for _, a := range accounts {
		if a.Unit() == unit {
			out = append(out, a)
		}
	}
	return out
}

// ForUnit keeps the unit logins of the unit whose account (统一社会信用代码 or unit
// number) is unit, so that a scenario's pages are those of one unit: the demo's
// first unit has about 3,000 employees, its second 240. Errors: none of the
// accounts logs in to that unit.
func ForUnit(accounts []Account, unit string) ([]Account, error) {
	var out []Account
	for _, a := range accounts {
		if a.Unit() && a.Account == unit {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("accounts: no unit login of %s among the accounts", unit)
	}
	return out, nil
}
