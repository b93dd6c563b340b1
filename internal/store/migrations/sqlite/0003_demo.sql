-- Which demo data sets have been loaded, so that loading is idempotent.
CREATE TABLE demo_loads (
    name      TEXT PRIMARY KEY,
    loaded_at TIMESTAMP NOT NULL
);
