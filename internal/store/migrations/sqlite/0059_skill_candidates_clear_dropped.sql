-- Second half of 0058: every candidate's name, ID number and mobile are sealed now,
-- so the clear columns go (with their checks), and one person once per plan moves
-- onto the blind index.
--
-- SQLite drops no column named by a table's UNIQUE constraint (clear_id_number is
-- in UNIQUE (plan_id, id_number)): the table is rebuilt, its rows copied with their
-- ids, and its triggers (dropped with the old table) made again as 0035 and 0058
-- made them. The AUTOINCREMENT sequence is carried over, so no id of a deleted
-- candidate is given again.
CREATE TABLE skill_candidates_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id         INTEGER NOT NULL REFERENCES skill_plans(id),
    name            BLOB NOT NULL,
    id_number       BLOB NOT NULL,
    id_number_index BLOB NOT NULL,
    mobile          BLOB NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (plan_id, id_number_index)
);
INSERT INTO skill_candidates_new (id, plan_id, name, id_number, id_number_index, mobile, created_at)
    SELECT id, plan_id, name, id_number, id_number_index, mobile, created_at FROM skill_candidates;
DELETE FROM sqlite_sequence WHERE name = 'skill_candidates_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'skill_candidates_new', seq FROM sqlite_sequence WHERE name = 'skill_candidates';
DROP TABLE skill_candidates;
ALTER TABLE skill_candidates_new RENAME TO skill_candidates;

CREATE TRIGGER skill_candidates_insert_open BEFORE INSERT ON skill_candidates
WHEN COALESCE((SELECT state FROM skill_plans WHERE id = NEW.plan_id), '') NOT IN ('entry', 'returned')
BEGIN SELECT RAISE(ABORT, 'skill plan not open for candidates'); END;
CREATE TRIGGER skill_candidates_delete_open BEFORE DELETE ON skill_candidates
WHEN COALESCE((SELECT state FROM skill_plans WHERE id = OLD.plan_id), '') NOT IN ('entry', 'returned')
BEGIN SELECT RAISE(ABORT, 'skill plan not open for candidates'); END;
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
