-- Personal real-name accounts (个人用户, SPEC R1/L6) and user appeals (用户申诉, SPEC B6).
-- See internal/person. ID numbers and mobiles are stored normalised (internal/ident).
CREATE TABLE persons (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id_type              TEXT NOT NULL CHECK (id_type IN ('resident', 'hk_macao_pass', 'taiwan_pass',
                             'residence_permit', 'foreign_permanent', 'foreign_passport')),
    id_number            TEXT NOT NULL CHECK (length(id_number) BETWEEN 5 AND 20),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    mobile               TEXT NOT NULL CHECK (length(mobile) = 11),
    -- argon2id PHC string; '' means no password set (password login impossible).
    password_hash        TEXT NOT NULL DEFAULT '',
    -- 认证等级: 'real_name' (实名用户) at registration; stronger levels come later.
    level                TEXT NOT NULL DEFAULT 'real_name',
    password_changed_at  TIMESTAMPTZ,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    -- SPEC §9: one person account per (ID type, ID number); a mobile belongs to one
    -- person. id_number leads so that a login by ID number of unknown type uses it.
    CONSTRAINT persons_identity_key UNIQUE (id_number, id_type),
    CONSTRAINT persons_mobile_key UNIQUE (mobile)
);

CREATE TABLE appeals (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('id_taken', 'mobile_taken', 'other')),
    id_type        TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- The mobile the appeal is about ('' when none) and where staff reach the person.
    mobile         TEXT NOT NULL DEFAULT '',
    contact_mobile TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at     TIMESTAMPTZ NOT NULL,
    client_addr    TEXT NOT NULL DEFAULT ''
);
-- The back office lists open appeals oldest first.
CREATE INDEX appeals_status ON appeals (status, created_at);
