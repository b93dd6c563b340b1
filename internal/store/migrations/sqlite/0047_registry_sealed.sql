-- The development registry's legal representatives are sealed at rest
-- (internal/sealed, docs/data-protection.md, issue #16), first half: the clear
-- columns are kept under other names and the sealed columns are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file, in
-- the same transaction, the migration's Go half (store.sealClear of the
-- registry_entries table) seals every row's clear values into the new columns. 0048
-- then drops the clear columns. The rows are durable (imported, not swept), so they
-- are sealed, not deleted.
--
-- legal_rep_id_number and legal_rep_name: sealed values bound to registry_entries,
-- their column and the row's USCC (registry.Place). No blind index: the hall never
-- looks a registry entry up by its legal representative's ID number in SQL (it reads
-- an entry by USCC and compares in Go). The empty default exists only for ADD
-- COLUMN: every row the hall writes sets both.
ALTER TABLE registry_entries RENAME COLUMN legal_rep_id_number TO clear_legal_rep_id_number;
ALTER TABLE registry_entries RENAME COLUMN legal_rep_name TO clear_legal_rep_name;
ALTER TABLE registry_entries ADD COLUMN legal_rep_id_number BLOB NOT NULL DEFAULT x'';
ALTER TABLE registry_entries ADD COLUMN legal_rep_name BLOB NOT NULL DEFAULT x'';
