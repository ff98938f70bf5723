-- Campaigns of a survey answered through one-time links (the officials' PAR INDEX survey).
-- A campaign is a survey, a period and a list of respondents; the answers are counted under
-- `unit_code` (the city by default), never under a respondent's own agency.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    period INTEGER NOT NULL,
    title TEXT NOT NULL,
    -- who runs the survey, shown to respondents
    organiser TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    -- draft | open | closed
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT
);

-- The people asked. Only the hash of a person's current link is kept; completion is recorded
-- apart from the answer, as a day (answered_on, YYYY-MM-DD), never a time. No column here or
-- in `responses` joins a person or a link to an answer.
CREATE TABLE respondents (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    name TEXT NOT NULL,
    group_code TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    contact TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    issued_at TEXT,
    revoked_at TEXT,
    answered_on TEXT
);
CREATE INDEX respondents_by_campaign ON respondents (campaign_id, name);
