-- Personal real-name accounts (个人用户, SPEC R1/L6) and user appeals (用户申诉, SPEC B6).
-- See internal/person. ID numbers and mobiles are stored normalised (internal/ident).
CREATE TABLE persons (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    id_type              TEXT NOT NULL CHECK (id_type IN ('resident', 'hk_macao_pass', 'taiwan_pass',
                             'residence_permit', 'foreign_permanent', 'foreign_passport')),
    id_number            TEXT NOT NULL CHECK (length(id_number) BETWEEN 5 AND 20),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    mobile               TEXT NOT NULL CHECK (length(mobile) = 11),
    -- argon2id PHC string; '' means no password set (password login impossible).
    password_hash        TEXT NOT NULL DEFAULT '',
    -- 认证等级: 'real_name' (实名用户) at registration; stronger levels come later.
    level                TEXT NOT NULL DEFAULT 'real_name',
    password_changed_at  TIMESTAMP,
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

-- SPEC §9: one person account per (ID type, ID number); a mobile belongs to one
-- person. id_number leads so that a login by ID number of unknown type uses it.
CREATE UNIQUE INDEX persons_identity_key ON persons (id_number, id_type);
CREATE UNIQUE INDEX persons_mobile_key ON persons (mobile);

CREATE TABLE appeals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ('id_taken', 'mobile_taken', 'other')),
    id_type        TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- The mobile the appeal is about ('' when none) and where staff reach the person.
    mobile         TEXT NOT NULL DEFAULT '',
    contact_mobile TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at     TIMESTAMP NOT NULL,
    client_addr    TEXT NOT NULL DEFAULT ''
);
-- The back office lists open appeals oldest first.
CREATE INDEX appeals_status ON appeals (status, created_at);
