-- Accounts of the legacy hall (原网上办事大厅) that a unit may upgrade once (SPEC R4,
-- 历史单位用户升级); see internal/legacy. Loaded by `hall import legacy FILE.csv`.
--
-- password_hash is the legacy system's own hash, kept as exported: a PHC-style
-- string, either "$pbkdf2-sha256$i=…$salt$key" or bcrypt's "$2a$/$2b$/$2y$…".
-- The format and its cost bounds are checked by the import (legacy.ParseHash);
-- the CHECK keeps at least the PHC prefix.
--
-- state moves once, from active to upgraded (in the transaction that opens the
-- unit account and its administrator); upgraded_at is set exactly then.
CREATE TABLE legacy_accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 单位编号 of the legacy hall, normalised (upper case, no spaces).
    unit_number   TEXT NOT NULL UNIQUE CHECK (length(unit_number) BETWEEN 4 AND 32),
    uscc          TEXT NOT NULL CHECK (length(uscc) = 18),
    unit_name     TEXT NOT NULL CHECK (length(unit_name) BETWEEN 1 AND 100),
    password_hash TEXT NOT NULL CHECK (substr(password_hash, 1, 1) = '$' AND length(password_hash) <= 200),
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'upgraded')),
    upgraded_at   TIMESTAMP,
    unit_id       INTEGER REFERENCES units(id),
    imported_at   TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CHECK ((state = 'upgraded') = (upgraded_at IS NOT NULL)),
    CHECK ((state = 'upgraded') = (unit_id IS NOT NULL))
);
CREATE INDEX legacy_accounts_uscc ON legacy_accounts (uscc);
