-- The service catalog (服务清单): categories and business items (事项). The same items
-- are what agents are authorized for and what cases belong to.
CREATE TABLE catalog_categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sort INTEGER NOT NULL
);

CREATE TABLE catalog_items (
    code           TEXT PRIMARY KEY,
    category_code  TEXT NOT NULL REFERENCES catalog_categories(code),
    name           TEXT NOT NULL UNIQUE,
    applicant      TEXT NOT NULL CHECK (applicant IN ('unit', 'person', 'both')),
    channel        TEXT NOT NULL CHECK (channel IN ('online', 'counter', 'both')),
    case_type      TEXT NOT NULL CHECK (case_type IN ('instant', 'promised')),
    legal_days     INTEGER NOT NULL DEFAULT 0 CHECK (legal_days >= 0),
    promised_days  INTEGER NOT NULL DEFAULT 0 CHECK (promised_days >= 0),
    visits         INTEGER NOT NULL DEFAULT 0 CHECK (visits >= 0),
    materials      TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    hot            INTEGER NOT NULL DEFAULT 0 CHECK (hot IN (0, 1)),
    sort           INTEGER NOT NULL
);
CREATE INDEX catalog_items_category ON catalog_items (category_code, sort);
