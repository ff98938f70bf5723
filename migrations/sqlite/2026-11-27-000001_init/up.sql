CREATE TABLE units (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT REFERENCES units(code),
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    channel TEXT NOT NULL,
    period INTEGER NOT NULL,
    day TEXT NOT NULL,
    respondent_group TEXT,
    background TEXT NOT NULL,
    comments TEXT NOT NULL,
    status TEXT NOT NULL,
    keyed_by TEXT,
    submission_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX responses_by_slice ON responses (survey_id, period, unit_code, day);

CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses(id),
    item_code TEXT NOT NULL,
    value SMALLINT,
    PRIMARY KEY (response_id, item_code)
);

-- Running counts, kept in the insert's transaction: one row per slice (survey, period, day,
-- unit, version, respondent group; respondent_group is '' for surveys without groups) holding
-- item → value → count (value -1 is "no opinion") and the pair moments of scored items,
-- packed (src/db/packed.rs). day = '' rows hold the whole period, so a year's scores read one row per unit.
CREATE TABLE slice_counts (
    survey_id TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    period INTEGER NOT NULL,
    day TEXT NOT NULL,
    respondent_group TEXT NOT NULL,
    counts BLOB NOT NULL,
    PRIMARY KEY (survey_id, period, day, unit_code, survey_version, respondent_group)
);

CREATE TABLE response_tallies (
    survey_id TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    period INTEGER NOT NULL,
    respondent_group TEXT NOT NULL,
    day TEXT NOT NULL,
    channel TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (survey_id, period, day, unit_code, survey_version, respondent_group, channel)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_code TEXT REFERENCES units(code),
    created_at TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE kiosks (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    unit_code TEXT NOT NULL REFERENCES units(code),
    survey_id TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
