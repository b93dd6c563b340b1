-- Audit log: append-only and hash-chained (see internal/audit).
-- seq is assigned by the appender (previous seq + 1), never by the database.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY CHECK (seq > 0),
    at         TIMESTAMPTZ NOT NULL,
    person_id  BIGINT,
    unit_id    BIGINT,
    role       TEXT NOT NULL DEFAULT '',
    staff_id   BIGINT,
    -- Byte order, so that an action-prefix filter is an index range scan.
    action     TEXT COLLATE "C" NOT NULL,
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

-- The head (last seq and hash) is the one row every append locks and updates, which
-- serializes appends. The genesis hash is 64 zeros.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: rows can be inserted, never changed or removed (TRUNCATE included).
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- A new row must extend the head: next seq, linked to the head's hash.
CREATE FUNCTION audit_log_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq  BIGINT;
    head_hash TEXT;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM audit_head WHERE id = 1;
    IF NEW.seq IS DISTINCT FROM head_seq + 1 OR NEW.prev_hash IS DISTINCT FROM head_hash THEN
        RAISE EXCEPTION 'audit_log: row % does not extend audit_head (seq %)', NEW.seq, head_seq;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_log_extends_head BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_check_insert();

-- The head only moves forward by one, onto the row just inserted.
CREATE FUNCTION audit_head_check_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.seq IS DISTINCT FROM OLD.seq + 1
       OR NEW.hash IS DISTINCT FROM (SELECT hash FROM audit_log WHERE seq = NEW.seq) THEN
        RAISE EXCEPTION 'audit_head may only advance to the last audit_log row';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_head_advance BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_check_update();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
