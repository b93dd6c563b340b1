package insurance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hall/internal/store"
)

// ErrAlreadyEnrolled is EnrolTx's refusal: the person has an open enrolment period
// with the unit in one of the types asked for.
var ErrAlreadyEnrolled = errors.New("insurance: already enrolled")

// NewEnrolment is one employee enrolled by the unit through the hall (用人单位用工参保
// 登记, approved in the back office): the core system would hold it from then on,
// and the unit's insurance tab shows it at once.
type NewEnrolment struct {
	USCC       string
	IDNumber   string // a valid resident ID (ident.ParseResidentID's Number)
	Name       string
	StartMonth Month
	Types      []Type
}

// EnrolTx writes e inside tx: the employee (kept when the core system knows them
// already), an open period per type from StartMonth and the month's 增员 change.
// Errors: ErrAlreadyEnrolled; database failures.
func EnrolTx(ctx context.Context, tx *store.Tx, e NewEnrolment) error {
	if len(e.IDNumber) != 18 || len(e.Types) == 0 {
		return fmt.Errorf("insurance: enrol: incomplete enrolment")
	}
	for _, t := range e.Types {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_periods WHERE uscc = ? AND id_number = ?
			AND insurance_type = ? AND end_month = 0`, e.USCC, e.IDNumber, string(t)).Scan(&n); err != nil {
			return fmt.Errorf("insurance: enrol: %w", err)
		}
		if n > 0 {
			return ErrAlreadyEnrolled
		}
	}
	sex := Female
	if (e.IDNumber[16]-'0')%2 == 1 {
		sex = Male
	}
	birth, err := time.Parse("20060102", e.IDNumber[6:14])
	if err != nil {
		return fmt.Errorf("insurance: enrol: birth date: %w", err)
	}
	_, retire := Retirement(MonthOf(birth), sex, Worker)
	if _, err := tx.Exec(ctx, `INSERT INTO insurance_employees (uscc, id_number, name, sex, birth_date, category, retire_month)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uscc, id_number) DO NOTHING`,
		e.USCC, e.IDNumber, e.Name, string(sex), birth.Format("2006-01-02"), string(Worker), int64(retire)); err != nil {
		return fmt.Errorf("insurance: enrol: employee: %w", err)
	}
	for _, t := range e.Types {
		if _, err := tx.Exec(ctx, `INSERT INTO insurance_periods (uscc, id_number, insurance_type, start_month, end_month)
			VALUES (?, ?, ?, ?, 0) ON CONFLICT (uscc, id_number, insurance_type, start_month) DO UPDATE SET end_month = 0`,
			e.USCC, e.IDNumber, string(t), int64(e.StartMonth)); err != nil {
			return fmt.Errorf("insurance: enrol: period: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO insurance_changes (uscc, month, id_number, kind, reason)
		VALUES (?, ?, ?, 'join', '网上参保登记') ON CONFLICT (uscc, month, id_number, kind) DO NOTHING`,
		e.USCC, int64(e.StartMonth), e.IDNumber); err != nil {
		return fmt.Errorf("insurance: enrol: change: %w", err)
	}
	return nil
}
