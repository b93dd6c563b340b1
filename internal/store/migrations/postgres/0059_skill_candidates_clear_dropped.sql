-- Second half of 0058: every candidate's name, ID number and mobile are sealed now,
-- so the clear columns go (with their checks and the unique key on the clear ID
-- number), and one person once per plan moves onto the blind index.
ALTER TABLE skill_candidates DROP COLUMN clear_name;
ALTER TABLE skill_candidates DROP COLUMN clear_id_number;
ALTER TABLE skill_candidates DROP COLUMN clear_mobile;
ALTER TABLE skill_candidates ADD CONSTRAINT skill_candidates_plan_id_number_key UNIQUE (plan_id, id_number_index);
