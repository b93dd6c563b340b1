-- Second half of 0040: every row's identity is sealed now, so the clear columns
-- go, and the §9 uniqueness moves onto the blind indexes — one person account per
-- (ID type, ID number), a mobile belongs to one person. id_number_index leads so
-- that a login by ID number of unknown type uses it.
DROP INDEX persons_identity_key;
DROP INDEX persons_mobile_key;
ALTER TABLE persons DROP COLUMN clear_id_number;
ALTER TABLE persons DROP COLUMN clear_name;
ALTER TABLE persons DROP COLUMN clear_mobile;
CREATE UNIQUE INDEX persons_identity_key ON persons (id_number_index, id_type);
CREATE UNIQUE INDEX persons_mobile_key ON persons (mobile_index);
