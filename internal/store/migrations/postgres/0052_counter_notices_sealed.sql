-- A counter request's form and outcome and a delegation text message are sealed at
-- rest (internal/sealed, docs/data-protection.md, issue #16), first half: the clear
-- columns are kept under other names, and the sealed columns are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.afterMigration[52])
-- seals every row's clear values into the new columns. 0053 then drops the clear
-- columns.
--
-- counter_requests: data (the form the clerk recorded: names, ID numbers, mobiles)
-- and outcome (what approval produced: a unit number, masked values, the ids it
-- made), each a JSON value sealed whole, bound to the table, its column and the
-- request's id (counter.Place). The back office finds requests by status, kind,
-- unit and appeal only, never by their content, so there is no blind index. uscc,
-- a unit's public code that keys the one-open-request-per-unit rule, stays clear.
--
-- delegation_notices: text, the message to a person (the unit, the role, the
-- inviter's or the holder's name), bound to the table, the column and the notice's
-- id (delegation.NoticePlace). Notices are found by id and state only.
--
-- The empty default exists only for ADD COLUMN: every row written by the hall
-- sets the sealed values.
ALTER TABLE counter_requests RENAME COLUMN data TO clear_data;
ALTER TABLE counter_requests RENAME COLUMN outcome TO clear_outcome;
ALTER TABLE counter_requests ADD COLUMN data BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE counter_requests ADD COLUMN outcome BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE delegation_notices RENAME COLUMN text TO clear_text;
ALTER TABLE delegation_notices ADD COLUMN text BYTEA NOT NULL DEFAULT ''::bytea;
