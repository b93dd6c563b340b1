-- Audit log: append-only and hash-chained (see internal/audit).
-- seq is assigned by the appender (previous seq + 1), never by the database.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY CHECK (seq > 0),
    at         TIMESTAMP NOT NULL,
    person_id  INTEGER,
    unit_id    INTEGER,
    role       TEXT NOT NULL DEFAULT '',
    staff_id   INTEGER,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
    client_ip  TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- Listing is newest first (at DESC, seq DESC) within each filter.
CREATE INDEX audit_log_unit ON audit_log (unit_id, at, seq) WHERE unit_id IS NOT NULL;
CREATE INDEX audit_log_person ON audit_log (person_id, at, seq) WHERE person_id IS NOT NULL;
CREATE INDEX audit_log_action ON audit_log (action, at, seq);
CREATE INDEX audit_log_at ON audit_log (at, seq);

-- The head (last seq and hash) is the one row every append updates, which serializes
-- appends. The genesis hash is 64 zeros.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: rows can be inserted, never changed or removed.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;

-- A new row must extend the head: next seq, linked to the head's hash.
CREATE TRIGGER audit_log_extends_head BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1)
  OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log: row does not extend audit_head');
END;

-- The head only moves forward by one, onto the row just inserted.
CREATE TRIGGER audit_head_advance BEFORE UPDATE ON audit_head
WHEN NEW.id IS NOT OLD.id
  OR NEW.seq IS NOT OLD.seq + 1
  OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'audit_head may only advance to the last audit_log row');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be deleted');
END;
