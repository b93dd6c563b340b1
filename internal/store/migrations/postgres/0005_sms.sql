-- SMS: the development outbox and one-time codes (see internal/sms).

-- Development outbox: every message the development sender "delivered".
CREATE TABLE sms_outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mobile     TEXT NOT NULL,
    text       TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- Latest message for a mobile (newest = highest id).
CREATE INDEX sms_outbox_mobile ON sms_outbox (mobile, id);

-- One row per (purpose, binding, mobile): the flow a code belongs to. The wrong-attempt
-- count lives here, not on the code, so that a new code does not reset it.
CREATE TABLE sms_flows (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose      TEXT NOT NULL,
    binding_hash TEXT NOT NULL,
    mobile       TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (purpose, binding_hash, mobile)
);
CREATE INDEX sms_flows_updated ON sms_flows (updated_at);

-- Codes, stored as keyed hashes only. pending: reserved, SMS not yet accepted by the
-- gateway; active: usable; used: consumed by a successful check; superseded: replaced
-- by a newer code of the same flow; failed: the SMS could not be sent.
CREATE TABLE sms_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_id    BIGINT NOT NULL REFERENCES sms_flows (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'active', 'used', 'superseded', 'failed')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX sms_codes_flow ON sms_codes (flow_id, id);
-- At most one usable code per flow.
CREATE UNIQUE INDEX sms_codes_one_active ON sms_codes (flow_id) WHERE state = 'active';

-- Send rate per mobile: the resend window and the count for one Asia/Shanghai day.
CREATE TABLE sms_mobile_rate (
    mobile    TEXT PRIMARY KEY,
    day       TEXT NOT NULL,
    day_count INTEGER NOT NULL CHECK (day_count >= 0),
    resend_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sms_mobile_rate_day ON sms_mobile_rate (day);

-- Send count per client address for one Asia/Shanghai day.
CREATE TABLE sms_addr_rate (
    addr      TEXT PRIMARY KEY,
    day       TEXT NOT NULL,
    day_count INTEGER NOT NULL CHECK (day_count >= 0)
);
CREATE INDEX sms_addr_rate_day ON sms_addr_rate (day);
