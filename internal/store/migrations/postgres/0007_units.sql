-- Units (单位) and who may act for them. SPEC §9 invariants live here, in the database:
-- one legal rep and at most one admin per unit, at most 10 agents per unit, and one
-- role per person per unit (partial unique indexes over non-revoked rows, and a
-- trigger for the agent limit that locks the unit row so concurrent inserts queue).
CREATE TABLE units (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uscc          TEXT NOT NULL UNIQUE,
    unit_number   TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    unit_type     TEXT NOT NULL,
    region        TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE unit_number_seq (
    region TEXT PRIMARY KEY,
    next   INTEGER NOT NULL
);

CREATE TABLE memberships (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    person_id     BIGINT NOT NULL REFERENCES persons(id),
    role          TEXT NOT NULL CHECK (role IN ('legal_rep', 'admin', 'agent')),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    valid_from    TIMESTAMPTZ,
    valid_until   TIMESTAMPTZ,
    password_hash TEXT,
    invited_by    BIGINT REFERENCES persons(id),
    created_at    TIMESTAMPTZ NOT NULL,
    confirmed_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE UNIQUE INDEX memberships_one_legal_rep ON memberships (unit_id) WHERE role = 'legal_rep' AND status <> 'revoked';
CREATE UNIQUE INDEX memberships_one_admin ON memberships (unit_id) WHERE role = 'admin' AND status <> 'revoked';
CREATE UNIQUE INDEX memberships_one_role ON memberships (unit_id, person_id) WHERE status <> 'revoked';
CREATE INDEX memberships_person ON memberships (person_id, status);

CREATE FUNCTION memberships_agent_limit() RETURNS trigger AS $$
BEGIN
    IF NEW.role = 'agent' AND NEW.status <> 'revoked'
       AND (TG_OP = 'INSERT' OR OLD.role <> 'agent' OR OLD.status = 'revoked') THEN
        -- Serialize agent changes per unit: the count below then sees every
        -- committed agent (READ COMMITTED takes a new snapshot per statement).
        PERFORM 1 FROM units WHERE id = NEW.unit_id FOR UPDATE;
        IF (SELECT COUNT(*) FROM memberships
            WHERE unit_id = NEW.unit_id AND role = 'agent' AND status <> 'revoked'
              AND id <> NEW.id) >= 10 THEN
            RAISE EXCEPTION 'agent_limit' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER memberships_agent_limit BEFORE INSERT OR UPDATE OF role, status ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_agent_limit();
