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
-- A candidate was never updated (the trigger refused it). Its sealed values now are
-- rewritten, unchanged, by the key rotation, and by the hall right after the
-- INSERT that gave the row its id: the trigger refuses only a change of the row's
-- id, plan or creation time. Nothing in the hall changes a candidate's values, and
-- a value sealed for another row or column does not open, so a list still cannot
-- change unseen under its reviewer.
ALTER TABLE skill_candidates RENAME COLUMN name TO clear_name;
ALTER TABLE skill_candidates RENAME COLUMN id_number TO clear_id_number;
ALTER TABLE skill_candidates RENAME COLUMN mobile TO clear_mobile;
ALTER TABLE skill_candidates ADD COLUMN name BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE skill_candidates ADD COLUMN id_number BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE skill_candidates ADD COLUMN id_number_index BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE skill_candidates ADD COLUMN mobile BYTEA NOT NULL DEFAULT ''::bytea;
-- skill_candidate_resealed: whether a sealed value may go from old to new (above).
CREATE FUNCTION skill_candidate_resealed(old BYTEA, new BYTEA) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT new = old OR length(old) = 0
        OR (length(new) >= 45 AND substring(new FROM 1 FOR 5) <> substring(old FROM 1 FOR 5))
$$;
CREATE OR REPLACE FUNCTION skill_candidates_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    plan BIGINT;
    st   TEXT;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.plan_id IS DISTINCT FROM OLD.plan_id
            OR NEW.created_at IS DISTINCT FROM OLD.created_at
            OR NOT skill_candidate_resealed(OLD.name, NEW.name)
            OR NOT skill_candidate_resealed(OLD.id_number, NEW.id_number)
            OR NOT skill_candidate_resealed(OLD.mobile, NEW.mobile)
            OR NOT (NEW.id_number_index = OLD.id_number_index OR length(OLD.id_number) = 0
                OR substring(NEW.id_number FROM 1 FOR 5) <> substring(OLD.id_number FROM 1 FOR 5)) THEN
            RAISE EXCEPTION 'skill candidates are not updated' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN plan := OLD.plan_id; ELSE plan := NEW.plan_id; END IF;
    SELECT state INTO st FROM skill_plans WHERE id = plan FOR SHARE;
    IF st IS NULL OR st NOT IN ('entry', 'returned') THEN
        RAISE EXCEPTION 'skill plan not open for candidates' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
