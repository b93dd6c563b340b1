-- Second half of 0047: every registry entry's legal representative is sealed now,
-- so the clear columns go.
ALTER TABLE registry_entries DROP COLUMN clear_legal_rep_id_number;
ALTER TABLE registry_entries DROP COLUMN clear_legal_rep_name;
