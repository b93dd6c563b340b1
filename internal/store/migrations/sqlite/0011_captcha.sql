-- Slider-puzzle captcha (SPEC P1, L1–L6); see internal/captcha. The ID is an opaque
-- 256-bit random value; the gap's position (answer_x, answer_y) never leaves the
-- server. binding_hash = hex SHA-256 of the browser's binding. The first verify sets
-- used_at and result, right or wrong; a passed one gets a pass token, stored as
-- pass_hash (hex SHA-256), which a form redeems once (redeemed_at) before
-- pass_expires_at.
CREATE TABLE captcha_challenges (
    id              TEXT PRIMARY KEY CHECK (length(id) = 43),
    purpose         TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 32),
    binding_hash    TEXT NOT NULL CHECK (length(binding_hash) = 64),
    answer_x        INTEGER NOT NULL CHECK (answer_x >= 0),
    answer_y        INTEGER NOT NULL CHECK (answer_y >= 0),
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP,
    result          TEXT CHECK (result IN ('passed', 'failed')),
    pass_hash       TEXT UNIQUE CHECK (length(pass_hash) = 64),
    pass_expires_at TIMESTAMP,
    redeemed_at     TIMESTAMP,
    CHECK (expires_at > created_at),
    -- A verified challenge has a result, an unverified one none.
    CHECK ((used_at IS NULL) = (result IS NULL)),
    -- Only a passed challenge has a pass token, and only a pass token is redeemed.
    CHECK ((pass_hash IS NULL) = (pass_expires_at IS NULL)),
    CHECK (pass_hash IS NULL OR result = 'passed'),
    CHECK (redeemed_at IS NULL OR pass_hash IS NOT NULL)
);

-- Sweep deletes by expiry.
CREATE INDEX captcha_challenges_expires_at ON captcha_challenges (expires_at);

-- New counts a binding's recent challenges.
CREATE INDEX captcha_challenges_binding ON captcha_challenges (binding_hash, created_at);
