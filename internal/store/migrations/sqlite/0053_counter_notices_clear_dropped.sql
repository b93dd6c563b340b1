-- Second half of 0052: every counter request's form and outcome and every
-- delegation text message are sealed now, so the clear columns go. None was
-- indexed or named by a table constraint.
ALTER TABLE counter_requests DROP COLUMN clear_data;
ALTER TABLE counter_requests DROP COLUMN clear_outcome;
ALTER TABLE delegation_notices DROP COLUMN clear_text;
