-- The back office (SPEC B1–B6; internal/staff, internal/counter, internal/registrysync).
--
-- Staff accounts are not persons: bureau employees sign in to their own listener with
-- a password and a TOTP code, and hold roles with separation of duties (三员分立,
-- MLPS level 3). A CHECK keeps the separation in the database: the security
-- administrator (安全管理员) and the auditor (审计员) hold no other role, and nobody is
-- both of them; the counter clerk (窗口经办) and the reviewer (审核) may be one
-- account, since "nobody approves their own work" is a rule on each request
-- (counter_requests below), not on the account.
CREATE TABLE staff (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Stored lower-case; what the staff member types at login.
    login                TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 3 AND 32),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    -- argon2id PHC string (internal/person's Hasher).
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1 CHECK (must_change_password IN (0, 1)),
    password_changed_at  TIMESTAMP,
    is_clerk INTEGER NOT NULL DEFAULT 0 CHECK (is_clerk IN (0, 1)),
    is_reviewer INTEGER NOT NULL DEFAULT 0 CHECK (is_reviewer IN (0, 1)),
    is_security INTEGER NOT NULL DEFAULT 0 CHECK (is_security IN (0, 1)),
    is_auditor INTEGER NOT NULL DEFAULT 0 CHECK (is_auditor IN (0, 1)),
    -- The TOTP secret, sealed (internal/staff Sealer). totp_confirmed_at is set by the
    -- first code accepted for it; totp_last_step is the time step of the last code
    -- accepted, so that a code is never accepted twice (nor an older one).
    totp_secret          TEXT NOT NULL,
    totp_confirmed_at    TIMESTAMP,
    totp_last_step       INTEGER NOT NULL DEFAULT 0 CHECK (totp_last_step >= 0),
    disabled_at          TIMESTAMP,
    created_by           INTEGER REFERENCES staff (id),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    CHECK (is_security + is_auditor + (is_clerk OR is_reviewer) <= 1)
);
CREATE INDEX staff_security ON staff (id) WHERE is_security = 1 AND disabled_at IS NULL;

-- Back-office sessions: their own table (a staff member is not a person, and the
-- sessions table's person_id references persons), their own cookie and a shorter idle
-- timeout. Only the SHA-256 of the token is stored.
CREATE TABLE staff_sessions (
    token_hash          TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    staff_id            INTEGER NOT NULL REFERENCES staff (id),
    created_at          TIMESTAMP NOT NULL,
    last_seen_at        TIMESTAMP NOT NULL,
    absolute_expires_at TIMESTAMP NOT NULL,
    ended_at            TIMESTAMP,
    client_addr         TEXT NOT NULL DEFAULT '',
    user_agent          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);
CREATE INDEX staff_sessions_absolute ON staff_sessions (absolute_expires_at);

-- Counter requests (internal/counter): what a clerk records at the window — a unit
-- registration (B1/R3), an administrator change (B2), a password reset (B3/P3), the
-- release of a taken ID number or mobile (B6 appeals) — carried out only when a
-- reviewer who is not the clerk approves it. The CHECK is the rule "nobody approves
-- their own work", kept by the database whatever the code does.
CREATE TABLE counter_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('unit_register', 'admin_change', 'password_reset', 'appeal_release')),
    status          TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
    -- What the request is about, for lists and the audit log (NULL when not yet known:
    -- a unit to be registered has no id).
    unit_id         INTEGER REFERENCES units (id),
    person_id       INTEGER REFERENCES persons (id),
    appeal_id       INTEGER REFERENCES appeals (id),
    uscc            TEXT NOT NULL DEFAULT '',
    -- The form as recorded (JSON, personal data included: the back office only).
    data            TEXT NOT NULL DEFAULT '{}',
    submitted_by    INTEGER NOT NULL REFERENCES staff (id),
    submitted_at    TIMESTAMP NOT NULL,
    submit_reason   TEXT NOT NULL CHECK (length(submit_reason) > 0),
    decided_by      INTEGER REFERENCES staff (id),
    decided_at      TIMESTAMP,
    decision_reason TEXT NOT NULL DEFAULT '',
    -- What approval produced (JSON: the unit number, the invitation …).
    outcome         TEXT NOT NULL DEFAULT '{}',
    CHECK (decided_by IS NULL OR decided_by <> submitted_by),
    CHECK ((status = 'submitted') = (decided_by IS NULL)),
    CHECK ((decided_by IS NULL) = (decided_at IS NULL)),
    CHECK (status <> 'rejected' OR length(decision_reason) > 0)
);
CREATE INDEX counter_requests_status ON counter_requests (status, submitted_at, id);
CREATE INDEX counter_requests_unit ON counter_requests (unit_id, submitted_at) WHERE unit_id IS NOT NULL;
-- One open request per subject and kind, so that two clerks cannot queue the same
-- change twice (the second is refused while the first waits for review).
CREATE UNIQUE INDEX counter_requests_open_person ON counter_requests (kind, person_id)
    WHERE status = 'submitted' AND person_id IS NOT NULL;
CREATE UNIQUE INDEX counter_requests_open_uscc ON counter_requests (kind, uscc)
    WHERE status = 'submitted' AND uscc <> '';
CREATE UNIQUE INDEX counter_requests_open_appeal ON counter_requests (appeal_id)
    WHERE status = 'submitted' AND appeal_id IS NOT NULL;

-- Scans of documents handed in at the counter (营业执照, 身份证件, 授权委托书 …): the file
-- lives under the data directory (internal/scans), named by the opaque id, never in
-- a web root; the row says what it is. sha256 detects a file changed on disk.
CREATE TABLE counter_scans (
    id           TEXT PRIMARY KEY CHECK (length(id) = 43),
    request_id   INTEGER NOT NULL REFERENCES counter_requests (id),
    kind         TEXT NOT NULL CHECK (kind IN ('licence', 'id_card', 'authorization', 'other')),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size         INTEGER NOT NULL CHECK (size > 0),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_by  INTEGER NOT NULL REFERENCES staff (id),
    uploaded_at  TIMESTAMP NOT NULL
);
CREATE INDEX counter_scans_request ON counter_scans (request_id);

-- Appeals (用户申诉) as the back office decides them.
ALTER TABLE appeals ADD COLUMN decided_by INTEGER REFERENCES staff (id);
ALTER TABLE appeals ADD COLUMN decided_at TIMESTAMP;
ALTER TABLE appeals ADD COLUMN decision TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'released', 'rejected'));
ALTER TABLE appeals ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';

-- Registry sync (internal/registrysync): how far the changes of the registry have
-- been applied, as the (updated_at, uscc) of the last entry applied.
CREATE TABLE registry_sync_cursor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    updated_at TIMESTAMP NOT NULL,
    uscc       TEXT NOT NULL
);

-- The auditor's search by staff member.
CREATE INDEX audit_log_staff ON audit_log (staff_id, at, seq) WHERE staff_id IS NOT NULL;
