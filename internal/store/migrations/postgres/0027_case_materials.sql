-- 申请材料 of the online applications (SPEC U4, B4; see internal/cases, materials.go):
-- the files a unit uploads with a case, one per material of the item's form (the
-- forms registry declares them), recorded in the filing transaction. The file lives
-- in the scans store (internal/scans: checked by content, private, under this opaque
-- id); the row says what it is and holds its SHA-256, checked on every read. A
-- correction replaces a material's row. unit_id repeats the case's unit so that
-- every read is scoped by it.
CREATE TABLE case_materials (
    id           TEXT PRIMARY KEY CHECK (length(id) = 43),
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    code         TEXT NOT NULL CHECK (code <> ''),
    name         TEXT NOT NULL CHECK (name <> '' AND length(name) <= 100),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size         BIGINT NOT NULL CHECK (size > 0),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_by  BIGINT NOT NULL REFERENCES persons(id),
    uploaded_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (case_id, code)
);
CREATE INDEX case_materials_unit ON case_materials (unit_id, case_id);
