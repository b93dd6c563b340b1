-- 窗口录入办件 (SPEC B4, U4; internal/cases counter.go): a case is filed online by
-- the unit or entered by a counter clerk for a unit that came to the counter. The
-- channel says which (existing cases were all filed online); entered_by is the
-- clerk who entered it and counter_applicant the applicant's name as told at the
-- counter ('' for an online case, whose applicant is applicant_id).
ALTER TABLE cases ADD COLUMN channel TEXT NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'counter'));
ALTER TABLE cases ADD COLUMN entered_by INTEGER REFERENCES staff(id);
ALTER TABLE cases ADD COLUMN counter_applicant TEXT NOT NULL DEFAULT '';
