-- Delegation (经办人管理, SPEC U6; internal/delegation): business scope of agents,
-- invitations confirmed in the companion app, reminders before a grant ends, and
-- the text messages those produce. The history of every change is the audit log
-- (actions "delegation.*"), not a table of its own.

-- reminded_at: when the reminder before valid_until was claimed. The claim is a
-- conditional UPDATE (… WHERE reminded_at IS NULL), so of several processes exactly
-- one sends it; a change of valid_until clears it, so the new end is reminded again.
ALTER TABLE memberships ADD COLUMN reminded_at TIMESTAMPTZ;
CREATE INDEX memberships_reminder_due ON memberships (valid_until)
    WHERE status = 'active' AND reminded_at IS NULL AND role IN ('admin', 'agent');

-- 业务授权: the catalog items an agent may handle. The legal rep and the admin may
-- handle every item, so they have no rows here.
CREATE TABLE grants (
    membership_id BIGINT NOT NULL REFERENCES memberships(id),
    item_code     TEXT NOT NULL REFERENCES catalog_items(code),
    granted_by    BIGINT NOT NULL REFERENCES persons(id),
    granted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (membership_id, item_code)
);

-- One invitation per pending admin or agent membership; the id is an opaque random
-- token (32 hex digits). Answered at most once: confirmed or declined.
CREATE TABLE invitations (
    id            TEXT PRIMARY KEY CHECK (length(id) = 32),
    membership_id BIGINT NOT NULL UNIQUE REFERENCES memberships(id),
    invited_by    BIGINT NOT NULL REFERENCES persons(id),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    confirmed_at  TIMESTAMPTZ,
    declined_at   TIMESTAMPTZ,
    -- The face verification session that confirmed it: one check confirms one
    -- invitation (SPEC §9, single use).
    verification_id TEXT UNIQUE,
    CHECK (expires_at > created_at),
    CHECK (confirmed_at IS NULL OR declined_at IS NULL),
    CHECK ((confirmed_at IS NULL) = (verification_id IS NULL))
);
-- The sweep of expired, unanswered invitations.
CREATE INDEX invitations_open ON invitations (expires_at)
    WHERE confirmed_at IS NULL AND declined_at IS NULL;

-- Text messages (invitations, reminders) written in the same transaction as the change
-- that causes them and delivered after commit, so a message is never lost with a
-- committed change nor sent for a rolled-back one. A sender claims a row with a
-- conditional UPDATE on claimed_at (a lease), so two processes never send it twice.
CREATE TABLE delegation_notices (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES persons(id),
    purpose    TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    claimed_at TIMESTAMPTZ,
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    sent_at    TIMESTAMPTZ,
    failed_at  TIMESTAMPTZ,
    CHECK (sent_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX delegation_notices_due ON delegation_notices (id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
