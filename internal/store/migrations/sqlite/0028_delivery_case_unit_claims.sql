-- 单位快递 (SPEC U5), two guarantees the database now keeps; see internal/delivery.
--
-- 1. A delivery and a delivery request belong to their case's unit: the pair
--    (case_id, unit_id) must be a case's (id, unit_id), so no row can post one
--    unit's result to another unit's list. The unique index on cases (id, unit_id)
--    is what the composite foreign keys refer to (id alone is unique already).
-- 2. One carrier call per shipment: a process hands a delivery to the carrier only
--    after claiming it (UPDATE … SET claimed_at WHERE it has no waybill and no live
--    claim). The claim is cleared when the waybill, a refusal or a failure is
--    stored; a claim older than the claim timeout (a process that died during the
--    call) may be taken over.
--
-- SQLite adds no foreign key to an existing table: the three delivery tables are
-- rebuilt, children before parents so that no row is ever without its parent
-- (the migration's transaction enforces foreign keys throughout): the new tables
-- are filled, the old ones dropped (delivery_events first), and the new renamed,
-- which also renames the reference of the new delivery_events to deliveries.
CREATE UNIQUE INDEX cases_id_unit ON cases (id, unit_id);

CREATE TABLE delivery_requests_new (
    case_id    INTEGER PRIMARY KEY REFERENCES cases(id),
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    recipient  TEXT NOT NULL CHECK (recipient <> ''),
    mobile     TEXT NOT NULL CHECK (mobile <> ''),
    address    TEXT NOT NULL CHECK (address <> ''),
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (case_id, unit_id) REFERENCES cases (id, unit_id)
);
INSERT INTO delivery_requests_new (case_id, unit_id, recipient, mobile, address, created_at)
    SELECT case_id, unit_id, recipient, mobile, address, created_at FROM delivery_requests;
DROP TABLE delivery_requests;
ALTER TABLE delivery_requests_new RENAME TO delivery_requests;

CREATE TABLE deliveries_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    recipient   TEXT NOT NULL CHECK (recipient <> ''),
    mobile      TEXT NOT NULL CHECK (mobile <> ''),
    address     TEXT NOT NULL CHECK (address <> ''),
    carrier     TEXT NOT NULL DEFAULT '',
    tracking_no TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'collected', 'in_transit', 'delivering', 'signed', 'exception')),
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    claimed_at  TIMESTAMP,
    CHECK ((tracking_no IS NULL) = (carrier = '')),
    CHECK (tracking_no IS NOT NULL OR status IN ('pending', 'exception')),
    FOREIGN KEY (case_id, unit_id) REFERENCES cases (id, unit_id)
);
INSERT INTO deliveries_new (id, case_id, unit_id, recipient, mobile, address, carrier, tracking_no, status, last_error,
    created_at, updated_at)
    SELECT id, case_id, unit_id, recipient, mobile, address, carrier, tracking_no, status, last_error, created_at, updated_at
    FROM deliveries;

CREATE TABLE delivery_events_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries_new(id),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'collected', 'in_transit', 'delivering', 'signed', 'exception')),
    at          TIMESTAMP NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (delivery_id, status, at)
);
INSERT INTO delivery_events_new (id, delivery_id, status, at, place, description)
    SELECT id, delivery_id, status, at, place, description FROM delivery_events;

DROP TABLE delivery_events;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE delivery_events_new RENAME TO delivery_events;
CREATE UNIQUE INDEX deliveries_tracking ON deliveries (carrier, tracking_no) WHERE tracking_no IS NOT NULL;
CREATE INDEX deliveries_unit ON deliveries (unit_id, created_at, id);
CREATE INDEX deliveries_open ON deliveries (status, id);
