-- The one-time codes' flows and the per-mobile send rate keep no mobile in clear
-- (internal/sealed, docs/data-protection.md, issue #16): the mobile that keys them
-- is replaced by its blind index, mobile_index (sealed.Keys.Index, kind "mobile",
-- of the mobile normalised by ident.NormalizeMobile). Nothing reads a mobile back
-- from these tables (the hall holds the mobile it sends to in memory), so there is
-- no sealed copy: the index alone. sms_flows keeps one row per (purpose, binding,
-- mobile index), sms_mobile_rate one per mobile index.
--
-- SQL cannot compute a blind index (the index key is not in the database), and
-- these rows live a day at most (sms.FlowRetention; the rate rows for the current
-- Asia/Shanghai day), so the existing rows are deleted rather than converted. What
-- that costs, once, at the upgrade: a code sent just before it no longer checks (the
-- person asks for a new one), wrong-attempt counts start again at 0, and the day's
-- per-mobile send counts and resend windows restart. The per-address counts
-- (sms_addr_rate) are kept, so the day's limit per client address still holds.
--
-- The tables are created anew, as on SQLite (which cannot drop a column named in a
-- table-level UNIQUE); sms_codes, which references sms_flows, goes with its flows.
DROP TABLE sms_codes;
DROP TABLE sms_flows;
DROP TABLE sms_mobile_rate;

-- One row per (purpose, binding, mobile): the flow a code belongs to. The wrong-attempt
-- count lives here, not on the code, so that a new code does not reset it.
CREATE TABLE sms_flows (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose      TEXT NOT NULL,
    binding_hash TEXT NOT NULL,
    mobile_index BYTEA NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (purpose, binding_hash, mobile_index)
);
CREATE INDEX sms_flows_updated ON sms_flows (updated_at);

-- Codes, stored as keyed hashes only (as in 0005).
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
    mobile_index BYTEA PRIMARY KEY,
    day          TEXT NOT NULL,
    day_count    INTEGER NOT NULL CHECK (day_count >= 0),
    resend_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sms_mobile_rate_day ON sms_mobile_rate (day);
