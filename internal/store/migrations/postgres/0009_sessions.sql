-- Signed-in sessions (internal/auth). Only the SHA-256 of the token is stored, so a
-- copy of the database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash          TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    person_id           BIGINT NOT NULL REFERENCES persons (id),
    -- No foreign key yet: the units table belongs to a later migration.
    unit_id             BIGINT,
    -- Role in the unit ('legal_rep', 'admin', 'agent'), checked by internal/auth so
    -- that both engines' schemas stay alike (SQLite cannot alter a CHECK).
    role                TEXT,
    kind                TEXT NOT NULL CHECK (kind IN ('person', 'unit')),
    created_at          TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    absolute_expires_at TIMESTAMPTZ NOT NULL,
    ended_at            TIMESTAMPTZ,
    client_addr         TEXT NOT NULL DEFAULT '',
    user_agent          TEXT NOT NULL DEFAULT '',
    CHECK ((kind = 'person' AND unit_id IS NULL AND role IS NULL)
        OR (kind = 'unit' AND unit_id IS NOT NULL AND role IS NOT NULL AND role <> ''))
);

-- EndAll: every session of a person, or of a person in one unit.
CREATE INDEX sessions_person ON sessions (person_id);
CREATE INDEX sessions_unit_person ON sessions (unit_id, person_id);
-- Sweep deletes sessions long past their absolute expiry.
CREATE INDEX sessions_absolute ON sessions (absolute_expires_at);
