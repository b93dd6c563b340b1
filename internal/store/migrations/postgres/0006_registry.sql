-- Market-regulator registry, development implementation (internal/registry.Table):
-- filled by `hall import registry FILE` and demo data. Codes (unit_type, the ID type,
-- status) are the stable English values of the Go types; registered_at is a civil
-- date stored at 00:00 UTC.
CREATE TABLE registry_entries (
    uscc                TEXT PRIMARY KEY CHECK (length(uscc) = 18),
    name                TEXT NOT NULL CHECK (name <> ''),
    unit_type           TEXT NOT NULL,
    legal_rep_id_type   TEXT NOT NULL,
    legal_rep_id_number TEXT NOT NULL,
    legal_rep_name      TEXT NOT NULL,
    registered_at       TIMESTAMPTZ NOT NULL,
    address             TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL CHECK (length(region) = 6),
    status              TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'revoked')),
    updated_at          TIMESTAMPTZ NOT NULL
);

-- ChangedSince pages through changes in (updated_at, uscc) order for the sync job.
CREATE INDEX registry_entries_updated ON registry_entries (updated_at, uscc);
