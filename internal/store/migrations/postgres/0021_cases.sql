-- 单位办件 (SPEC U4, B4): a unit's applications for catalog items and their
-- progress; see internal/cases.
--
-- A case moves only along the transitions of internal/cases (case_states.go):
--   submitted 已申请 → accepted 已受理 | refused 不予受理 | withdrawn 已撤销
--   accepted 已受理  → approved 已办结 | returned 退回补正
--   returned 退回补正 → submitted (the unit corrects and resubmits)
-- The CHECK keeps the states; every transition is an UPDATE … WHERE state = the
-- expected one in the transaction of its event row and its audit record, so of
-- two staff acting on one case at once one changes no row and is told.
CREATE TABLE cases (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- 申办流水号: the day it was applied for and the day's sequence, "20260413000001"
    -- (six digits: a province's units may file far more than 9,999 a day).
    number         TEXT NOT NULL UNIQUE CHECK (length(number) = 14),
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    item_code      TEXT NOT NULL CHECK (item_code <> ''),
    applicant_id   BIGINT NOT NULL REFERENCES persons(id),
    applicant_role TEXT NOT NULL CHECK (applicant_role IN ('legal_rep', 'admin', 'agent')),
    state          TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'refused', 'returned', 'approved', 'withdrawn')),
    -- The application form as JSON (cases.EnrolmentForm for SB-002).
    form           TEXT NOT NULL,
    -- Whom the case is about within the unit (the employee's ID number for an
    -- enrolment), '' when nobody in particular: one open case per unit, item and
    -- subject (the partial unique index below).
    subject        TEXT NOT NULL DEFAULT '',
    -- The last refusal's or return's reason, shown to the unit; '' otherwise.
    reason         TEXT NOT NULL DEFAULT '',
    -- The clerk who accepted it: the reviewer who decides must be another.
    accepted_by    BIGINT REFERENCES staff(id),
    -- 承诺办结日 (YYYY-MM-DD) from the item's 承诺期限; '' for 即办件.
    promised_date  TEXT NOT NULL DEFAULT '',
    -- 办结日: when it was approved, refused or withdrawn.
    finished_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CHECK ((state IN ('approved', 'refused', 'withdrawn')) = (finished_at IS NOT NULL)),
    CHECK (state NOT IN ('accepted', 'approved') OR accepted_by IS NOT NULL)
);
CREATE INDEX cases_unit ON cases (unit_id, created_at, id);
CREATE INDEX cases_state ON cases (state, updated_at, id);
CREATE UNIQUE INDEX cases_open_subject ON cases (unit_id, item_code, subject)
    WHERE subject <> '' AND state IN ('submitted', 'accepted', 'returned');

-- The day's last sequence number of 申办流水号.
CREATE TABLE case_numbers (
    day  TEXT PRIMARY KEY CHECK (length(day) = 8),
    last INTEGER NOT NULL CHECK (last BETWEEN 1 AND 999999)
);

-- The progress timeline: one row per step, with who took it.
CREATE TABLE case_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    step       TEXT NOT NULL CHECK (step IN ('apply', 'accept', 'refuse', 'return', 'approve', 'resubmit', 'withdraw')),
    state      TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'refused', 'returned', 'approved', 'withdrawn')),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('person', 'staff')),
    actor_id   BIGINT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
