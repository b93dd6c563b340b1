-- 单位快递 (SPEC U5): a case whose result is on paper is posted to the address the
-- unit chose when it applied; see internal/delivery.
--
-- delivery_requests keeps that choice, the address copied as it was chosen, until
-- the case is approved; deliveries is the shipment then created (one per case),
-- with the same copy, so that later edits of the unit's addresses never change
-- where a result went.
CREATE TABLE delivery_requests (
    case_id    INTEGER PRIMARY KEY REFERENCES cases(id),
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    recipient  TEXT NOT NULL CHECK (recipient <> ''),
    mobile     TEXT NOT NULL CHECK (mobile <> ''),
    address    TEXT NOT NULL CHECK (address <> ''),
    created_at TIMESTAMP NOT NULL
);

-- Status codes: pending 待揽收, collected 已揽收, in_transit 运输中, delivering 派送中,
-- signed 已签收, exception 异常. A delivery is pending with no carrier until the
-- carrier accepts the shipment (the poll job retries while the carrier is down);
-- exception without a tracking number is a shipment the carrier refused.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    recipient   TEXT NOT NULL CHECK (recipient <> ''),
    mobile      TEXT NOT NULL CHECK (mobile <> ''),
    address     TEXT NOT NULL CHECK (address <> ''),
    carrier     TEXT NOT NULL DEFAULT '',
    tracking_no TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'collected', 'in_transit', 'delivering', 'signed', 'exception')),
    -- The carrier's last refusal or failure, for the page and the operator; '' when none.
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK ((tracking_no IS NULL) = (carrier = '')),
    CHECK (tracking_no IS NOT NULL OR status IN ('pending', 'exception'))
);
CREATE UNIQUE INDEX deliveries_tracking ON deliveries (carrier, tracking_no) WHERE tracking_no IS NOT NULL;
CREATE INDEX deliveries_unit ON deliveries (unit_id, created_at, id);
CREATE INDEX deliveries_open ON deliveries (status, id);

-- The history: the hall's own first row (created, 待揽收) and every event the
-- carrier reported. The unique key makes recording idempotent: two poll jobs that
-- read the same event store it once.
CREATE TABLE delivery_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'collected', 'in_transit', 'delivering', 'signed', 'exception')),
    at          TIMESTAMP NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (delivery_id, status, at)
);
