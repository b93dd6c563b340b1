package institution

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
)

// Actor is who manages the unit's institutions, and from where, for the audit
// record. The actor's role is read from the database in each command.
type Actor struct {
	PersonID  int64
	ClientIP  string
	RequestID string
}

// Opening is the 开通机构账户 form.
type Opening struct {
	Name     string
	Kind     Kind
	Operator Operator
}

// Opened is an institution just opened or reset, with the initial password the
// hall generated: shown once to the unit, never stored but as its hash.
type Opened struct {
	Institution
	InitialPassword string
}

// checkForm checks the name and kind; the operator is resolved in the command.
func checkForm(fe *FormError, name string, kind Kind) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		fe.Add(FieldName, "请填写机构名称")
	case utf8.RuneCountInString(name) > NameMaxRunes || !utf8.ValidString(name) || strings.ContainsAny(name, "\r\n\t"):
		fe.Add(FieldName, fmt.Sprintf("机构名称不能超过%d个字", NameMaxRunes))
	}
	if !kind.Valid() {
		fe.Add(FieldKind, "请选择机构类型")
	}
	return name
}

// checkOperator checks the operator's fields are there; whether they name a
// registered person is the resolver's answer.
func checkOperator(fe *FormError, o Operator) {
	if strings.TrimSpace(o.Name) == "" {
		fe.Add(FieldOperatorName, "请填写机构经办人姓名")
	}
	if strings.TrimSpace(o.IDNumber) == "" {
		fe.Add(FieldOperatorID, "请填写机构经办人证件号码")
	}
	if strings.TrimSpace(o.Mobile) == "" {
		fe.Add(FieldOperatorMobile, "请填写机构经办人手机号码")
	}
}

// operator resolves the form's operator. Errors: ErrOperatorMismatch (the
// resolver's answer for any mismatch); database failures.
func (s *Service) operator(ctx context.Context, o Operator) (person.Person, error) {
	return s.d.Operators(ctx, o)
}

// Open opens an institution account for the unit (开通机构账户) with the next free
// sequence, and returns it with its generated initial password. Audit:
// "institution.open".
//
// Errors: *FormError (name, kind, operator fields missing or malformed: nothing
// looked up); ErrOperatorMismatch; ErrUnitClosed; ErrNotManager; ErrLimit (the
// unit's 99 numbers are all given); person.ErrBusy; otherwise database or audit
// failures.
func (s *Service) Open(ctx context.Context, a Actor, unitID int64, in Opening) (Opened, error) {
	fe := &FormError{}
	name := checkForm(fe, in.Name, in.Kind)
	checkOperator(fe, in.Operator)
	if err := fe.OrNil(); err != nil {
		return Opened{}, err
	}
	op, err := s.operator(ctx, in.Operator)
	if err != nil {
		return Opened{}, err
	}
	password := ident.RandomPassword(s.d.Policy, op.IDNumber, op.Mobile)
	hash, err := s.d.Hasher.Hash(ctx, password)
	if err != nil {
		return Opened{}, err
	}
	now := s.dbNow()
	var id int64
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		u, role, err := s.manager(ctx, tx, a, unitID)
		if err != nil {
			return err
		}
		var last sql.NullInt64
		if err := tx.QueryRow(ctx, "SELECT MAX(seq) FROM institutions WHERE unit_id = ?", unitID).Scan(&last); err != nil {
			return fmt.Errorf("institution: last sequence: %w", err)
		}
		seq := int(last.Int64) + 1
		if seq > MaxPerUnit {
			return ErrLimit
		}
		number, err := ident.MakeInstitutionNumber(u.number, seq)
		if err != nil {
			return fmt.Errorf("institution: number: %w", err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO institutions (unit_id, seq, number, name, kind, operator_id, password_hash,
			must_change_password, status, opened_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)
			RETURNING id`, unitID, seq, number, name, string(in.Kind), op.ID, hash, true, a.PersonID, now, now).Scan(&id); err != nil {
			return fmt.Errorf("institution: open: %w", err)
		}
		return s.record(ctx, tx, a, unitID, role, "institution.open", id, map[string]string{"number": number,
			"kind": string(in.Kind), "operator": strconv.FormatInt(op.ID, 10)})
	})
	if err != nil {
		return Opened{}, err
	}
	i, err := s.Get(ctx, id)
	return Opened{Institution: i, InitialPassword: password}, err
}

// Change is the 修改 form of an institution: its name, kind and, to name another
// operator, the operator's fields (all three left empty keep the operator).
type Change struct {
	Name     string
	Kind     Kind
	Operator Operator
}

// keepsOperator reports whether the form leaves the operator as it is.
func (c Change) keepsOperator() bool {
	o := c.Operator
	return strings.TrimSpace(o.Name) == "" && strings.TrimSpace(o.IDNumber) == "" && strings.TrimSpace(o.Mobile) == ""
}

// Changed is an institution after Change. When another operator was named,
// InitialPassword is the new generated password (shown once): the former
// operator's password does not pass to the new one.
type Changed struct {
	Institution
	InitialPassword string
}

// Change renames the institution, changes its kind or names another operator. A
// new operator gets a new generated password to be changed at the first sign-in,
// as a new account does, and the institution's sessions end: the password the
// former operator chose is a secret of theirs, and with the new operator's
// mobile it would still sign in. Audit: "institution.change" with the names
// before and after.
//
// Errors: *FormError; ErrOperatorMismatch; ErrNotFound (also another unit's);
// ErrClosed; ErrUnitClosed; ErrNotManager; person.ErrBusy; otherwise database or
// audit failures.
func (s *Service) Change(ctx context.Context, a Actor, unitID, id int64, in Change) (Changed, error) {
	fe := &FormError{}
	name := checkForm(fe, in.Name, in.Kind)
	keep := in.keepsOperator()
	if !keep {
		checkOperator(fe, in.Operator)
	}
	if err := fe.OrNil(); err != nil {
		return Changed{}, err
	}
	var op person.Person
	if !keep {
		var err error
		if op, err = s.operator(ctx, in.Operator); err != nil {
			return Changed{}, err
		}
	}
	// A new password for the operator named, hashed before the transaction and
	// used only if it is another person than the current operator.
	var password, hash string
	if !keep {
		password = ident.RandomPassword(s.d.Policy, op.IDNumber, op.Mobile)
		var err error
		if hash, err = s.d.Hasher.Hash(ctx, password); err != nil {
			return Changed{}, err
		}
	}
	now := s.dbNow()
	var newOperator bool
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		_, role, err := s.manager(ctx, tx, a, unitID)
		if err != nil {
			return err
		}
		old, err := s.lockOpen(ctx, tx, unitID, id)
		if err != nil {
			return err
		}
		if keep {
			op.ID = old.operatorID
		}
		newOperator = old.operatorID != op.ID
		detail := map[string]string{"kind": string(in.Kind), "name_before": old.name, "name": name}
		if !newOperator {
			if _, err := tx.Exec(ctx, `UPDATE institutions SET name = ?, kind = ?, updated_at = ? WHERE id = ?`,
				name, string(in.Kind), now, id); err != nil {
				return fmt.Errorf("institution: change: %w", err)
			}
			return s.record(ctx, tx, a, unitID, role, "institution.change", id, detail)
		}
		if _, err := tx.Exec(ctx, `UPDATE institutions SET name = ?, kind = ?, operator_id = ?, password_hash = ?,
			must_change_password = ?, updated_at = ? WHERE id = ?`, name, string(in.Kind), op.ID, hash, true, now, id); err != nil {
			return fmt.Errorf("institution: change: %w", err)
		}
		n, err := s.d.Sessions.EndInstitutionTx(ctx, tx, id)
		if err != nil {
			return err
		}
		detail["operator"], detail["sessions_ended"], detail["credential"] = strconv.FormatInt(op.ID, 10), strconv.Itoa(n), "reset"
		return s.record(ctx, tx, a, unitID, role, "institution.change", id, detail)
	})
	if err != nil {
		return Changed{}, err
	}
	i, err := s.Get(ctx, id)
	c := Changed{Institution: i}
	if newOperator {
		c.InitialPassword = password
	}
	return c, err
}

// ResetPassword gives the institution a new generated password (重置密码), which
// the operator must change at the next sign-in, and ends its sessions. Audit:
// "institution.password.reset".
//
// Errors: ErrNotFound; ErrClosed; ErrUnitClosed; ErrNotManager; person.ErrBusy;
// otherwise database or audit failures.
func (s *Service) ResetPassword(ctx context.Context, a Actor, unitID, id int64) (Opened, error) {
	password := ident.RandomPassword(s.d.Policy)
	hash, err := s.d.Hasher.Hash(ctx, password)
	if err != nil {
		return Opened{}, err
	}
	now := s.dbNow()
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		_, role, err := s.manager(ctx, tx, a, unitID)
		if err != nil {
			return err
		}
		if _, err := s.lockOpen(ctx, tx, unitID, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE institutions SET password_hash = ?, must_change_password = ?, updated_at = ?
			WHERE id = ?`, hash, true, now, id); err != nil {
			return fmt.Errorf("institution: reset password: %w", err)
		}
		n, err := s.d.Sessions.EndInstitutionTx(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, unitID, role, "institution.password.reset", id, map[string]string{"sessions_ended": strconv.Itoa(n)})
	})
	if err != nil {
		return Opened{}, err
	}
	i, err := s.Get(ctx, id)
	return Opened{Institution: i, InitialPassword: password}, err
}

// Close closes the institution account (关闭): it can no longer sign in, its
// sessions end at once, and it keeps its number and its cases. Audit:
// "institution.close".
//
// Errors: ErrNotFound; ErrClosed (closed already); ErrUnitClosed; ErrNotManager;
// otherwise database or audit failures.
func (s *Service) Close(ctx context.Context, a Actor, unitID, id int64) error {
	now := s.dbNow()
	return s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		_, role, err := s.manager(ctx, tx, a, unitID)
		if err != nil {
			return err
		}
		if _, err := s.lockOpen(ctx, tx, unitID, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE institutions SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?`,
			now, now, id); err != nil {
			return fmt.Errorf("institution: close: %w", err)
		}
		n, err := s.d.Sessions.EndInstitutionTx(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, unitID, role, "institution.close", id, map[string]string{"sessions_ended": strconv.Itoa(n)})
	})
}

// unitRow is what a command needs of the unit it locked.
type unitRow struct{ number string }

// manager locks the unit's row (so that commands on one unit's institutions run
// one after the other and MAX(seq)+1 is not raced) and returns it with the
// actor's role when the actor may manage it now: its legal rep, or an
// administrator confirmed and inside the validity. Errors: ErrUnitClosed (also
// for a unit that does not exist); ErrNotManager; database failures.
func (s *Service) manager(ctx context.Context, tx *store.Tx, a Actor, unitID int64) (unitRow, string, error) {
	var u unitRow
	var status string
	err := tx.QueryRow(ctx, "SELECT unit_number, status FROM units WHERE id = ?"+tx.ForUpdate(), unitID).Scan(&u.number, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return unitRow{}, "", ErrUnitClosed
	case err != nil:
		return unitRow{}, "", fmt.Errorf("institution: lock unit: %w", err)
	case status != "active":
		return unitRow{}, "", ErrUnitClosed
	}
	now := s.dbNow()
	var role string
	err = tx.QueryRow(ctx, `SELECT role FROM memberships WHERE unit_id = ? AND person_id = ? AND status = 'active'
		AND role IN ('legal_rep', 'admin') AND (valid_from IS NULL OR valid_from <= ?) AND (valid_until IS NULL OR valid_until > ?)`,
		unitID, a.PersonID, now, now).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return unitRow{}, "", ErrNotManager
	}
	if err != nil {
		return unitRow{}, "", fmt.Errorf("institution: actor: %w", err)
	}
	return u, role, nil
}

// lockedRow is what a command needs of the institution it changes.
type lockedRow struct {
	operatorID int64
	name       string
}

// lockOpen locks institution id of the unit when it is open. Errors: ErrNotFound;
// ErrClosed; database failures.
func (s *Service) lockOpen(ctx context.Context, tx *store.Tx, unitID, id int64) (lockedRow, error) {
	var r lockedRow
	var status string
	err := tx.QueryRow(ctx, "SELECT operator_id, name, status FROM institutions WHERE id = ? AND unit_id = ?"+tx.ForUpdate(), id, unitID).
		Scan(&r.operatorID, &r.name, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return r, ErrNotFound
	case err != nil:
		return r, fmt.Errorf("institution: lock: %w", err)
	case status != string(StatusOpen):
		return r, ErrClosed
	}
	return r, nil
}

func (s *Service) record(ctx context.Context, tx *store.Tx, a Actor, unitID int64, role, action string, id int64, detail map[string]string) error {
	_, err := s.d.Audit.Append(ctx, tx, audit.Entry{PersonID: a.PersonID, UnitID: unitID, Role: role, Action: action,
		Target: target(id), Result: audit.Success, ClientIP: a.ClientIP, RequestID: a.RequestID, Detail: detail})
	return err
}
