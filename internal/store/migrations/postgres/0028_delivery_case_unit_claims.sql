-- 单位快递 (SPEC U5), two guarantees the database now keeps; see internal/delivery.
--
-- 1. A delivery and a delivery request belong to their case's unit: the pair
--    (case_id, unit_id) must be a case's (id, unit_id), so no row can post one
--    unit's result to another unit's list. The UNIQUE (id, unit_id) on cases is what
--    the composite foreign keys refer to (id alone is unique already).
ALTER TABLE cases ADD CONSTRAINT cases_id_unit UNIQUE (id, unit_id);
ALTER TABLE delivery_requests ADD CONSTRAINT delivery_requests_case_unit
    FOREIGN KEY (case_id, unit_id) REFERENCES cases (id, unit_id);
ALTER TABLE deliveries ADD CONSTRAINT deliveries_case_unit
    FOREIGN KEY (case_id, unit_id) REFERENCES cases (id, unit_id);

-- 2. One carrier call per shipment: a process hands a delivery to the carrier only
--    after claiming it (UPDATE … SET claimed_at WHERE it has no waybill and no live
--    claim). The claim is cleared when the waybill, a refusal or a failure is
--    stored; a claim older than the claim timeout (a process that died during the
--    call) may be taken over.
ALTER TABLE deliveries ADD COLUMN claimed_at TIMESTAMPTZ;
