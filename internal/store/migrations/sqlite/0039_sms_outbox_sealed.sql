-- The development SMS outbox keeps its messages sealed (internal/sealed,
-- docs/data-protection.md): the mobile and the text are sealed values bound to
-- their column and row (sms.Outbox), and messages to a mobile are found through
-- mobile_index, the mobile's blind index (sealed.Keys.Index "mobile"), so that
-- the table holds no mobile, code, name or link in clear.
--
-- The messages already in the table are clear text, and SQL cannot seal them (the
-- data key is not in the database): they are deleted. The outbox belongs to the
-- development sender only (production texts through the gateway and never writes
-- here), and its messages are swept after seven days anyway (sms.OutboxRetention);
-- a developer who needs a code from before the upgrade asks for a new one.
DROP TABLE sms_outbox;
CREATE TABLE sms_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    mobile       BLOB NOT NULL,
    mobile_index BLOB NOT NULL,
    text         BLOB NOT NULL,
    purpose      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
-- Latest message for a mobile (newest = highest id).
CREATE INDEX sms_outbox_mobile ON sms_outbox (mobile_index, id);
-- The retention sweep (0029).
CREATE INDEX sms_outbox_created ON sms_outbox (created_at);
