-- The files of 申请材料 as they are uploaded (internal/cases, uploads.go): one row
-- per file Attach stores, written before the file is, so that the upload budget
-- counts it (the files and bytes of a person, and of a unit, over the last 24
-- hours) and the sweep finds a file that was never filed. held_until is set while
-- a draft of the uploader carries the file's reference (the draft's expiry);
-- filed_at when a case records it (case_materials); swept_at when the sweep
-- deleted the file, kept a day so that a form still carrying the reference is
-- told the file is gone. The filing and the sweep both write the row, so one of
-- them waits for the other: a filed file is never swept.
CREATE TABLE material_uploads (
    id          TEXT PRIMARY KEY CHECK (length(id) = 43),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    size        INTEGER NOT NULL CHECK (size > 0),
    uploaded_at TIMESTAMP NOT NULL,
    held_until  TIMESTAMP,
    filed_at    TIMESTAMP,
    swept_at    TIMESTAMP
);
CREATE INDEX material_uploads_person ON material_uploads (person_id, uploaded_at);
CREATE INDEX material_uploads_unit ON material_uploads (unit_id, uploaded_at);
CREATE INDEX material_uploads_open ON material_uploads (uploaded_at) WHERE filed_at IS NULL AND swept_at IS NULL;
CREATE INDEX material_uploads_filed ON material_uploads (filed_at) WHERE filed_at IS NOT NULL;
CREATE INDEX material_uploads_swept ON material_uploads (swept_at) WHERE swept_at IS NOT NULL;
