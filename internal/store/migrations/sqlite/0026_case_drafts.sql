-- 草稿 of the online application forms (SPEC U4; see internal/cases, drafts.go):
-- the form as typed, saved by 保存草稿 and resumed by 继续填写. A draft belongs to
-- the unit, the item and the person who typed it: one per person per item of a
-- unit (UNIQUE; saving again replaces it). It is not checked beyond its size and
-- may be incomplete. Drafts older than cases.DraftRetention are swept.
CREATE TABLE case_drafts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    item_code TEXT NOT NULL CHECK (item_code <> ''),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    -- The form's fields, URL-encoded as typed (cases.MaxDraftBytes).
    form      TEXT NOT NULL CHECK (length(form) <= 16384),
    saved_at  TIMESTAMP NOT NULL,
    UNIQUE (unit_id, person_id, item_code)
);
CREATE INDEX case_drafts_saved ON case_drafts (saved_at);
