package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/person"
	"log/slog"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/unit"
)

// remindBatch bounds the grants one reminder transaction claims.
const remindBatch = 100

// claimed is a grant whose reminder this process claimed.
type claimed struct {
	ID, UnitID, PersonID int64
	Role                 unit.Role
	ValidUntil           time.Time
	InvitedBy            sql.NullInt64
}

// RunReminders sends, once per grant, a text to the admin or agent and one to the
// grantor when a confirmed grant ends within Config.ReminderLead of now, and returns
// how many grants it reminded. The grantor is the person who gave the grant while it
// still holds a role in the unit, otherwise the unit's legal rep. Audit:
// "delegation.remind" (by the system).
//
// Each grant is claimed with a conditional UPDATE (reminded_at IS NULL → now) in the
// transaction that queues its texts, so of several processes running it at once
// exactly one reminds a grant; ChangeAgent clears the mark when the end moves.
// Errors: database or audit failures (texts the gateway refused are retried by
// DeliverNotices).
func (s *Service) RunReminders(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		var n int
		_, err := s.run(ctx, func(t *txn) error {
			t.now = store.Time(now)
			grants, err := t.claimReminders(s.cfg.ReminderLead)
			if err != nil {
				return err
			}
			n = len(grants)
			for _, g := range grants {
				if err := s.remind(t, g); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < remindBatch {
			return total, nil
		}
	}
}

func (t *txn) claimReminders(lead time.Duration) ([]claimed, error) {
	skip := ""
	if t.Engine() == store.Postgres {
		// Rows another process is claiming are skipped rather than waited for: that
		// process reminds them.
		skip = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := t.Query(t.ctx, `UPDATE memberships SET reminded_at = ?
		WHERE reminded_at IS NULL AND id IN (
			SELECT id FROM memberships
			WHERE status = 'active' AND role IN ('admin', 'agent') AND reminded_at IS NULL
			  AND valid_until > ? AND valid_until <= ?
			ORDER BY valid_until, id LIMIT ?`+skip+`)
		RETURNING id, unit_id, person_id, role, valid_until, invited_by`,
		t.now, t.now, store.Time(t.now.Add(lead)), remindBatch)
	if err != nil {
		return nil, fmt.Errorf("delegation: claim reminders: %w", err)
	}
	defer rows.Close()
	var out []claimed
	for rows.Next() {
		var c claimed
		var role string
		if err := rows.Scan(&c.ID, &c.UnitID, &c.PersonID, &role, &c.ValidUntil, &c.InvitedBy); err != nil {
			return nil, fmt.Errorf("delegation: claim reminders: %w", err)
		}
		c.Role, c.ValidUntil = unit.Role(role), c.ValidUntil.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// remind queues the two texts of one claimed grant and its audit record.
func (s *Service) remind(t *txn, c claimed) error {
	var unitName string
	var sealedHolder []byte
	if err := t.QueryRow(t.ctx, `SELECT u.name, p.name FROM units u, persons p WHERE u.id = ? AND p.id = ?`,
		c.UnitID, c.PersonID).Scan(&unitName, &sealedHolder); err != nil {
		return fmt.Errorf("delegation: reminder: %w", err)
	}
	holder, err := person.OpenName(t.Keys(), c.PersonID, sealedHolder)
	if err != nil {
		return fmt.Errorf("delegation: reminder: %w", err)
	}
	grantor, err := t.grantor(c)
	if err != nil {
		return err
	}
	if err := t.queueNotice(c.PersonID, purposeRemind, remindHolderText(s.cfg.Sign, unitName, c.Role, c.ValidUntil)); err != nil {
		return err
	}
	if grantor != 0 && grantor != c.PersonID {
		text := remindGrantorText(s.cfg.Sign, unitName, c.Role, ident.MaskName(holder), c.ValidUntil)
		if err := t.queueNotice(grantor, purposeRemind, text); err != nil {
			return err
		}
	}
	t.record(Actor{}, "", c.UnitID, "delegation.remind", target(c.ID), map[string]string{
		"role": string(c.Role), "person_id": fmt.Sprint(c.PersonID), "grantor_id": fmt.Sprint(grantor),
		"valid_until": fmtTime(&c.ValidUntil)})
	return nil
}

// grantor is who gave the grant if that person still holds a role in the unit, else
// the unit's legal rep; 0 when the unit has neither.
func (t *txn) grantor(c claimed) (int64, error) {
	var id int64
	err := t.QueryRow(t.ctx, `SELECT person_id FROM memberships
		WHERE unit_id = ? AND status = 'active' AND (person_id = ? OR role = 'legal_rep')
		ORDER BY CASE WHEN person_id = ? THEN 0 ELSE 1 END LIMIT 1`,
		c.UnitID, c.InvitedBy.Int64, c.InvitedBy.Int64).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("delegation: grantor: %w", err)
	}
	return id, nil
}

// Runner does the package's periodic work every Config.RunInterval: it expires
// unanswered invitations, sends reminders and retries undelivered texts. Run one in
// every `hall serve` process; they share the work safely through the database.
type Runner struct {
	s   *Service
	log *slog.Logger
}

// NewRunner returns a Runner for s; log may be nil (slog.Default()).
func NewRunner(s *Service, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	return &Runner{s: s, log: log}
}

// Run works at once and then every interval until ctx is done, and returns ctx's
// error. A failed round is logged and the next one tries again.
func (r *Runner) Run(ctx context.Context) error {
	tick := time.NewTicker(r.s.cfg.RunInterval)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Once does one round of the Runner's work.
func (r *Runner) Once(ctx context.Context) {
	// A round cut short by shutdown is not a failure: the next start does it.
	failed := func(what string, err error) {
		if ctx.Err() == nil {
			r.log.Error("delegation: "+what, "err", err)
		}
	}
	if n, err := r.s.ExpireInvitations(ctx); err != nil {
		failed("expire invitations", err)
	} else if n > 0 {
		r.log.Info("delegation: invitations expired", "count", n)
	}
	if n, err := r.s.RunReminders(ctx, r.s.now()); err != nil {
		failed("reminders", err)
	} else if n > 0 {
		r.log.Info("delegation: reminders sent", "grants", n)
	}
	if _, err := r.s.DeliverNotices(ctx); err != nil {
		failed("deliver notices", err)
	}
	// At debug level an operator sees every process working its rounds, also the
	// rounds that found nothing to do.
	r.log.Debug("delegation: round done")
}
