-- Multi-step flows (registration, unit registration, upgrade, recovery, QR login …)
-- as saved objects; see internal/flow. The ID is an opaque 256-bit random value; a
-- flow answers only to the browser session that created it (binding_hash = hex
-- SHA-256 of that binding). version is bumped by every change, so that a submit
-- based on a stale read cannot overwrite a newer step (optimistic concurrency).
CREATE TABLE flows (
    id           TEXT PRIMARY KEY CHECK (length(id) = 43),
    kind         TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
    step         TEXT NOT NULL CHECK (length(step) BETWEEN 1 AND 32),
    data         TEXT NOT NULL DEFAULT '{}',
    binding_hash TEXT NOT NULL CHECK (length(binding_hash) = 64),
    version      INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    CHECK (expires_at > created_at)
);

-- Sweep deletes by expiry.
CREATE INDEX flows_expires_at ON flows (expires_at);
