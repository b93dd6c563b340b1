-- The service catalog (服务清单): categories, business items (事项), the materials each
-- item needs, and the topics (我是… personas and 主题服务 themes) that group items. The
-- same items are what agents are authorized for and what cases belong to, so an item
-- is never deleted: one that leaves the built-in catalog is marked inactive.
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
    notes          TEXT NOT NULL DEFAULT '',
    -- Position among 热门服务 (1 first); 0 means not a hot item.
    hot            INTEGER NOT NULL DEFAULT 0 CHECK (hot >= 0),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sort           INTEGER NOT NULL
);
CREATE INDEX catalog_items_category ON catalog_items (category_code, sort);
CREATE INDEX catalog_items_sort ON catalog_items (sort);

CREATE TABLE catalog_materials (
    item_code TEXT NOT NULL REFERENCES catalog_items(code),
    seq       INTEGER NOT NULL CHECK (seq > 0),
    name      TEXT NOT NULL,
    form      TEXT NOT NULL DEFAULT '',
    copies    INTEGER NOT NULL DEFAULT 1 CHECK (copies >= 0),
    required  INTEGER NOT NULL DEFAULT 1 CHECK (required IN (0, 1)),
    note      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_code, seq)
);

CREATE TABLE catalog_topics (
    code    TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('persona', 'theme')),
    name    TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    sort    INTEGER NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE catalog_item_topics (
    topic_code TEXT NOT NULL REFERENCES catalog_topics(code),
    item_code  TEXT NOT NULL REFERENCES catalog_items(code),
    PRIMARY KEY (topic_code, item_code)
);
CREATE INDEX catalog_item_topics_item ON catalog_item_topics (item_code);
