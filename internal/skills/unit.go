package skills

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"hall/internal/audit"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/unit"
)

// Tab is one of the workbench's tabs.
type Tab string

// Tabs of 我的工作台 (SPEC U8).
const (
	TabTodo   Tab = "todo"   // 待办: plans with the unit (考生录入, 退回)
	TabDone   Tab = "done"   // 已办: plans the unit submitted (待审核, 已审核)
	TabMerged Tab = "merged" // 合并待办: 待办 grouped by 事项, with counts
)

var tabStates = map[Tab][]State{
	TabTodo: {StateEntry, StateReturned},
	TabDone: {StateSubmitted, StateApproved},
}

// Tasks is one page of the unit's plans on tab TabTodo or TabDone, newest first,
// and how many there are. Every usable unit session reads them, as it reads the
// unit's cases. Errors: database failures.
func (s *Service) Tasks(ctx context.Context, unitID int64, tab Tab, page, perPage int) ([]Plan, int, error) {
	states, ok := tabStates[tab]
	if !ok {
		return nil, 0, fmt.Errorf("skills: tasks of tab %q", tab)
	}
	page, perPage = pageBounds(page, perPage)
	args := []any{unitID, string(states[0]), string(states[1])}
	var total int
	if err := s.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM skill_plans p WHERE p.unit_id = ? AND p.state IN (?, ?)`,
		args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	plans, err := s.plans(ctx, "SELECT "+planColumns+planFrom+` WHERE p.unit_id = ? AND p.state IN (?, ?)
		ORDER BY COALESCE(p.submitted_at, p.created_at) DESC, p.id DESC LIMIT ? OFFSET ?`,
		append(args, perPage, (page-1)*perPage)...)
	return plans, total, err
}

// MergedTask is one row of 合并待办: an item and how many of the unit's plans
// wait on it.
type MergedTask struct {
	ItemName string
	Count    int
	// States counts the waiting plans by state (考生录入, 退回修改).
	Entry, Returned int
}

// Merged is 合并待办: the unit's 待办 grouped by 事项 (one item so far). It is
// empty when nothing waits. Errors: database failures.
func (s *Service) Merged(ctx context.Context, unitID int64) ([]MergedTask, error) {
	var m MergedTask
	if err := s.d.DB.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN state = 'entry' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'returned' THEN 1 ELSE 0 END), 0) FROM skill_plans WHERE unit_id = ?`,
		unitID).Scan(&m.Entry, &m.Returned); err != nil {
		return nil, err
	}
	if m.Count = m.Entry + m.Returned; m.Count == 0 {
		return nil, nil
	}
	m.ItemName = ItemName
	return []MergedTask{m}, nil
}

// UnitPlan is plan id of the unit and one page of its candidates (in the order
// entered). Errors: ErrNotFound (also for another unit's plan); ErrNoKeys; a
// candidate's value that does not open (sealed.ErrAuthentication, …); database
// failures.
func (s *Service) UnitPlan(ctx context.Context, unitID, id int64, page int) (Plan, []Candidate, error) {
	p, err := s.plan(ctx, id)
	if err != nil {
		return Plan{}, nil, err
	}
	if p.UnitID != unitID {
		return Plan{}, nil, ErrNotFound
	}
	cs, err := s.candidates(ctx, id, page)
	return p, cs, err
}

// CandidateInput is one candidate as typed on the form or read from a CSV line.
type CandidateInput struct {
	Name     string
	IDNumber string
	Mobile   string // optional
	line     int    // the CSV line it was read from (0: typed on the form)
}

// checkCandidate is CandidateInput's rules, with the service's clock.
func (s *Service) checkCandidate(in CandidateInput) (CandidateInput, *Error) {
	name, ok := person.NormalizeName(in.Name)
	if !ok {
		return in, ErrPersonName
	}
	in.Name = name
	id, err := ident.ParseResidentID(in.IDNumber, s.d.Now())
	if err != nil {
		return in, &Error{"id_number", FieldIDNumber, err.Error()}
	}
	in.IDNumber = id.Number
	if strings.TrimSpace(in.Mobile) != "" {
		m, err := ident.NormalizeMobile(in.Mobile)
		if err != nil {
			return in, &Error{"mobile", FieldMobile, err.Error()}
		}
		in.Mobile = m
	} else {
		in.Mobile = ""
	}
	return in, nil
}

// AddCandidate enters one candidate on plan id of the actor's unit. Audit:
// "skill.candidate.add" (the ID number masked).
//
// Errors: ErrPersonName, an *Error for the ID number or mobile; ErrNotFound;
// ErrClosed (submitted or approved); ErrDuplicate; ErrTooMany; a delegation
// refusal (matching delegation.ErrNotAuthorized); ErrNoKeys; database or audit
// failures.
func (s *Service) AddCandidate(ctx context.Context, who Actor, id int64, in CandidateInput) (Candidate, error) {
	in, ferr := s.checkCandidate(in)
	if ferr != nil {
		return Candidate{}, ferr
	}
	var c Candidate
	err := s.unitTx(ctx, who, id, "skill.candidate.add", func(tx *store.Tx, p Plan) (map[string]string, error) {
		if p.Candidates >= MaxCandidates {
			return nil, ErrTooMany
		}
		var err error
		if c, err = s.insertCandidate(ctx, tx, id, in); err != nil {
			return nil, err
		}
		return map[string]string{"id_number": ident.MaskID(c.IDNumber), "candidates": itoa(p.Candidates + 1)}, nil
	})
	return c, err
}

// insertCandidate inserts in on plan planID inside tx: the row with the ID number's
// blind index first, then its values sealed for the id it got. Errors:
// ErrDuplicate; ErrNoKeys; database failures.
func (s *Service) insertCandidate(ctx context.Context, tx *store.Tx, planID int64, in CandidateInput) (Candidate, error) {
	c := Candidate{PlanID: planID, Name: in.Name, IDNumber: in.IDNumber, Mobile: in.Mobile, CreatedAt: s.dbNow()}
	switch there, err := listed(ctx, tx, planID, c.IDNumber); {
	case err != nil:
		return Candidate{}, err
	case there:
		return Candidate{}, ErrDuplicate
	}
	keys := tx.Keys()
	err := tx.QueryRow(ctx, `INSERT INTO skill_candidates (plan_id, name, id_number, id_number_index, mobile, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, planID, []byte{}, []byte{}, keys.Index(sealed.KindIDNumber, c.IDNumber),
		[]byte{}, c.CreatedAt).Scan(&c.ID)
	if store.IsUniqueViolation(err) {
		return Candidate{}, ErrDuplicate
	}
	if err != nil {
		return Candidate{}, fmt.Errorf("skills: add candidate: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE skill_candidates SET name = ?, id_number = ?, mobile = ? WHERE id = ?`,
		keys.SealString(Place(ColumnName, c.ID), c.Name), keys.SealString(Place(ColumnIDNumber, c.ID), c.IDNumber),
		keys.SealString(Place(ColumnMobile, c.ID), c.Mobile), c.ID); err != nil {
		return Candidate{}, fmt.Errorf("skills: add candidate: %w", err)
	}
	return c, nil
}

// RemoveCandidate takes candidate candidateID off plan id of the actor's unit.
// Audit: "skill.candidate.remove".
//
// Errors: ErrNotFound; ErrClosed; ErrCandidateGone; a delegation refusal; ErrNoKeys;
// an ID number that does not open (sealed.ErrAuthentication, …); database or audit
// failures.
func (s *Service) RemoveCandidate(ctx context.Context, who Actor, id, candidateID int64) error {
	return s.unitTx(ctx, who, id, "skill.candidate.remove", func(tx *store.Tx, p Plan) (map[string]string, error) {
		var sealedNumber []byte
		err := tx.QueryRow(ctx, `SELECT id_number FROM skill_candidates WHERE id = ? AND plan_id = ?`, candidateID, id).Scan(&sealedNumber)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrCandidateGone
		}
		if err != nil {
			return nil, err
		}
		if tx.Keys() == nil {
			return nil, ErrNoKeys
		}
		number, err := tx.Keys().OpenString(Place(ColumnIDNumber, candidateID), sealedNumber)
		masked := ident.MaskID(number)
		if sealed.Unreadable(err) {
			// A candidate listed as unreadable is removed all the same, so that the
			// unit can enter the person again; the audit record says so.
			masked, err = "unreadable", nil
		}
		if err != nil {
			return nil, fmt.Errorf("skills: remove candidate: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM skill_candidates WHERE id = ? AND plan_id = ?`, candidateID, id); err != nil {
			return nil, fmt.Errorf("skills: remove candidate: %w", err)
		}
		return map[string]string{"id_number": masked, "candidates": itoa(p.Candidates - 1)}, nil
	})
}

// Submit hands plan id's list to the reviewers: it moves to 待审核 and leaves the
// unit's 待办 for 已办. seen is the Version the page showed. Audit:
// "skill.plan.submit".
//
// Errors: ErrNotFound; ErrClosed (already submitted or approved); ErrStale
// (changed since seen); ErrNoCandidates; a delegation refusal; database or audit
// failures.
func (s *Service) Submit(ctx context.Context, who Actor, id, seen int64) (Plan, error) {
	err := s.unitTx(ctx, who, id, "skill.plan.submit", func(tx *store.Tx, p Plan) (map[string]string, error) {
		if p.Version != seen+1 { // unitTx moved the version on once already
			return nil, ErrStale
		}
		if p.Candidates == 0 {
			return nil, ErrNoCandidates
		}
		err := moved(tx.Exec(ctx, `UPDATE skill_plans SET state = 'submitted', submitted_by = ?, submitted_at = ?,
			reviewed_by = NULL, reviewed_at = NULL, reason = '' WHERE id = ? AND state IN ('entry', 'returned')`, who.PersonID, s.dbNow(), id))
		return map[string]string{"candidates": itoa(p.Candidates)}, err
	})
	if err != nil {
		return Plan{}, err
	}
	return s.plan(ctx, id)
}

// unitTx runs a unit's write on plan id in one transaction: the delegation check
// again inside it (holding the unit's row), then the plan's row claimed by a
// conditional update — it must be the unit's and open (考生录入 or 退回) — which
// moves its version on, so a reviewer's page shown before is stale and a
// concurrent submission waits for this one; then write, and the audit record.
// A refusal of the delegation check rolls back and is recorded as denied.
func (s *Service) unitTx(ctx context.Context, who Actor, id int64, action string,
	write func(tx *store.Tx, p Plan) (map[string]string, error)) error {
	var denied error
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if denied = s.d.Authorizer.AuthorizeTx(ctx, tx, who.UnitID, who.PersonID, who.Role, ItemCode); denied != nil {
			return denied
		}
		err := moved(tx.Exec(ctx, `UPDATE skill_plans SET version = version + 1
			WHERE id = ? AND unit_id = ? AND state IN ('entry', 'returned')`, id, who.UnitID))
		if errors.Is(err, ErrStale) {
			p, readErr := scanPlan(tx.Keys(), tx.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
			switch {
			case readErr != nil:
				return readErr
			case p.UnitID != who.UnitID:
				return ErrNotFound
			}
			return ErrClosed
		}
		if err != nil {
			return err
		}
		p, err := scanPlan(tx.Keys(), tx.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
		if err != nil {
			return err
		}
		detail, err := write(tx, p)
		if err != nil {
			return err
		}
		detail["item"], detail["plan"] = ItemCode, p.Name
		if who.Role == unit.RoleAgent {
			detail["grant"] = ItemCode
		}
		_, err = s.d.Audit.Append(ctx, tx, audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID, Role: string(who.Role),
			Action: action, Target: target(id), Result: audit.Success, ClientIP: who.ClientIP, RequestID: who.RequestID,
			Detail: detail})
		return err
	})
	// Only the delegation's refusal is a denial; a database failure during the
	// check is an error, not a decision about the person.
	var refusal *delegation.Denial
	if errors.As(denied, &refusal) {
		_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID,
			Role: string(who.Role), Action: action, Target: target(id), Result: audit.Denied, ClientIP: who.ClientIP,
			RequestID: who.RequestID, Detail: map[string]string{"item": ItemCode, "error": denied.Error()}})
	}
	return err
}

// plan reads one plan. Errors: ErrNotFound; database failures.
func (s *Service) plan(ctx context.Context, id int64) (Plan, error) {
	return scanPlan(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
}

func (s *Service) plans(ctx context.Context, query string, args ...any) ([]Plan, error) {
	rows, err := s.d.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("skills: list plans: %w", err)
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(s.d.DB.Keys(), rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// candidates is one page (PerPage) of plan id's candidates, in the order entered;
// one whose sealed values do not open is listed with Unreadable set (and logged)
// rather than failing the plan's page.
func (s *Service) candidates(ctx context.Context, id int64, page int) ([]Candidate, error) {
	page, per := pageBounds(page, PerPage)
	rows, err := s.d.DB.Query(ctx, `SELECT id, plan_id, name, id_number, mobile, created_at FROM skill_candidates
		WHERE plan_id = ? ORDER BY id LIMIT ? OFFSET ?`, id, per, (page-1)*per)
	if err != nil {
		return nil, fmt.Errorf("skills: list candidates: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var v sealedCandidate
		if err := rows.Scan(&c.ID, &c.PlanID, &v.Name, &v.IDNumber, &v.Mobile, &c.CreatedAt); err != nil {
			return nil, err
		}
		if err := v.openInto(s.d.DB.Keys(), &c); sealed.Unreadable(err) {
			slog.Default().Warn("skills: a candidate's sealed values do not open", "candidate", c.ID, "err", err)
			c.Unreadable, c.Name, c.IDNumber, c.Mobile = true, "", "", ""
		} else if err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }
