-- The recipient of a posted paper result (单位快递, SPEC U5) is sealed at rest
-- (internal/sealed, docs/data-protection.md, issue #16), first half: the clear
-- columns are kept under other names, and the sealed columns are added.
--
-- SQL cannot seal (the data key is not in the database): right after this file,
-- in the same transaction, the migration's Go half (store.afterMigration[56])
-- seals every row's clear values into the new columns. 0057 then drops the clear
-- columns.
--
-- delivery_requests and deliveries: recipient, mobile and address (the copy of
-- the unit's address the result goes to: a person's name, mobile and where they
-- work), sealed values bound to their table, their column and the row's case_id
-- (delivery.requestPlace, delivery.deliveryPlace). A case has one request and one
-- delivery at most, and its id is known before either row is written, so the
-- values are sealed in the INSERT itself. Deliveries are found by id, case, unit,
-- status and waybill only, never by these values: no blind index. Deliveries stay
-- for the unit's list: their rows are sealed, not deleted.
--
-- The empty default exists only for ADD COLUMN: every row written by the hall
-- sets the sealed values.
ALTER TABLE delivery_requests RENAME COLUMN recipient TO clear_recipient;
ALTER TABLE delivery_requests RENAME COLUMN mobile TO clear_mobile;
ALTER TABLE delivery_requests RENAME COLUMN address TO clear_address;
ALTER TABLE delivery_requests ADD COLUMN recipient BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE delivery_requests ADD COLUMN mobile BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE delivery_requests ADD COLUMN address BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE deliveries RENAME COLUMN recipient TO clear_recipient;
ALTER TABLE deliveries RENAME COLUMN mobile TO clear_mobile;
ALTER TABLE deliveries RENAME COLUMN address TO clear_address;
ALTER TABLE deliveries ADD COLUMN recipient BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE deliveries ADD COLUMN mobile BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE deliveries ADD COLUMN address BYTEA NOT NULL DEFAULT ''::bytea;
