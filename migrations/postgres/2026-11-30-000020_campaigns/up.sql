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

-- One-time codes printed on appointment slips (phiếu hẹn trả kết quả): each admits one online
-- answer to a unit's counter form. Only the hash is kept; a used code records the day only,
-- and nothing joins it to the answer.
CREATE TABLE visit_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    survey_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- last day the code is accepted (YYYY-MM-DD)
    expires_on TEXT NOT NULL,
    used_on TEXT
);
