-- The scheduled pull of the insurance read model from the core system (hall serve
-- --insurance-url, insurance.Puller): of several processes serving one database,
-- only the one holding this lease pulls. A process takes the lease when it is free
-- or has expired, renews it while its run goes on, and then keeps it until its next
-- pull is due (so several processes pull once per interval); a run stopped by
-- shutdown gives it up; a process that died leaves a lease that expires, so another
-- takes over.
CREATE TABLE insurance_pull_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
