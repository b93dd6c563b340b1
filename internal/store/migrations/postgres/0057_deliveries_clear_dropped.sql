-- Second half of 0056: every delivery request's and every delivery's recipient is
-- sealed now, so the clear columns go (with the checks on them). None was indexed.
ALTER TABLE delivery_requests DROP COLUMN clear_recipient;
ALTER TABLE delivery_requests DROP COLUMN clear_mobile;
ALTER TABLE delivery_requests DROP COLUMN clear_address;
ALTER TABLE deliveries DROP COLUMN clear_recipient;
ALTER TABLE deliveries DROP COLUMN clear_mobile;
ALTER TABLE deliveries DROP COLUMN clear_address;
