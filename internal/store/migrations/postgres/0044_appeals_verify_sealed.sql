-- The ID number, name and mobiles of a user appeal (用户申诉, SPEC B6) and the
-- expected person of a face verification session are sealed at rest
-- (internal/sealed, docs/data-protection.md, issue #16), first half: the clear
-- columns are kept under other names, and the sealed columns are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.afterMigration[44])
-- seals every row's clear values into the new columns. 0045 then drops the clear
-- columns.
--
-- appeals: id_number, name, mobile and contact_mobile, sealed values bound to the
-- appeals table, their column and the row's id (person.AppealPlace). The back
-- office finds appeals by id and status only, never by these values, so they have
-- no blind index. An appeal stays until decided and after, for the record: its
-- rows are sealed, not deleted.
--
-- verify_sessions: id_number and name, the person the face check must confirm,
-- bound to the table, their column and the session's id (verify.place). A session
-- lives minutes, but one in progress during the upgrade still finishes: its row
-- is sealed too. Sessions are found by id or by the provider's reference only.
--
-- The empty default exists only for ADD COLUMN: every row written by the hall
-- sets the sealed values.
ALTER TABLE appeals RENAME COLUMN id_number TO clear_id_number;
ALTER TABLE appeals RENAME COLUMN name TO clear_name;
ALTER TABLE appeals RENAME COLUMN mobile TO clear_mobile;
ALTER TABLE appeals RENAME COLUMN contact_mobile TO clear_contact_mobile;
ALTER TABLE appeals ADD COLUMN id_number BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE appeals ADD COLUMN name BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE appeals ADD COLUMN mobile BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE appeals ADD COLUMN contact_mobile BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE verify_sessions RENAME COLUMN id_number TO clear_id_number;
ALTER TABLE verify_sessions RENAME COLUMN name TO clear_name;
ALTER TABLE verify_sessions ADD COLUMN id_number BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE verify_sessions ADD COLUMN name BYTEA NOT NULL DEFAULT ''::bytea;
