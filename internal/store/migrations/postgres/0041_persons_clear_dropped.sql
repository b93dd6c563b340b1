-- Second half of 0040: every row's identity is sealed now, so the clear columns
-- go (with the unique constraints on them), and the §9 uniqueness moves onto the
-- blind indexes — one person account per (ID type, ID number), a mobile belongs
-- to one person. id_number_index leads so that a login by ID number of unknown
-- type uses it.
ALTER TABLE persons DROP COLUMN clear_id_number;
ALTER TABLE persons DROP COLUMN clear_name;
ALTER TABLE persons DROP COLUMN clear_mobile;
ALTER TABLE persons ADD CONSTRAINT persons_identity_key UNIQUE (id_number_index, id_type);
ALTER TABLE persons ADD CONSTRAINT persons_mobile_key UNIQUE (mobile_index);
