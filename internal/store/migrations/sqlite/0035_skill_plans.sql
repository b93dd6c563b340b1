-- 职业技能等级认定 (SPEC U8 我的工作台; internal/skills): a clerk opens an assessment
-- plan (认定计划) for a unit in the back office; the unit, as the data provider,
-- enters its candidates (考生录入, by form or CSV) and submits the list; a reviewer
-- who did not open the plan approves it or returns it with a reason, after which
-- the unit corrects the list and submits again.
--
-- state: entry 考生录入 → submitted 待审核 → approved 已审核, or → returned 退回 →
-- submitted again. Every move is an UPDATE … WHERE state = the expected one AND
-- version = the one the page showed, in the transaction of its audit record, so of
-- two reviewers deciding at once one changes no row and is told.
CREATE TABLE skill_plans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    occupation   TEXT NOT NULL CHECK (length(occupation) BETWEEN 1 AND 40),
    -- 五级/初级工 (5) … 一级/高级技师 (1).
    level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- The civil date of the assessment, YYYY-MM-DD.
    exam_date    TEXT NOT NULL CHECK (length(exam_date) = 10),
    state        TEXT NOT NULL CHECK (state IN ('entry', 'submitted', 'approved', 'returned')),
    -- The clerk who opened it; NULL for the plans the hall loaded itself (demo data).
    created_by   INTEGER REFERENCES staff(id),
    created_at   TIMESTAMP NOT NULL,
    submitted_by INTEGER REFERENCES persons(id),
    submitted_at TIMESTAMP,
    reviewed_by  INTEGER REFERENCES staff(id),
    reviewed_at  TIMESTAMP,
    -- The reviewer's reason: required to return, kept when approved.
    reason       TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    version      INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((state = 'entry') = (submitted_at IS NULL)),
    CHECK ((state IN ('approved', 'returned')) = (reviewed_at IS NOT NULL AND reviewed_by IS NOT NULL)),
    CHECK (state <> 'returned' OR length(reason) > 0),
    -- Separation of duties: nobody reviews the plan they opened.
    CHECK (reviewed_by IS NULL OR reviewed_by <> COALESCE(created_by, 0))
);
-- The unit's workbench (its plans by state) and the back office's queue.
CREATE INDEX skill_plans_unit_state ON skill_plans (unit_id, state, id);
CREATE INDEX skill_plans_state ON skill_plans (state, submitted_at, id);

-- 考生: one person once per plan, entered only while the plan is with the unit.
CREATE TABLE skill_candidates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id    INTEGER NOT NULL REFERENCES skill_plans(id),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 2 AND 30),
    -- 公民身份号码, checked (check digit, region, birth date) before it is stored.
    id_number  TEXT NOT NULL CHECK (length(id_number) = 18),
    mobile     TEXT NOT NULL DEFAULT '' CHECK (mobile = '' OR length(mobile) = 11),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (plan_id, id_number)
);

-- The list is the unit's only while the plan is 考生录入 or 退回: once submitted,
-- what the reviewer reads cannot change under them.
CREATE TRIGGER skill_candidates_insert_open BEFORE INSERT ON skill_candidates
WHEN COALESCE((SELECT state FROM skill_plans WHERE id = NEW.plan_id), '') NOT IN ('entry', 'returned')
BEGIN SELECT RAISE(ABORT, 'skill plan not open for candidates'); END;
CREATE TRIGGER skill_candidates_delete_open BEFORE DELETE ON skill_candidates
WHEN COALESCE((SELECT state FROM skill_plans WHERE id = OLD.plan_id), '') NOT IN ('entry', 'returned')
BEGIN SELECT RAISE(ABORT, 'skill plan not open for candidates'); END;
CREATE TRIGGER skill_candidates_no_update BEFORE UPDATE ON skill_candidates
BEGIN SELECT RAISE(ABORT, 'skill candidates are not updated'); END;
