-- The back office's lists read page by page from the last row seen (store.Keyset),
-- each through an index that starts with the list's filter and ends with its order,
-- so that no page and no tab reads a whole table (TestHotQueryPlans, issue #16):
--
-- counter_requests by appeal (an appeal's page lists its releases; on SQLite the
-- foreign key check of a change to an appeal searches it too), and the 全部 tab of
-- the counter queue (by submission, newest first; the status tabs have
-- counter_requests_status);
CREATE INDEX counter_requests_appeal ON counter_requests (appeal_id, submitted_at, id);
CREATE INDEX counter_requests_submitted ON counter_requests (submitted_at, id);
-- appeals by status and by filing (the 全部 tab), the id after the time so that a
-- page starts after the last appeal seen even among appeals of the same instant;
-- it replaces appeals_status (status, created_at);
CREATE INDEX appeals_status_created ON appeals (status, created_at, id);
CREATE INDEX appeals_created ON appeals (created_at, id);
DROP INDEX appeals_status;
-- skill plans of one state newest first (every tab but 待审核, which
-- skill_plans_state serves in order of submission; the 全部 tab reads the primary
-- key).
CREATE INDEX skill_plans_state_id ON skill_plans (state, id);
