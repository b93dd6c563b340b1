-- The candidates of a skill assessment plan (考生, internal/skills) are sealed at
-- rest (internal/sealed, docs/data-protection.md, issue #16), first half: the
-- clear columns are kept under other names, and the sealed columns and the ID
-- number's blind index are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.afterMigration[58])
-- seals every row's clear values into the new columns and computes the index.
-- 0059 then drops the clear columns and moves "one person once per plan" onto the
-- index.
--
-- name, id_number and mobile ('' when none was given, sealed too): sealed values
-- bound to skill_candidates, their column and the row's id (skills.Place).
-- id_number_index: the blind index of the ID number as stored (kind "id-number",
-- as persons'), by which a plan's list is searched for a person already on it.
-- The empty default exists only for ADD COLUMN: every row written by the hall sets
-- all four.
--
-- A candidate was never updated (a trigger refused it). Its sealed values now are
-- written twice by the hall (the INSERT that gives the row its id leaves them
-- empty, the sealing right after fills them) and rewritten, unchanged, by the key
-- rotation under another key. The trigger allows exactly that: the row's id, plan
-- and creation time never change, and a sealed value changes only from empty or
-- into a sealed value (at least sealed.Overhead, 45 bytes) whose header (format
-- version and key identifier, its first 5 bytes) differs from the old one; the ID
-- number's index changes only with the ID number. So no code of the hall can
-- change a candidate's values under the same key, and a value sealed for another
-- row or column does not open: a list still cannot change unseen under its
-- reviewer.
ALTER TABLE skill_candidates RENAME COLUMN name TO clear_name;
ALTER TABLE skill_candidates RENAME COLUMN id_number TO clear_id_number;
ALTER TABLE skill_candidates RENAME COLUMN mobile TO clear_mobile;
ALTER TABLE skill_candidates ADD COLUMN name BLOB NOT NULL DEFAULT x'';
ALTER TABLE skill_candidates ADD COLUMN id_number BLOB NOT NULL DEFAULT x'';
ALTER TABLE skill_candidates ADD COLUMN id_number_index BLOB NOT NULL DEFAULT x'';
ALTER TABLE skill_candidates ADD COLUMN mobile BLOB NOT NULL DEFAULT x'';
DROP TRIGGER skill_candidates_no_update;
CREATE TRIGGER skill_candidates_no_update BEFORE UPDATE ON skill_candidates
WHEN NEW.id IS NOT OLD.id OR NEW.plan_id IS NOT OLD.plan_id OR NEW.created_at IS NOT OLD.created_at
    OR NOT (NEW.name IS OLD.name OR length(OLD.name) = 0
        OR (length(NEW.name) >= 45 AND substr(NEW.name, 1, 5) IS NOT substr(OLD.name, 1, 5)))
    OR NOT (NEW.id_number IS OLD.id_number OR length(OLD.id_number) = 0
        OR (length(NEW.id_number) >= 45 AND substr(NEW.id_number, 1, 5) IS NOT substr(OLD.id_number, 1, 5)))
    OR NOT (NEW.mobile IS OLD.mobile OR length(OLD.mobile) = 0
        OR (length(NEW.mobile) >= 45 AND substr(NEW.mobile, 1, 5) IS NOT substr(OLD.mobile, 1, 5)))
    OR NOT (NEW.id_number_index IS OLD.id_number_index OR length(OLD.id_number) = 0
        OR substr(NEW.id_number, 1, 5) IS NOT substr(OLD.id_number, 1, 5))
BEGIN SELECT RAISE(ABORT, 'skill candidates are not updated'); END;
