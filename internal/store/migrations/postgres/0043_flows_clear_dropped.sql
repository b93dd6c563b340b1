-- Second half of 0042: every flow's data is sealed now, so the clear column goes.
ALTER TABLE flows DROP COLUMN clear_data;
