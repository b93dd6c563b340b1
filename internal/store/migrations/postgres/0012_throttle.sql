-- Brute-force counters (internal/throttle): failed logins, wrong SMS codes and SMS
-- sends per account and per client address. key is an HMAC-SHA256 (hex) of the
-- normalised identifier or address, never the identifier itself, so the table
-- cannot be read as a list of who tried to log in from where.
--
-- failures counts attempts in the current window, including attempts still in
-- flight: internal/throttle reserves an attempt before the password is checked and
-- gives it back only on success. locked_until is set by the attempt that reaches
-- the lock threshold. Every write is one conditional upsert, so concurrent
-- attempts cannot pass the limit (a row lock here; one writer on SQLite).
CREATE TABLE throttle_counters (
    scope        TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 32),
    key          TEXT NOT NULL CHECK (length(key) = 64),
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Sweep deletes, per scope, rows whose window has ended.
CREATE INDEX throttle_counters_sweep ON throttle_counters (scope, window_start);
