-- How and when the person of a session last proved who they are (internal/auth
-- Proof): entering a unit as its legal rep asks whether the session was opened with
-- the personal password, and changes to a unit's administrator, agents and grants
-- ask for a proof within the last minutes. Sessions from before this migration have
-- none, so they are asked.
ALTER TABLE sessions ADD COLUMN proof TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN proved_at TIMESTAMP;
