-- Completion is a flag, never a day: a day a person answered, or a slip code was used, is
-- also the day of one response of that group and channel, and so joins the person to it.
ALTER TABLE respondents ADD COLUMN answered BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE respondents SET answered = (answered_on IS NOT NULL);
ALTER TABLE respondents DROP COLUMN answered_on;

ALTER TABLE visit_codes ADD COLUMN used BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE visit_codes SET used = (used_on IS NOT NULL);
ALTER TABLE visit_codes DROP COLUMN used_on;

-- Answers through one-time links keep their period, no day.
UPDATE responses SET day = '', created_at = '' WHERE channel = 'invitation';

-- Those of a campaign still open are sealed until it closes.
UPDATE responses SET status = 'sealed'
WHERE channel = 'invitation' AND status = 'received' AND EXISTS (
    SELECT 1 FROM campaigns c
    WHERE c.status = 'open' AND c.survey_id = responses.survey_id
      AND c.period = responses.period AND c.unit_code = responses.unit_code
);

-- The counts of those answers sat under their day and month, and counted the sealed ones:
-- the next start rebuilds every count from the answers (as `chiso recount --fix` does).
INSERT INTO server_keys (name, value) VALUES ('recount-needed', '2026-12-07-000050')
ON CONFLICT DO NOTHING;
