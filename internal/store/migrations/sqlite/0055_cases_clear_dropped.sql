-- Second half of 0054: every case's form, subject and counter applicant and every
-- draft's form are sealed now, so the clear columns go, and the §9 invariant "one
-- open case per unit, item and subject" moves onto the subject's blind index: the
-- partial unique index leaves out the cases about nobody in particular (an empty
-- index) as it left out subject ''.
DROP INDEX cases_open_subject;
ALTER TABLE cases DROP COLUMN clear_form;
ALTER TABLE cases DROP COLUMN clear_subject;
ALTER TABLE cases DROP COLUMN clear_counter_applicant;
ALTER TABLE case_drafts DROP COLUMN clear_form;
CREATE UNIQUE INDEX cases_open_subject ON cases (unit_id, item_code, subject_index)
    WHERE subject_index <> x'' AND state IN ('submitted', 'accepted', 'returned');
