-- The retention sweeps delete by time: the development outbox 7 days after a text
-- was written (sms.Outbox.Sweep, created_at), the delegation texts 30 days after
-- they were sent or given up (delegation.Service.SweepNotices, sent_at or
-- failed_at). Without these each sweep reads the whole table, which grows with
-- every text the hall sends.
CREATE INDEX sms_outbox_created ON sms_outbox (created_at);
CREATE INDEX delegation_notices_sent ON delegation_notices (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX delegation_notices_failed ON delegation_notices (failed_at) WHERE failed_at IS NOT NULL;
