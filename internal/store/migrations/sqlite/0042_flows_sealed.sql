-- A flow's data (the JSON of a multi-step flow's forms: ID numbers, names,
-- mobiles typed in registration, recovery, unit registration, the upgrade …) is
-- sealed at rest (internal/sealed, docs/data-protection.md, issue #16), first
-- half: the clear column is kept as clear_data, and the sealed column is added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.afterMigration[42])
-- seals every row's clear JSON into data. The rows are short-lived (a flow
-- lives at most a day and is swept a day after it expires), but sealing them is
-- no harder than deleting them, and spares whoever is in the middle of a flow
-- a restart. 0043 then drops clear_data.
--
-- data: the JSON sealed as one value bound to the flows table, the data column
-- and the flow's id (flow.Place). The empty default exists only for ADD COLUMN:
-- every row written by the hall sets it.
ALTER TABLE flows RENAME COLUMN data TO clear_data;
ALTER TABLE flows ADD COLUMN data BLOB NOT NULL DEFAULT x'';
