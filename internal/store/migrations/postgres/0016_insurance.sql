-- Insurance read model (internal/insurance): what the core social-insurance system
-- owns about each unit, keyed by the unit's USCC (the core system's units need not
-- have a hall account). Filled by `hall import insurance DIR` and demo data; the hall
-- only reads it. Every primary key is the record's natural key, so an import upserts.
--
-- Months are integers YYYYMM (202502), civil dates text YYYY-MM-DD, money integer
-- fen, rates integer hundredths of a percent (1600 = 16%): the same values and the
-- same ordering on both engines. Insurance types are the stable codes of
-- insurance.Type (pension, injury, unemployment, public_pension).

CREATE TABLE insurance_enrolments (
    uscc           TEXT NOT NULL CHECK (length(uscc) = 18),
    insurance_type TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('paying', 'suspended', 'terminated')),
    start_date     TEXT NOT NULL CHECK (length(start_date) = 10),
    unit_rate      INTEGER NOT NULL CHECK (unit_rate >= 0),
    personal_rate  INTEGER NOT NULL CHECK (personal_rate >= 0),
    PRIMARY KEY (uscc, insurance_type)
);

-- category decides a woman's statutory retirement age: worker (工人, 50) or staff
-- (干部, 55); for men it is kept but does not matter. retire_month is derived on
-- write by insurance.Retirement from birth, sex and category, so 到龄人员 and 超龄人员
-- are index range scans that page and sort like the other lists.
CREATE TABLE insurance_employees (
    uscc       TEXT NOT NULL CHECK (length(uscc) = 18),
    id_number  TEXT NOT NULL,
    name       TEXT NOT NULL CHECK (name <> ''),
    sex        TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date TEXT NOT NULL CHECK (length(birth_date) = 10),
    category   TEXT NOT NULL CHECK (category IN ('worker', 'staff')),
    retire_month INTEGER NOT NULL,
    PRIMARY KEY (uscc, id_number)
);
CREATE INDEX insurance_employees_retire ON insurance_employees (uscc, retire_month, id_number);
CREATE INDEX insurance_employees_name ON insurance_employees (uscc, name);

-- end_month 0 is an open period (still enrolled).
CREATE TABLE insurance_periods (
    uscc           TEXT NOT NULL CHECK (length(uscc) = 18),
    id_number      TEXT NOT NULL,
    insurance_type TEXT NOT NULL,
    start_month    INTEGER NOT NULL,
    end_month      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (uscc, id_number, insurance_type, start_month)
);
-- Who is enrolled now (end_month 0), for 到龄人员 / 超龄人员.
CREATE INDEX insurance_periods_open ON insurance_periods (uscc, end_month, id_number);

CREATE TABLE insurance_payments (
    uscc            TEXT NOT NULL CHECK (length(uscc) = 18),
    month           INTEGER NOT NULL,
    insurance_type  TEXT NOT NULL,
    id_number       TEXT NOT NULL,
    base            BIGINT NOT NULL CHECK (base >= 0),
    unit_amount     BIGINT NOT NULL CHECK (unit_amount >= 0),
    personal_amount BIGINT NOT NULL CHECK (personal_amount >= 0),
    PRIMARY KEY (uscc, month, insurance_type, id_number)
);
-- One person's payments, newest first (filter by person; the rights record).
CREATE INDEX insurance_payments_person ON insurance_payments (uscc, id_number, month, insurance_type);

CREATE TABLE insurance_changes (
    uscc      TEXT NOT NULL CHECK (length(uscc) = 18),
    month     INTEGER NOT NULL,
    id_number TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('join', 'leave')),
    reason    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (uscc, month, id_number, kind)
);
CREATE INDEX insurance_changes_person ON insurance_changes (uscc, id_number, month);

CREATE TABLE insurance_pensioners (
    uscc           TEXT NOT NULL CHECK (length(uscc) = 18),
    id_number      TEXT NOT NULL,
    name           TEXT NOT NULL CHECK (name <> ''),
    start_month    INTEGER NOT NULL,
    monthly_amount BIGINT NOT NULL CHECK (monthly_amount >= 0),
    PRIMARY KEY (uscc, id_number)
);
CREATE INDEX insurance_pensioners_start ON insurance_pensioners (uscc, start_month, id_number);

-- Foreigners exempted from Chinese insurance under a bilateral agreement (外国人互免).
CREATE TABLE insurance_exemptions (
    uscc        TEXT NOT NULL CHECK (length(uscc) = 18),
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL CHECK (name <> ''),
    nationality TEXT NOT NULL,
    start_date  TEXT NOT NULL CHECK (length(start_date) = 10),
    end_date    TEXT NOT NULL CHECK (length(end_date) = 10),
    PRIMARY KEY (uscc, id_number, start_date)
);
CREATE INDEX insurance_exemptions_start ON insurance_exemptions (uscc, start_date, id_number);

-- Work-injury cover for construction projects (工程工伤), paid per project.
CREATE TABLE insurance_projects (
    uscc           TEXT NOT NULL CHECK (length(uscc) = 18),
    project_number TEXT NOT NULL,
    project_name   TEXT NOT NULL CHECK (project_name <> ''),
    start_date     TEXT NOT NULL CHECK (length(start_date) = 10),
    end_date       TEXT NOT NULL CHECK (length(end_date) = 10),
    amount         BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (uscc, project_number)
);
CREATE INDEX insurance_projects_start ON insurance_projects (uscc, start_date, project_number);

CREATE TABLE insurance_subsidiaries (
    uscc            TEXT NOT NULL CHECK (length(uscc) = 18),
    subsidiary_uscc TEXT NOT NULL CHECK (length(subsidiary_uscc) = 18),
    name            TEXT NOT NULL CHECK (name <> ''),
    start_date      TEXT NOT NULL CHECK (length(start_date) = 10),
    PRIMARY KEY (uscc, subsidiary_uscc)
);
CREATE INDEX insurance_subsidiaries_start ON insurance_subsidiaries (uscc, start_date, subsidiary_uscc);
