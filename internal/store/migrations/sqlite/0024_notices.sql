-- 公示公告 (SPEC H1): the bureau's notices on the public hall, written and
-- published in the back office; see internal/notices.
--
-- A notice moves only forward: draft 草稿 → published 已发布 → withdrawn 已撤回
-- (a correction is a new notice, so what the public once read stays on record).
-- Every move is an UPDATE … WHERE state = the expected one in the transaction of
-- its audit record, so of two staff acting on one notice at once one changes no row.
CREATE TABLE notices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 60),
    -- publicity 公示, announcement 公告, notice 通知.
    category     TEXT NOT NULL CHECK (category IN ('publicity', 'announcement', 'notice')),
    -- Plain text, paragraphs separated by blank lines; pages escape it.
    body         TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    state        TEXT NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
    -- Who wrote the draft and who last edited it: neither may publish it. NULL for
    -- notices the hall loaded itself (demo data).
    author_id    INTEGER REFERENCES staff(id),
    editor_id    INTEGER REFERENCES staff(id),
    publisher_id INTEGER REFERENCES staff(id),
    published_at TIMESTAMP,
    withdrawn_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK ((state = 'draft') = (published_at IS NULL)),
    CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL)),
    -- Separation of duties (三员分立): the publisher neither wrote nor last edited it.
    CHECK (publisher_id IS NULL OR (publisher_id <> COALESCE(author_id, 0) AND publisher_id <> COALESCE(editor_id, 0)))
);
-- The public list: published notices, newest first.
CREATE INDEX notices_state_published ON notices (state, published_at, id);
