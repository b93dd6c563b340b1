-- Second half of 0044: every appeal's and every verification session's personal
-- values are sealed now, so the clear columns go. None was indexed or named by a
-- table constraint.
ALTER TABLE appeals DROP COLUMN clear_id_number;
ALTER TABLE appeals DROP COLUMN clear_name;
ALTER TABLE appeals DROP COLUMN clear_mobile;
ALTER TABLE appeals DROP COLUMN clear_contact_mobile;
ALTER TABLE verify_sessions DROP COLUMN clear_id_number;
ALTER TABLE verify_sessions DROP COLUMN clear_name;
