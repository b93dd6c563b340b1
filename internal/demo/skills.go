package demo

import (
	"context"
	"time"

	"hall/internal/chinatime"
	"hall/internal/store"
)

// skillsSeed names the demo plan's data set (it draws nothing).
const skillsSeed = 20270301

func init() {
	loaders = append(loaders, Loader{Name: "skills", Seed: skillsSeed, Load: loadSkillPlan})
}

// loadSkillPlan opens one 职业技能等级认定 plan in 考生录入 for the first demo unit,
// so that its 我的工作台 has a task to do: the unit enters the candidates and
// submits them; a reviewer approves them in the back office. The plan has no
// creator (loaded by the hall), so any reviewer may decide it.
func loadSkillPlan(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	c, err := newCast(g)
	if err != nil {
		return err
	}
	var unitID int64
	if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE uscc = ?`, c.unitA.USCC).Scan(&unitID); err != nil {
		return err
	}
	now := store.Time(d.Now())
	exam := now.In(chinatime.Zone).AddDate(0, 0, 45).Format(time.DateOnly)
	_, err = tx.Exec(ctx, `INSERT INTO skill_plans (unit_id, name, occupation, level, exam_date, state, created_at)
		VALUES (?, ?, '电工', 4, ?, 'entry', ?)`, unitID, now.In(chinatime.Zone).Format("2006")+"年第一期电工职业技能等级认定", exam, now)
	return err
}
