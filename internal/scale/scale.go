// Package scale fills an empty database with generated persons, units, memberships
// and grants at national size — a million units and ten million persons — for the
// benchmarks that measure the hall with such data beside an empty database
// (docs/benchmarks.md, "National scale").
//
// The data are invented: ident's numbered generators give distinct, valid ID numbers,
// mobiles and USCCs that rise with the row's place, so that the bulk load appends to
// the unique indexes. Every generated person and unit login shares one password hash:
// hashing ten million passwords one by one would take days at the hash rate the hall
// is built for, and what a login costs does not depend on whose hash it checks.
//
// Who acts for whom: unit k has person k as its legal representative, every second
// unit (k even) an administrator (person Units + k/2) and every unit one agent
// (person Units + ⌈Units/2⌉ + k) granted two items; the persons after those belong to
// no unit.
//
// Error contract: Fill returns ErrNotEmpty when the database already holds persons or
// units (the generated numbers would collide with theirs), ErrPlan for a plan it
// cannot fill, and otherwise the database's errors; the rows of the batches committed
// before an error stay.
package scale

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hall/internal/person"
	"io"
	"strings"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/store"
)

// MinPersons is how many persons units units need: a legal representative and an
// agent each, and an administrator for every second one (the first, third, …).
func MinPersons(units int) int { return 2*units + (units+1)/2 }

// Errors of Fill.
var (
	ErrNotEmpty = errors.New("scale: the database already holds persons or units; fill an empty database")
	ErrPlan     = errors.New("scale: the plan cannot be filled")
)

// Plan is what Fill writes.
type Plan struct {
	// Persons and Units are how many of each; Persons must be at least
	// MinPersons(Units) (a legal representative and an agent per unit, and an
	// administrator for every second one).
	Persons, Units int
	// PasswordHash is the argon2id PHC string of every generated person and of the
	// administrators' and agents' unit passwords.
	PasswordHash string
	// Now is the rows' creation time; the administrators' and agents' roles run a year
	// from it.
	Now time.Time
	// Progress, when set, is told after each committed chunk how many rows of table
	// are written out of total.
	Progress func(table string, done, total int)
}

// Summary is what Fill wrote.
type Summary struct {
	Persons, Units, Memberships, Grants int
}

// GrantedItems are the two items every generated agent is granted.
var GrantedItems = []string{"SB-001", cases.ItemEnrolment}

// rowsPerStatement rows go into one INSERT, and chunkRows into one transaction: the
// statement stays under SQLite's and PostgreSQL's limits on parameters (at most ten
// columns here), and a transaction's commit is paid once per chunk.
const (
	rowsPerStatement = 500
	chunkRows        = 20_000
)

// Fill writes p into db. See the package documentation for the layout and errors.
func Fill(ctx context.Context, db *store.DB, p Plan) (Summary, error) {
	if p.Units < 1 || p.Persons < MinPersons(p.Units) || p.Persons > ident.NumberedResidentIDs ||
		p.Persons > ident.NumberedMobiles || p.Units > ident.NumberedUSCCs || p.PasswordHash == "" {
		return Summary{}, fmt.Errorf("%w: %d persons and %d units (want at least one unit, at least %d persons for them, at most %d persons and %d units) and a password hash",
			ErrPlan, p.Persons, p.Units, MinPersons(p.Units), min(ident.NumberedResidentIDs, ident.NumberedMobiles), ident.NumberedUSCCs)
	}
	var taken int
	if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM persons) + (SELECT COUNT(*) FROM units)`).Scan(&taken); err != nil {
		return Summary{}, fmt.Errorf("scale: count rows: %w", err)
	}
	if taken > 0 {
		return Summary{}, ErrNotEmpty
	}
	f := filler{db: db, p: p, now: store.Time(p.Now)}
	admins := (p.Units + 1) / 2
	// Each step writes rows for its places from..to: a row each, but the grants are
	// written per agent, rowsPer to an agent.
	steps := []struct {
		table   string
		total   int
		rowsPer int
		write   func(ctx context.Context, tx *store.Tx, from, to int) error
	}{
		{"persons", p.Persons, 1, f.persons},
		{"units", p.Units, 1, f.units},
		{"memberships", p.Units + admins + p.Units, 1, f.memberships},
		{"grants", p.Units, len(GrantedItems), f.grants},
	}
	for _, s := range steps {
		for from := 0; from < s.total; from += chunkRows {
			to := min(from+chunkRows, s.total)
			if err := db.Tx(ctx, func(tx *store.Tx) error { return s.write(ctx, tx, from, to) }); err != nil {
				return Summary{}, fmt.Errorf("scale: %s %d–%d: %w", s.table, from, to, err)
			}
			if p.Progress != nil {
				p.Progress(s.table, to*s.rowsPer, s.total*s.rowsPer)
			}
		}
	}
	if err := f.finish(ctx); err != nil {
		return Summary{}, err
	}
	return Summary{Persons: p.Persons, Units: p.Units, Memberships: p.Units + admins + p.Units,
		Grants: p.Units * len(GrantedItems)}, nil
}

type filler struct {
	db  *store.DB
	p   Plan
	now time.Time
}

// insert writes rows (each a row's values, in columns' order) into table, in
// statements of rowsPerStatement rows. The rows carry their own ids: on PostgreSQL
// the identity columns are GENERATED ALWAYS and must be told to take them.
func (f filler) insert(ctx context.Context, tx *store.Tx, table, columns string, explicitID bool, rows [][]any) error {
	override := ""
	if explicitID && f.db.Engine == store.Postgres {
		override = " OVERRIDING SYSTEM VALUE"
	}
	width := strings.Count(columns, ",") + 1
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for start := 0; start < len(rows); start += rowsPerStatement {
		batch := rows[start:min(start+rowsPerStatement, len(rows))]
		values := strings.TrimSuffix(strings.Repeat(row+", ", len(batch)), ", ")
		args := make([]any, 0, len(batch)*width)
		for _, r := range batch {
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" ("+columns+")"+override+" VALUES "+values, args...); err != nil {
			return err
		}
	}
	return nil
}

// Persons' ids are their place plus one, units' too; memberships' ids are given in
// the order legal representatives, administrators, agents.
func personID(i int) int64 { return int64(i) + 1 }
func unitID(k int) int64   { return int64(k) + 1 }

func (f filler) persons(ctx context.Context, tx *store.Tx, from, to int) error {
	keys := tx.Keys()
	if keys == nil {
		return person.ErrNoKeys
	}
	rows := make([][]any, 0, to-from)
	for i := from; i < to; i++ {
		v := person.Seal(keys, personID(i), ident.NumberedResidentID(i), Name(i), ident.NumberedMobile(i))
		rows = append(rows, []any{personID(i), "resident", v.IDNumber, v.IDNumberIndex, v.Name, v.Mobile, v.MobileIndex,
			f.p.PasswordHash, f.now, f.now, f.now})
	}
	return f.insert(ctx, tx, "persons", "id, id_type, id_number, id_number_index, name, mobile, mobile_index, password_hash, "+
		"password_changed_at, created_at, updated_at", true, rows)
}

func (f filler) units(ctx context.Context, tx *store.Tx, from, to int) error {
	rows := make([][]any, 0, to-from)
	for k := from; k < to; k++ {
		region := ident.NumberedUnitRegion(k)
		number := ident.NewUnitNumber(region, k%ident.NumberedUSCCsPerRegion+1)
		rows = append(rows, []any{unitID(k), ident.NumberedUSCC(k), number, UnitName(k), "企业", region, f.now, f.now})
	}
	return f.insert(ctx, tx, "units", "id, uscc, unit_number, name, unit_type, region, created_at, updated_at", true, rows)
}

// membership is the j-th membership: the legal representatives first, then the
// administrators, then the agents.
func (f filler) membership(j int) []any {
	units, admins := f.p.Units, (f.p.Units+1)/2
	until := f.now.AddDate(1, 0, 0)
	id := int64(j) + 1
	switch {
	case j < units:
		return []any{id, unitID(j), personID(j), "legal_rep", "active", nil, nil, nil, f.now, f.now}
	case j < units+admins:
		a := j - units
		return []any{id, unitID(2 * a), personID(units + a), "admin", "active", f.now, until, f.p.PasswordHash, f.now, f.now}
	default:
		k := j - units - admins
		return []any{id, unitID(k), personID(units + admins + k), "agent", "active", f.now, until, f.p.PasswordHash, f.now, f.now}
	}
}

func (f filler) memberships(ctx context.Context, tx *store.Tx, from, to int) error {
	rows := make([][]any, 0, to-from)
	for j := from; j < to; j++ {
		rows = append(rows, f.membership(j))
	}
	return f.insert(ctx, tx, "memberships",
		"id, unit_id, person_id, role, status, valid_from, valid_until, password_hash, created_at, confirmed_at", true, rows)
}

// grants gives the agent of each unit k in [from, to) the GrantedItems, granted by
// the unit's legal representative.
func (f filler) grants(ctx context.Context, tx *store.Tx, from, to int) error {
	units, admins := f.p.Units, (f.p.Units+1)/2
	rows := make([][]any, 0, (to-from)*len(GrantedItems))
	for k := from; k < to; k++ {
		for _, item := range GrantedItems {
			rows = append(rows, []any{int64(units+admins+k) + 1, item, personID(k), f.now})
		}
	}
	return f.insert(ctx, tx, "grants", "membership_id, item_code, granted_by, granted_at", false, rows)
}

// finish moves what issues the next ids and unit numbers past the generated ones, so
// that the hall's own registrations after the fill do not collide with them.
func (f filler) finish(ctx context.Context) error {
	return f.db.Tx(ctx, func(tx *store.Tx) error {
		if f.db.Engine == store.Postgres {
			for _, table := range []string{"persons", "units", "memberships"} {
				if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT MAX(id) FROM `+table+`))`); err != nil {
					return fmt.Errorf("scale: %s id sequence: %w", table, err)
				}
			}
			// The planner's statistics are brought up to the new rows now rather than
			// whenever autovacuum next looks, so that a benchmark right after the fill
			// measures the plans a settled database gets.
			if _, err := tx.Exec(ctx, `ANALYZE persons, units, memberships, grants`); err != nil {
				return fmt.Errorf("scale: analyze: %w", err)
			}
		}
		for k := 0; k < f.p.Units; k += ident.NumberedUSCCsPerRegion {
			inRegion := min(f.p.Units-k, ident.NumberedUSCCsPerRegion)
			if _, err := tx.Exec(ctx, `INSERT INTO unit_number_seq (region, next) VALUES (?, ?)
				ON CONFLICT (region) DO UPDATE SET next = excluded.next`, ident.NumberedUnitRegion(k), inRegion+1); err != nil {
				return fmt.Errorf("scale: unit number sequence: %w", err)
			}
		}
		return nil
	})
}

// surnames and givenNames make the generated persons' names (invented combinations).
var (
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈")
	givenNames = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国宇浩然欣怡子轩梓涵雨晨思远")
)

// Name is the i-th generated person's name.
func Name(i int) string {
	g := len(givenNames)
	return string(surnames[i%len(surnames)]) + string(givenNames[(i/len(surnames))%g]) + string(givenNames[(i/len(surnames)/g)%g])
}

// unitWords make the generated units' names.
var unitWords = []string{"恒泰", "华晟", "锦程", "博远", "嘉禾", "瑞丰", "德润", "启航", "宏达", "新源", "正通", "立信"}
var unitTrades = []string{"商贸", "科技", "物流", "建设", "餐饮", "医疗器械", "机械制造", "信息服务", "文化传媒", "环保工程"}

// UnitName is the k-th generated unit's name; the number keeps names apart.
func UnitName(k int) string {
	return fmt.Sprintf("%s%s示范%d号有限公司", unitWords[k%len(unitWords)], unitTrades[(k/len(unitWords))%len(unitTrades)], k+1)
}

// WriteAccounts writes, for `hall bench --accounts`, n unit logins (legal
// representatives of units spread over the plan, by ID number) and n personal logins
// (persons of no unit, by mobile), all with password, as CSV lines
// "account,login,password" under that header.
func WriteAccounts(w io.Writer, p Plan, n int, password string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"account", "login", "password"}) // errors are kept by the writer and returned by Error
	unitLogins := min(n, p.Units)
	for j := 0; j < unitLogins; j++ {
		k := j * (p.Units / unitLogins)
		_ = cw.Write([]string{ident.NumberedUSCC(k), ident.NumberedResidentID(k), password})
	}
	first := p.Units + (p.Units+1)/2 + p.Units
	personal := min(n, p.Persons-first)
	for j := 0; j < personal; j++ {
		_ = cw.Write([]string{"", ident.NumberedMobile(first + j*((p.Persons-first)/personal)), password})
	}
	cw.Flush()
	return cw.Error()
}
