-- 办结 (SPEC B3; internal/cases move): an approved case keeps the unit's name and
-- 统一社会信用代码 and the item's name as they were when it was decided, so that its
-- result notice (结果文书) reads the same after the registry renames the unit or the
-- catalog renames the item. They are written in the transaction that approves the
-- case; cases approved before this migration take the current values, the best
-- the hall knows. An approved case always has them (the CHECK below).
ALTER TABLE cases ADD COLUMN decided_unit_name TEXT;
ALTER TABLE cases ADD COLUMN decided_uscc TEXT;
ALTER TABLE cases ADD COLUMN decided_item_name TEXT;

UPDATE cases SET
    decided_unit_name = (SELECT name FROM units WHERE units.id = cases.unit_id),
    decided_uscc = (SELECT uscc FROM units WHERE units.id = cases.unit_id),
    decided_item_name = COALESCE((SELECT name FROM catalog_items WHERE catalog_items.code = cases.item_code), cases.item_code)
WHERE state = 'approved';

ALTER TABLE cases ADD CONSTRAINT cases_decided_names CHECK (state <> 'approved'
    OR (decided_unit_name IS NOT NULL AND decided_uscc IS NOT NULL AND decided_item_name IS NOT NULL));

-- 窗口录入办件 (SPEC B4; internal/cases counter.go): the entry form carries a
-- one-time token that the case it enters keeps, unique, so that the form posted
-- twice (a double click, a reload, two posts at once) enters one case. Cases
-- filed online, and counter cases entered before, have none.
ALTER TABLE cases ADD COLUMN counter_nonce TEXT;
CREATE UNIQUE INDEX cases_counter_nonce ON cases (counter_nonce) WHERE counter_nonce IS NOT NULL;
