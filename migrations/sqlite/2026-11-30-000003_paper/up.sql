-- Paper questionnaires keyed in the browser (double entry). A form is a serial within a
-- survey and period; each of its keyings is kept as it was typed; the form enters
-- `responses` (and so the counts) only once it is countable, and `response_id` points there.
CREATE TABLE paper_batches (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    period INTEGER NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    label TEXT NOT NULL,
    expected INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX paper_batches_by_survey ON paper_batches (survey_id, period);

CREATE TABLE paper_forms (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT REFERENCES paper_batches(id),
    survey_id TEXT NOT NULL,
    period INTEGER NOT NULL,
    serial TEXT NOT NULL,
    -- keyed_once | verified | disputed | adjudicated
    status TEXT NOT NULL,
    response_id TEXT,
    -- fields where the two keyings differed (NULL until keyed twice)
    differences INTEGER,
    updated_at TEXT NOT NULL,
    UNIQUE (survey_id, period, serial)
);
CREATE INDEX paper_forms_by_batch ON paper_forms (batch_id, serial);

-- One row per keying: round 1 and round 2 by two different people. `wrong_fields` is set
-- when a supervisor settles the form: the fields where this keying differed from the paper.
CREATE TABLE keyings (
    id TEXT PRIMARY KEY NOT NULL,
    form_id TEXT NOT NULL REFERENCES paper_forms(id),
    round INTEGER NOT NULL,
    keyed_by TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    day TEXT NOT NULL,
    respondent_group TEXT,
    background TEXT NOT NULL,
    answers TEXT NOT NULL,
    fields INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    wrong_fields INTEGER,
    UNIQUE (form_id, round)
);
CREATE INDEX keyings_by_keyer ON keyings (keyed_by, saved_at);

-- Append-only: nothing updates or deletes an audit entry. Paper entries name the form.
ALTER TABLE audit_log ADD COLUMN form_id TEXT;
CREATE INDEX audit_log_by_form ON audit_log (form_id);
