-- Real-person (face) verification sessions (SPEC A2); see internal/verify. The ID is
-- an opaque 256-bit random value carried by the QR code; the session answers to the
-- browser or flow that started it only (binding_hash = hex SHA-256 of the binding).
-- The expected person is what the face check must confirm. 'expired' is written
-- when a result arrives too late; a pending row past expires_at reads as expired.
-- consumed_at marks the single use of a passed result by the flow that asked.
CREATE TABLE verify_sessions (
    id           TEXT PRIMARY KEY CHECK (length(id) = 43),
    purpose      TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 32),
    binding_hash TEXT NOT NULL CHECK (length(binding_hash) = 64),
    id_type      TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'passed', 'failed', 'expired')),
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    consumed_at  TIMESTAMPTZ,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    provider     TEXT NOT NULL,
    provider_ref TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    result_note  TEXT NOT NULL DEFAULT '',
    CHECK (expires_at > created_at),
    -- A result has a time, a pending session none; only a passed result is consumed.
    CHECK ((status = 'pending') = (completed_at IS NULL)),
    CHECK (consumed_at IS NULL OR status = 'passed')
);

-- Sweep deletes by expiry.
CREATE INDEX verify_sessions_expires_at ON verify_sessions (expires_at);

-- A provider's callback names the session by the provider's reference.
CREATE UNIQUE INDEX verify_sessions_provider_ref ON verify_sessions (provider, provider_ref)
    WHERE provider_ref <> '';
