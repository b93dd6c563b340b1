-- 收件地址 (SPEC U9): the addresses to which a unit's paper results are sent
-- (deliveries, U5); see internal/address.
--
-- The database itself keeps the two rules of the seed's hint ("最多10个"):
--   - at most 10 addresses per unit: a trigger counts them before an insert (in
--     SQLite every write transaction holds the one write lock, so two inserts for
--     the same unit never count at the same time);
--   - exactly one default while the unit has any: the default is one row per unit
--     in unit_address_defaults (its primary key: at most one), written by the
--     database when the unit's first address is inserted (at least one), pointing
--     at an address of the same unit (the composite foreign key), removed with the
--     unit's last address (the cascade) and never on its own while that address
--     exists; the default address cannot be deleted while others remain, so
--     another must be made the default first.
CREATE TABLE unit_addresses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    recipient   TEXT NOT NULL CHECK (recipient <> ''),
    phone       TEXT NOT NULL CHECK (phone <> ''),
    -- A county-level region code (GB/T 2260); the province and city are its
    -- first two and four digits.
    region_code TEXT NOT NULL CHECK (length(region_code) = 6),
    detail      TEXT NOT NULL CHECK (detail <> ''),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (id, unit_id)
);
CREATE INDEX unit_addresses_unit ON unit_addresses (unit_id, id);

CREATE TABLE unit_address_defaults (
    unit_id    INTEGER PRIMARY KEY REFERENCES units(id),
    address_id INTEGER NOT NULL,
    FOREIGN KEY (address_id, unit_id) REFERENCES unit_addresses (id, unit_id) ON DELETE CASCADE
);

CREATE TRIGGER unit_addresses_limit BEFORE INSERT ON unit_addresses
BEGIN
    SELECT RAISE(ABORT, 'address_limit')
    WHERE (SELECT COUNT(*) FROM unit_addresses WHERE unit_id = NEW.unit_id) >= 10;
END;

CREATE TRIGGER unit_addresses_first_default AFTER INSERT ON unit_addresses
WHEN NOT EXISTS (SELECT 1 FROM unit_address_defaults WHERE unit_id = NEW.unit_id)
BEGIN
    INSERT INTO unit_address_defaults (unit_id, address_id) VALUES (NEW.unit_id, NEW.id);
END;

CREATE TRIGGER unit_addresses_keep_default BEFORE DELETE ON unit_addresses
WHEN EXISTS (SELECT 1 FROM unit_address_defaults WHERE unit_id = OLD.unit_id AND address_id = OLD.id)
 AND EXISTS (SELECT 1 FROM unit_addresses WHERE unit_id = OLD.unit_id AND id <> OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'address_default');
END;

CREATE TRIGGER unit_addresses_stay BEFORE UPDATE OF unit_id ON unit_addresses
BEGIN
    SELECT RAISE(ABORT, 'address_unit');
END;

-- The default row goes only with its address (the cascade above).
CREATE TRIGGER unit_address_defaults_keep BEFORE DELETE ON unit_address_defaults
WHEN EXISTS (SELECT 1 FROM unit_addresses WHERE id = OLD.address_id)
BEGIN
    SELECT RAISE(ABORT, 'address_default');
END;

-- The unit home's chart (U1): per unit, month and insurance type, the persons paid
-- for and the contributions (fen, unit and personal parts together), written from
-- insurance_payments by each import and demo load in the same transaction
-- (internal/insurance), so the home reads a few dozen rows instead of summing a
-- large unit's hundreds of thousands of payments on every view.
CREATE TABLE insurance_monthly_totals (
    uscc           TEXT NOT NULL CHECK (length(uscc) = 18),
    month          INTEGER NOT NULL,
    insurance_type TEXT NOT NULL,
    persons        INTEGER NOT NULL CHECK (persons >= 0),
    amount         BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (uscc, month, insurance_type)
);
-- The payments already loaded get their totals now.
INSERT INTO insurance_monthly_totals (uscc, month, insurance_type, persons, amount)
SELECT uscc, month, insurance_type, COUNT(*), SUM(unit_amount + personal_amount)
FROM insurance_payments GROUP BY uscc, month, insurance_type;
