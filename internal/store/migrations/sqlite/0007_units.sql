-- Units (单位) and who may act for them. SPEC §9 invariants live here, in the database:
-- one legal rep and at most one admin per unit, at most 10 agents per unit, and one
-- role per person per unit (partial unique indexes over non-revoked rows, and a
-- trigger for the agent limit).
CREATE TABLE units (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc          TEXT NOT NULL UNIQUE,
    unit_number   TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    unit_type     TEXT NOT NULL,
    region        TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Next unit-number sequence per region, so numbers are issued without gaps or races.
CREATE TABLE unit_number_seq (
    region TEXT PRIMARY KEY,
    next   INTEGER NOT NULL
);

CREATE TABLE memberships (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    role          TEXT NOT NULL CHECK (role IN ('legal_rep', 'admin', 'agent')),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    valid_from    TIMESTAMP,
    valid_until   TIMESTAMP,
    -- The unit password an admin or agent sets when confirming; the legal rep logs in
    -- with the personal account password, so this stays NULL for the legal rep.
    password_hash TEXT,
    invited_by    INTEGER REFERENCES persons(id),
    created_at    TIMESTAMP NOT NULL,
    confirmed_at  TIMESTAMP,
    revoked_at    TIMESTAMP,
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE UNIQUE INDEX memberships_one_legal_rep ON memberships (unit_id) WHERE role = 'legal_rep' AND status <> 'revoked';
CREATE UNIQUE INDEX memberships_one_admin ON memberships (unit_id) WHERE role = 'admin' AND status <> 'revoked';
CREATE UNIQUE INDEX memberships_one_role ON memberships (unit_id, person_id) WHERE status <> 'revoked';
CREATE INDEX memberships_person ON memberships (person_id, status);

CREATE TRIGGER memberships_agent_limit_insert BEFORE INSERT ON memberships
WHEN NEW.role = 'agent' AND NEW.status <> 'revoked'
BEGIN
    SELECT RAISE(ABORT, 'agent_limit')
    WHERE (SELECT COUNT(*) FROM memberships
           WHERE unit_id = NEW.unit_id AND role = 'agent' AND status <> 'revoked') >= 10;
END;

CREATE TRIGGER memberships_agent_limit_update BEFORE UPDATE OF role, status ON memberships
WHEN NEW.role = 'agent' AND NEW.status <> 'revoked' AND (OLD.role <> 'agent' OR OLD.status = 'revoked')
BEGIN
    SELECT RAISE(ABORT, 'agent_limit')
    WHERE (SELECT COUNT(*) FROM memberships
           WHERE unit_id = NEW.unit_id AND role = 'agent' AND status <> 'revoked' AND id <> NEW.id) >= 10;
END;
