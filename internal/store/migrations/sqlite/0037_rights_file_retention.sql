-- The signed PDF of a rights record is kept for a configured time after the
-- record's validity ends (rights.Rules.FileKeepMonths, --rights-file-keep-months,
-- 6 months by default); then the sweep (rights.Service.SweepFiles) deletes its
-- rights_record_files row and sets file_removed_at. The record itself stays, so
-- that its QR code still verifies (已过有效期) and the unit's list still shows it,
-- saying that the file is no longer kept.
ALTER TABLE rights_records ADD COLUMN file_removed_at TIMESTAMP CHECK (file_removed_at IS NULL OR file_removed_at >= valid_until);
-- The sweep's records: those whose file is still kept, by the end of validity.
-- Records whose file is gone leave the index, so the sweep does not read them again.
CREATE INDEX rights_records_file_kept ON rights_records (valid_until) WHERE file_removed_at IS NULL;
