-- 公示公告 (SPEC H1; internal/notices): every change of a notice adds one to its
-- version, which the back office's edit and publish forms carry back, so that a
-- draft changed since the page was shown is refused (notices.ErrEdited) however
-- close in time the two changes were — updated_at alone cannot tell apart two
-- changes within one tick of the clock. Existing notices start at 1.
ALTER TABLE notices ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
