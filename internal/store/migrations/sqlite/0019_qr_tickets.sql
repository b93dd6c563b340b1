-- QR login tickets (SPEC L2, L6); see internal/qrlogin. The browser that shows the
-- code holds two secrets: the ticket ID (in the code) and its binding cookie. Both
-- are 256-bit random values stored only as their hex SHA-256, so a copy of this
-- table neither lets anyone scan a live code nor take its login.
--
-- state moves waiting → scanned (person_id, scanned_at) → confirmed (unit_id,
-- membership_id and role for a unit login) or cancelled (decided_at) → consumed
-- (consumed_at), each step a conditional UPDATE; 'expired' is never written: a
-- waiting or scanned ticket past expires_at, or a confirmed one not consumed soon
-- enough, reads as expired.
CREATE TABLE qr_tickets (
    id_hash       TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
    binding_hash  TEXT NOT NULL CHECK (length(binding_hash) = 64),
    kind          TEXT NOT NULL CHECK (kind IN ('unit', 'person')),
    state         TEXT NOT NULL DEFAULT 'waiting'
                  CHECK (state IN ('waiting', 'scanned', 'confirmed', 'cancelled', 'consumed')),
    -- The asking browser as the app shows it: device summary, masked address.
    device        TEXT NOT NULL DEFAULT '',
    place         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    person_id     INTEGER REFERENCES persons (id),
    scanned_at    TIMESTAMP,
    unit_id       INTEGER REFERENCES units (id),
    membership_id INTEGER REFERENCES memberships (id),
    role          TEXT CHECK (role IN ('legal_rep', 'admin', 'agent')),
    decided_at    TIMESTAMP,
    consumed_at   TIMESTAMP,
    CHECK (expires_at > created_at),
    -- Scanned from the first step on, by one person for good.
    CHECK ((state = 'waiting') = (person_id IS NULL)),
    CHECK ((person_id IS NULL) = (scanned_at IS NULL)),
    CHECK ((state IN ('waiting', 'scanned')) = (decided_at IS NULL)),
    CHECK ((state = 'consumed') = (consumed_at IS NOT NULL)),
    -- A unit login names the unit, membership and role it was confirmed for; a
    -- personal login never does.
    CHECK ((kind = 'unit' AND state IN ('confirmed', 'consumed')) = (unit_id IS NOT NULL)),
    CHECK ((unit_id IS NULL) = (membership_id IS NULL)),
    CHECK ((unit_id IS NULL) = (role IS NULL))
);

-- Sweep deletes by expiry.
CREATE INDEX qr_tickets_expires_at ON qr_tickets (expires_at);
