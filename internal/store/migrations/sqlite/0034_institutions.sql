-- 机构管理 (SPEC U7; internal/institution): the institution accounts a unit opens,
-- such as a 就业见习示范基地 the talent-mobility service approved. Each has a
-- 机构编号 (ident.MakeInstitutionNumber: the unit's number and the institution's
-- sequence within it, 01–99) with which its operator — a registered person the
-- unit names — signs in through the unit login (L1) with the institution's own
-- password. The unit may open, change and close them; a closed institution stays
-- for its history and its number is never given again (the UNIQUE seq).
CREATE TABLE institutions (
    id                   INTEGER PRIMARY KEY,
    unit_id              INTEGER NOT NULL REFERENCES units (id),
    seq                  INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 99),
    number               TEXT NOT NULL UNIQUE CHECK (length(number) = 17),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    kind                 TEXT NOT NULL CHECK (kind IN ('internship_model_base', 'internship_base', 'training', 'other')),
    operator_id          INTEGER NOT NULL REFERENCES persons (id),
    password_hash        TEXT NOT NULL CHECK (password_hash <> ''),
    -- The unit sets the first password (and each reset): the operator must
    -- choose their own before anything else.
    must_change_password BOOLEAN NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by            INTEGER NOT NULL REFERENCES persons (id),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    closed_at            TIMESTAMP,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    UNIQUE (unit_id, seq)
);
CREATE INDEX institutions_operator ON institutions (operator_id);

-- An institution's own business: a case entered for it carries it, and only
-- that institution (and its unit) sees the case.
ALTER TABLE cases ADD COLUMN institution_id INTEGER REFERENCES institutions (id);
CREATE INDEX cases_institution ON cases (institution_id, created_at, id) WHERE institution_id IS NOT NULL;

-- An institution session: role 'institution' with the institution it acts for,
-- and no other session names one (the triggers, SQLite's stand-in for a CHECK
-- added to a table).
ALTER TABLE sessions ADD COLUMN institution_id INTEGER;
CREATE INDEX sessions_institution ON sessions (institution_id) WHERE institution_id IS NOT NULL;

CREATE TRIGGER sessions_institution_insert BEFORE INSERT ON sessions
WHEN (COALESCE(NEW.role, '') = 'institution') <> (NEW.institution_id IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'sessions_institution');
END;

CREATE TRIGGER sessions_institution_update BEFORE UPDATE OF role, institution_id ON sessions
WHEN (COALESCE(NEW.role, '') = 'institution') <> (NEW.institution_id IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'sessions_institution');
END;
