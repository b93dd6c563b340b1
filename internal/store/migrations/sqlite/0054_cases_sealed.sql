-- The application forms, counter applicants and subjects of cases, and the forms
-- of their drafts, are sealed at rest (internal/sealed, docs/data-protection.md,
-- issue #16), first half: the clear columns are kept under other names, and the
-- sealed columns and the subject's blind index are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.afterMigration[54])
-- seals every row's clear values into the new columns and computes the subjects'
-- indexes. 0055 then drops the clear columns and moves the one open case per
-- unit, item and subject onto the index.
--
-- cases: form (the form's JSON: employees' ID numbers and names), subject (whom
-- the case is about: an employee's ID number, a year) and counter_applicant (the
-- name told at the counter), sealed values bound to the cases table, their column
-- and the row's id (cases.casePlace). subject_index: the blind index of the
-- subject (kind "case-subject"), empty for a case about nobody in particular
-- (subject ''), so that the partial unique index of 0055 leaves such cases out as
-- it left out subject ''.
--
-- case_drafts: form (the form as typed, URL-encoded), bound to the table, the
-- column and the draft's id. The size bound stays cases.MaxDraftBytes of the
-- clear form, which Go checks; the CHECK bounds the sealed value, 45 bytes longer.
--
-- The empty default exists only for ADD COLUMN: every row written by the hall
-- sets the sealed values.
ALTER TABLE cases RENAME COLUMN form TO clear_form;
ALTER TABLE cases RENAME COLUMN subject TO clear_subject;
ALTER TABLE cases RENAME COLUMN counter_applicant TO clear_counter_applicant;
ALTER TABLE cases ADD COLUMN form BLOB NOT NULL DEFAULT x'';
ALTER TABLE cases ADD COLUMN subject BLOB NOT NULL DEFAULT x'';
ALTER TABLE cases ADD COLUMN subject_index BLOB NOT NULL DEFAULT x'';
ALTER TABLE cases ADD COLUMN counter_applicant BLOB NOT NULL DEFAULT x'';
ALTER TABLE case_drafts RENAME COLUMN form TO clear_form;
ALTER TABLE case_drafts ADD COLUMN form BLOB NOT NULL DEFAULT x'' CHECK (length(form) <= 16429);
