-- Where a verification was asked from (internal/verify Origin): a short description
-- of the browser's device and the masked client address ("203.0.113.*" or
-- "本机/内网地址"). The companion app shows them on the verification screen, so that
-- a person asked to approve a request started in someone else's browser can tell.
-- No raw User-Agent and no full address are kept.
ALTER TABLE verify_sessions ADD COLUMN origin_device TEXT NOT NULL DEFAULT '';
ALTER TABLE verify_sessions ADD COLUMN origin_place TEXT NOT NULL DEFAULT '';
