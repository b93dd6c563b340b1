package insurance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Span is what one person paid to one insurance type within a period: the first
// and the last month paid, and the number of months paid (fewer than the months
// from First to Last when there are gaps).
type Span struct {
	First, Last Month
	Months      int
}

// PaidPerson is one person who paid in a period, with a Span per insurance type
// paid (types without payments are absent): a row of the rights record's employee
// list.
type PaidPerson struct {
	IDNumber string
	Name     string // "" when the person is not in the unit's employee list
	Spans    map[Type]Span
}

// paidCols aggregates a person's payments per type in one row: MIN, MAX and COUNT
// of the months of each type, in the order of Types.
var paidCols = func() string {
	cols := []string{"p.id_number", "COALESCE(MAX(m.name), '')"}
	for _, t := range Types {
		when := fmt.Sprintf("CASE WHEN p.insurance_type = '%s' THEN p.month END", t)
		cols = append(cols, "MIN("+when+")", "MAX("+when+")", "COUNT("+when+")")
	}
	return strings.Join(cols, ", ")
}()

var paid = &list[PaidPerson]{
	name: "paid", cols: paidCols, from: paymentFrom,
	// The person index reads each person's payments together, in ID order, so the
	// groups come out in the order of the page without sorting the unit's rows.
	index: "insurance_payments_person",
	group: "p.id_number",
	keys:  []string{"p.id_number"},
	ints:  []bool{false},
	scan: func(r *sql.Rows) (PaidPerson, []any, error) {
		p := PaidPerson{Spans: map[Type]Span{}}
		dest := []any{&p.IDNumber, &p.Name}
		spans := make([][3]sql.NullInt64, len(Types))
		for i := range spans {
			dest = append(dest, &spans[i][0], &spans[i][1], &spans[i][2])
		}
		if err := r.Scan(dest...); err != nil {
			return p, nil, err
		}
		for i, t := range Types {
			if n := spans[i][2].Int64; n > 0 {
				p.Spans[t] = Span{First: Month(spans[i][0].Int64), Last: Month(spans[i][1].Int64), Months: int(n)}
			}
		}
		return p, []any{p.IDNumber}, nil
	},
}

// ErrPeriod is returned by PaidPersons for a query without a period (From and To)
// or with From after To.
var ErrPeriod = errors.New("insurance: PaidPersons needs From <= To")

// PaidPersons lists, by ID number, the persons with at least one payment in the
// months Query.From..Query.To to one of types (all types when empty), each with
// what they paid per type. Query.Oldest is ignored: the list is always in ascending
// ID order. Person filters as for the other lists. Errors: ErrPeriod,
// ErrBadCursor, database failures.
func (s *Store) PaidPersons(ctx context.Context, q Query, types []Type) (Result[PaidPerson], error) {
	if q.From == 0 || q.To == 0 || q.From > q.To {
		return Result[PaidPerson]{}, ErrPeriod
	}
	q.Oldest = true
	l := *paid
	l.where = "p.month BETWEEN ? AND ?"
	args := []any{int64(q.From), int64(q.To)}
	if len(types) > 0 {
		l.where += " AND p.insurance_type IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(types)), ", ") + ")"
		for _, t := range types {
			args = append(args, string(t))
		}
	}
	l.person = fmt.Sprintf(byPersonIn, "p")
	return l.fetch(ctx, s.db, q, args)
}
