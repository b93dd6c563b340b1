-- Rights records (社会保险权益记录单(参保单位), SPEC U3 and A4); see internal/rights.
--
-- A record is found by the opaque ID in its QR code's /verify/{id} link: 256 random
-- bits, stored only as token_hash (hex SHA-256), so the table does not hold the
-- links themselves. The signed PDF is kept (rights_record_files), because a
-- regenerated one would differ (a new signature; the insurance data may have changed
-- since, and note 2 says the record shows the state at printing) and its SHA-256,
-- printed on the verify page, must match what the unit downloaded.
--
-- issued_by is the membership under which the record was produced; the composite
-- key makes the database refuse a record issued by a member of another unit.
CREATE UNIQUE INDEX memberships_id_unit ON memberships (id, unit_id);

CREATE TABLE rights_records (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    uscc          TEXT NOT NULL CHECK (length(uscc) = 18),
    unit_name     TEXT NOT NULL CHECK (unit_name <> ''),
    insured_place TEXT NOT NULL,
    from_month    INTEGER NOT NULL,
    to_month      INTEGER NOT NULL,
    -- insurance.Type codes in page order, with the paying persons of each:
    -- "pension=2961,injury=2961,unemployment=2958".
    type_counts   TEXT NOT NULL CHECK (type_counts <> ''),
    employees     INTEGER NOT NULL CHECK (employees > 0),
    pages         INTEGER NOT NULL CHECK (pages > 0),
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    size          BIGINT NOT NULL CHECK (size > 0),
    issued_at     TIMESTAMPTZ NOT NULL,
    valid_until   TIMESTAMPTZ NOT NULL,
    person_id     BIGINT NOT NULL REFERENCES persons(id),
    membership_id BIGINT NOT NULL,
    role          TEXT NOT NULL,
    CHECK (from_month <= to_month),
    CHECK (valid_until > issued_at),
    FOREIGN KEY (membership_id, unit_id) REFERENCES memberships (id, unit_id)
);
-- A unit's records, newest first.
CREATE INDEX rights_records_unit ON rights_records (unit_id, id);

CREATE TABLE rights_record_files (
    record_id BIGINT PRIMARY KEY REFERENCES rights_records(id),
    pdf       BYTEA NOT NULL
);
