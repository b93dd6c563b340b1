-- A person's ID number, name and mobile are sealed at rest (internal/sealed,
-- docs/data-protection.md, issue #16), first half: the clear columns are kept
-- under other names, and the sealed columns and their blind indexes are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.sealPersons) seals every
-- row's clear values into the new columns and computes their indexes. 0041 then
-- drops the clear columns and makes the indexes unique.
--
-- id_number, name and mobile: sealed values bound to the persons table, their
-- column and the row's id (person.Place). id_number_index: the blind index of the
-- normalised ID number (kind "id-number"); mobile_index: of the mobile (kind
-- "mobile"). The empty default exists only for ADD COLUMN: every row written by
-- the hall sets all five.
ALTER TABLE persons RENAME COLUMN id_number TO clear_id_number;
ALTER TABLE persons RENAME COLUMN name TO clear_name;
ALTER TABLE persons RENAME COLUMN mobile TO clear_mobile;
ALTER TABLE persons ADD COLUMN id_number BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE persons ADD COLUMN id_number_index BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE persons ADD COLUMN name BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE persons ADD COLUMN mobile BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE persons ADD COLUMN mobile_index BYTEA NOT NULL DEFAULT ''::bytea;
