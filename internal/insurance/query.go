package insurance

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"hall/internal/store"
)

// Store reads the insurance read model.
type Store struct {
	db *store.DB
}

// New returns the read model on db.
func New(db *store.DB) *Store { return &Store{db: db} }

// DefaultLimit and MaxLimit bound Page.Limit.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// ErrBadCursor is returned when Page.After is not a cursor this package wrote for
// the same list (a hand-edited or stale URL).
var ErrBadCursor = errors.New("insurance: bad page cursor")

// Page selects one page of a list by keyset: After is the Next of the previous page
// ("" for the first page), Limit the rows wanted (DefaultLimit when 0, at most
// MaxLimit). Lists are ordered by their date newest first, or oldest first with
// Oldest; ties are broken by the row's key, so every row appears exactly once while
// paging even when rows are added between pages.
type Page struct {
	After  string
	Limit  int
	Oldest bool
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// Query selects rows of one unit's list. Person, when set, keeps only the rows of
// the person with that ID number or exactly that name, or, when it is masked as the
// pages show them ("1***************33", "*三": a '*' is one hidden character), the
// rows of the persons whose ID number or name fits the mask. Month and From/To apply
// where the list's documentation says so.
type Query struct {
	USCC   string
	Person string
	Month  Month // Bases: the month (required); Payments: only this month when set
	From   Month // Reaching: retirement months From..To; Payments: from this month
	To     Month
	Page
}

// Result is one page: Next is the cursor of the following page, "" on the last.
// First is the cursor of the page's first row ("" when it has none): with the order
// reversed (Page.Oldest flipped) it reads the rows before this page, nearest first,
// which is how a list pages back.
type Result[T any] struct {
	Rows  []T
	Next  string
	First string
}

// list describes one tab's query: keys are the ordering columns, the first being the
// date; kinds says which keys are integers (for the cursor). scan returns the row
// and its key values.
type list[T any] struct {
	name   string
	cols   string
	from   string
	where  string // extra condition with its own placeholders, taken from args
	person string // condition with two placeholders, ID number and name, or with three
	// (ID number, USCC, name) when it contains byPersonIn's subquery
	// personIndex, on SQLite, is the index a person-filtered query must use: its
	// planner otherwise walks the unit's rows in the primary key's order to spare a
	// sort, reading the whole unit for one person's hundred rows.
	personIndex string
	// index, on SQLite, is the index every query of the list must use (an
	// aggregate that has to read the rows in its group's order).
	index string
	// ranged says that where begins with "keys[0] BETWEEN ? AND ?", its first two
	// args the inclusive bounds (integers). A page after a cursor then narrows that
	// range to the cursor's key instead of adding a second bound on keys[0]: SQLite
	// seeks by one lower and one upper bound only, and given two it took the
	// range's, so every page of a list in date order scanned from the top of the
	// range to its cursor (the 324th page of 1,000 payments read 324,000 rows).
	ranged bool
	group  string // GROUP BY columns, for a list of aggregates
	keys   []string
	ints   []bool
	scan   func(*sql.Rows) (T, []any, error)
}

func (l *list[T]) fetch(ctx context.Context, db *store.DB, q Query, args []any) (Result[T], error) {
	var res Result[T]
	query, all, err := l.query(db.Engine, q, args)
	if err != nil {
		return res, err
	}
	limit := q.limit()
	rows, err := db.Query(ctx, query, all...)
	if err != nil {
		return res, fmt.Errorf("insurance: %s: %w", l.name, err)
	}
	defer rows.Close()
	var last []any
	for rows.Next() {
		row, key, err := l.scan(rows)
		if err != nil {
			return res, fmt.Errorf("insurance: %s: %w", l.name, err)
		}
		if len(res.Rows) == limit {
			res.Next = encodeCursor(l.name, last)
			break
		}
		if len(res.Rows) == 0 {
			res.First = encodeCursor(l.name, key)
		}
		res.Rows = append(res.Rows, row)
		last = key
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("insurance: %s: %w", l.name, err)
	}
	return res, nil
}

// query is the SQL of one page of the list and its arguments.
func (l *list[T]) query(engine store.Engine, q Query, args []any) (string, []any, error) {
	var b strings.Builder
	from := strings.Fields(l.from)
	person := strings.TrimSpace(q.Person)
	index := l.index
	if person != "" && l.personIndex != "" {
		index = l.personIndex
	}
	if index != "" && engine == store.SQLite {
		from = slices.Insert(from, 2, "INDEXED BY", index)
	}
	fmt.Fprintf(&b, "SELECT %s FROM %s WHERE %s.uscc = ?", l.cols, strings.Join(from, " "), from[1])
	all := []any{q.USCC}
	var cursor []any
	if q.After != "" {
		vals, err := decodeCursor(l.name, q.After, l.ints)
		if err != nil {
			return "", nil, err
		}
		cursor = vals
	}
	if l.where != "" {
		if l.ranged && cursor != nil {
			args = slices.Clone(args)
			if at := cursor[0].(int64); q.Oldest {
				args[0] = max(args[0].(int64), at)
			} else {
				args[1] = min(args[1].(int64), at)
			}
		}
		b.WriteString(" AND " + l.where)
		all = append(all, args...)
	}
	if p := person; p != "" && l.person != "" {
		byName, masked := maskPattern(p)
		switch {
		case masked && strings.Contains(l.person, "UNION"):
			fmt.Fprintf(&b, " AND "+byPersonLike, from[1])
			all = append(all, q.USCC, strings.ToUpper(byName), byName)
		case masked:
			b.WriteString(" AND " + strings.ReplaceAll(l.person, " = ?", " LIKE ? ESCAPE '!'"))
			all = append(all, strings.ToUpper(byName), byName)
		case strings.Count(l.person, "?") == 3:
			b.WriteString(" AND " + l.person)
			all = append(all, strings.ToUpper(p), q.USCC, p)
		default:
			b.WriteString(" AND " + l.person)
			all = append(all, strings.ToUpper(p), p)
		}
	}
	cmp, dir := "<", " DESC"
	if q.Oldest {
		cmp, dir = ">", ""
	}
	if cursor != nil {
		// The bound on the first key alone is implied by the row comparison, but
		// SQLite uses only it to seek in the index; without it every page would scan
		// from the top of the list. A ranged list has it in its range already.
		if !l.ranged || l.where == "" {
			fmt.Fprintf(&b, " AND %s %s= ?", l.keys[0], cmp)
			all = append(all, cursor[0])
		}
		fmt.Fprintf(&b, " AND (%s) %s (%s)", strings.Join(l.keys, ", "), cmp,
			strings.TrimSuffix(strings.Repeat("?, ", len(l.keys)), ", "))
		all = append(all, cursor...)
	}
	if l.group != "" {
		b.WriteString(" GROUP BY " + l.group)
	}
	b.WriteString(" ORDER BY ")
	for i, k := range l.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + dir)
	}
	fmt.Fprintf(&b, " LIMIT %d", q.limit()+1)
	return b.String(), all, nil
}

// The cursor is the list's name and the last row's key values, base64url-encoded:
// opaque to pages, and refused by another list.
func encodeCursor(name string, key []any) string {
	parts := make([]string, 0, len(key)+1)
	parts = append(parts, name)
	for _, k := range key {
		parts = append(parts, fmt.Sprint(k))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x1f")))
}

func decodeCursor(name, s string, ints []bool) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	parts := strings.Split(string(raw), "\x1f")
	if len(parts) != len(ints)+1 || parts[0] != name {
		return nil, ErrBadCursor
	}
	vals := make([]any, len(ints))
	for i, p := range parts[1:] {
		if ints[i] {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return nil, ErrBadCursor
			}
			vals[i] = n
			continue
		}
		vals[i] = p
	}
	return vals, nil
}

// Stream calls fn for every row of a list, in the list's order, reading it a page of
// MaxLimit rows at a time: an export of any size holds one page in memory. It stops
// at fn's first error and returns it. q.After is where it starts ("" for the top).
func Stream[T any](ctx context.Context, q Query, page func(context.Context, Query) (Result[T], error), fn func(T) error) error {
	q.Limit = MaxLimit
	for {
		res, err := page(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range res.Rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if res.Next == "" {
			return nil
		}
		q.After = res.Next
	}
}

const personByID = "(%[1]s.id_number = ? OR %[1]s.name = ?)"

// byPersonIn filters a list without names of its own by ID number, or by the
// name through the unit's employees. An OR across the join would keep both engines
// from using the (uscc, id_number, …) indexes; the IN list of one or a few ID
// numbers lets them.
const byPersonIn = "%[1]s.id_number IN (SELECT ? UNION SELECT n.id_number FROM insurance_employees n WHERE n.uscc = ? AND n.name = ?)"

// byPersonLike is byPersonIn for a masked Query.Person (maskPattern): the ID
// numbers of the unit's employees whose ID number or name fits the pattern.
const byPersonLike = "%[1]s.id_number IN (SELECT n.id_number FROM insurance_employees n WHERE n.uscc = ? AND (n.id_number LIKE ? ESCAPE '!' OR n.name LIKE ? ESCAPE '!'))"

// maskPattern reads a person filter typed as the pages mask it (SPEC §2:
// "1***************33", "*三"): each '*' stands for exactly one character, so the
// pattern keeps the value's length. It returns the LIKE pattern ('*' → '_', the
// LIKE wildcards and '!' escaped with '!') and whether p is such a mask: it has a
// '*' and at least one other character.
func maskPattern(p string) (string, bool) {
	if !strings.Contains(p, "*") || strings.Trim(p, "*") == "" {
		return "", false
	}
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteByte('_')
		case '!', '%', '_':
			b.WriteByte('!')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

var enrolments = &list[Enrolment]{
	name: "enrolments",
	cols: "e.insurance_type, e.status, e.start_date, e.unit_rate, e.personal_rate",
	from: "insurance_enrolments e",
	keys: []string{"e.start_date", "e.insurance_type"},
	ints: []bool{false, false},
	scan: func(r *sql.Rows) (Enrolment, []any, error) {
		var e Enrolment
		err := r.Scan(&e.Type, &e.Status, &e.StartDate, &e.UnitRate, &e.PersonalRate)
		return e, []any{e.StartDate, string(e.Type)}, err
	},
}

// Enrolments is 参保信息: the unit's enrolment per insurance type, by start date.
func (s *Store) Enrolments(ctx context.Context, q Query) (Result[Enrolment], error) {
	return enrolments.fetch(ctx, s.db, q, nil)
}

const paymentCols = "p.month, p.insurance_type, p.id_number, COALESCE(m.name, ''), p.base, p.unit_amount, p.personal_amount"
const paymentFrom = "insurance_payments p LEFT JOIN insurance_employees m ON m.uscc = p.uscc AND m.id_number = p.id_number"

func scanPayment(r *sql.Rows) (Payment, []any, error) {
	var p Payment
	err := r.Scan(&p.Month, &p.Type, &p.IDNumber, &p.Name, &p.Base, &p.UnitAmount, &p.PersonalAmount)
	return p, []any{int64(p.Month), string(p.Type), p.IDNumber}, err
}

var payments = &list[Payment]{
	name: "payments", cols: paymentCols, from: paymentFrom,
	where:       "p.month BETWEEN ? AND ?",
	ranged:      true,
	person:      fmt.Sprintf(byPersonIn, "p"),
	personIndex: "insurance_payments_person",
	keys:        []string{"p.month", "p.insurance_type", "p.id_number"},
	ints:        []bool{true, false, false},
	scan:        scanPayment,
}

// Payments is 缴费信息: monthly payments per person and type, by month. Query.Month
// keeps one month; otherwise From and To bound the months when set.
func (s *Store) Payments(ctx context.Context, q Query) (Result[Payment], error) {
	from, to := q.From, q.To
	if q.Month != 0 {
		from, to = q.Month, q.Month
	}
	if to == 0 {
		to = 999912
	}
	return payments.fetch(ctx, s.db, q, []any{int64(from), int64(to)})
}

var bases = &list[Payment]{
	name: "bases", cols: paymentCols, from: paymentFrom,
	where:  "p.month = ?",
	person: fmt.Sprintf(byPersonIn, "p"),
	keys:   []string{"p.insurance_type", "p.id_number"},
	ints:   []bool{false, false},
	scan: func(r *sql.Rows) (Payment, []any, error) {
		p, _, err := scanPayment(r)
		return p, []any{string(p.Type), p.IDNumber}, err
	},
}

// Bases is 人员缴费基数: each person's contribution base per type in Query.Month
// (required), by type and then ID number (the primary key's order, so a page is
// an index range, not a sort of the month).
func (s *Store) Bases(ctx context.Context, q Query) (Result[Payment], error) {
	if q.Month == 0 {
		return Result[Payment]{}, errors.New("insurance: Bases needs a month")
	}
	return bases.fetch(ctx, s.db, q, []any{int64(q.Month)})
}

var changes = &list[Change]{
	name:        "changes",
	cols:        "c.month, c.id_number, COALESCE(m.name, ''), c.kind, c.reason",
	from:        "insurance_changes c LEFT JOIN insurance_employees m ON m.uscc = c.uscc AND m.id_number = c.id_number",
	person:      fmt.Sprintf(byPersonIn, "c"),
	personIndex: "insurance_changes_person",
	keys:        []string{"c.month", "c.id_number", "c.kind"},
	ints:        []bool{true, false, false},
	scan: func(r *sql.Rows) (Change, []any, error) {
		var c Change
		err := r.Scan(&c.Month, &c.IDNumber, &c.Name, &c.Kind, &c.Reason)
		return c, []any{int64(c.Month), c.IDNumber, string(c.Kind)}, err
	},
}

// Changes is 人员月度变更: 增员 and 减员 by month.
func (s *Store) Changes(ctx context.Context, q Query) (Result[Change], error) {
	return changes.fetch(ctx, s.db, q, nil)
}

// enrolledNow keeps employees with an open enrolment period in any type.
const enrolledNow = "EXISTS (SELECT 1 FROM insurance_periods o WHERE o.uscc = m.uscc AND o.id_number = m.id_number AND o.end_month = 0)"

func scanEmployee(r *sql.Rows) (Employee, []any, error) {
	var e Employee
	err := r.Scan(&e.IDNumber, &e.Name, &e.Sex, &e.BirthDate, &e.Category, &e.RetireMonth)
	return e, []any{int64(e.RetireMonth), e.IDNumber}, err
}

var reaching = &list[Employee]{
	name:   "reaching",
	cols:   "m.id_number, m.name, m.sex, m.birth_date, m.category, m.retire_month",
	from:   "insurance_employees m",
	where:  "m.retire_month BETWEEN ? AND ? AND " + enrolledNow,
	ranged: true,
	person: fmt.Sprintf(personByID, "m"),
	keys:   []string{"m.retire_month", "m.id_number"},
	ints:   []bool{true, false},
	scan:   scanEmployee,
}

// Reaching is 到龄人员: enrolled employees whose statutory retirement month
// (Retirement) is From..To, by that month.
func (s *Store) Reaching(ctx context.Context, q Query) (Result[Employee], error) {
	return reaching.fetch(ctx, s.db, q, []any{int64(q.From), int64(q.To)})
}

var overAge = &list[Employee]{
	name: "overage", cols: reaching.cols, from: reaching.from,
	where:  "m.retire_month BETWEEN ? AND ? AND " + enrolledNow,
	ranged: true,
	person: reaching.person, keys: reaching.keys, ints: reaching.ints, scan: scanEmployee,
}

// OverAge is 超龄人员: employees still enrolled whose retirement month is Query.Month
// or earlier (pages pass the current month), by retirement month.
func (s *Store) OverAge(ctx context.Context, q Query) (Result[Employee], error) {
	return overAge.fetch(ctx, s.db, q, []any{int64(0), int64(q.Month)})
}

var pensioners = &list[Pensioner]{
	name:   "pensioners",
	cols:   "r.id_number, r.name, r.start_month, r.monthly_amount",
	from:   "insurance_pensioners r",
	person: fmt.Sprintf(personByID, "r"),
	keys:   []string{"r.start_month", "r.id_number"},
	ints:   []bool{true, false},
	scan: func(r *sql.Rows) (Pensioner, []any, error) {
		var p Pensioner
		err := r.Scan(&p.IDNumber, &p.Name, &p.StartMonth, &p.Amount)
		return p, []any{int64(p.StartMonth), p.IDNumber}, err
	},
}

// Pensioners is 养老待遇: the unit's pension recipients, by start month.
func (s *Store) Pensioners(ctx context.Context, q Query) (Result[Pensioner], error) {
	return pensioners.fetch(ctx, s.db, q, nil)
}

var exemptions = &list[Exemption]{
	name:   "exemptions",
	cols:   "x.id_number, x.name, x.nationality, x.start_date, x.end_date",
	from:   "insurance_exemptions x",
	person: fmt.Sprintf(personByID, "x"),
	keys:   []string{"x.start_date", "x.id_number"},
	ints:   []bool{false, false},
	scan: func(r *sql.Rows) (Exemption, []any, error) {
		var x Exemption
		err := r.Scan(&x.IDNumber, &x.Name, &x.Nationality, &x.StartDate, &x.EndDate)
		return x, []any{x.StartDate, x.IDNumber}, err
	},
}

// Exemptions is 外国人互免, by start date.
func (s *Store) Exemptions(ctx context.Context, q Query) (Result[Exemption], error) {
	return exemptions.fetch(ctx, s.db, q, nil)
}

var projects = &list[Project]{
	name:   "projects",
	cols:   "j.project_number, j.project_name, j.start_date, j.end_date, j.amount",
	from:   "insurance_projects j",
	person: "(j.project_number = ? OR j.project_name = ?)",
	keys:   []string{"j.start_date", "j.project_number"},
	ints:   []bool{false, false},
	scan: func(r *sql.Rows) (Project, []any, error) {
		var j Project
		err := r.Scan(&j.Number, &j.Name, &j.StartDate, &j.EndDate, &j.Amount)
		return j, []any{j.StartDate, j.Number}, err
	},
}

// Projects is 工程工伤, by start date; Query.Person matches the project number or
// name.
func (s *Store) Projects(ctx context.Context, q Query) (Result[Project], error) {
	return projects.fetch(ctx, s.db, q, nil)
}

var subsidiaries = &list[Subsidiary]{
	name:   "subsidiaries",
	cols:   "u.subsidiary_uscc, u.name, u.start_date",
	from:   "insurance_subsidiaries u",
	person: "(u.subsidiary_uscc = ? OR u.name = ?)",
	keys:   []string{"u.start_date", "u.subsidiary_uscc"},
	ints:   []bool{false, false},
	scan: func(r *sql.Rows) (Subsidiary, []any, error) {
		var u Subsidiary
		err := r.Scan(&u.USCC, &u.Name, &u.StartDate)
		return u, []any{u.StartDate, u.USCC}, err
	},
}

// Subsidiaries is 二级单位, by start date; Query.Person matches the USCC or name.
func (s *Store) Subsidiaries(ctx context.Context, q Query) (Result[Subsidiary], error) {
	return subsidiaries.fetch(ctx, s.db, q, nil)
}
