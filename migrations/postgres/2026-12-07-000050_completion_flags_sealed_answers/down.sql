-- The days are gone: an answered person or a used code gets an empty day.
ALTER TABLE respondents ADD COLUMN answered_on TEXT;
UPDATE respondents SET answered_on = '' WHERE answered;
ALTER TABLE respondents DROP COLUMN answered;

ALTER TABLE visit_codes ADD COLUMN used_on TEXT;
UPDATE visit_codes SET used_on = '' WHERE used;
ALTER TABLE visit_codes DROP COLUMN used;

UPDATE responses SET status = 'received' WHERE status = 'sealed';
INSERT INTO server_keys (name, value) VALUES ('recount-needed', '2026-12-07-000050')
ON CONFLICT DO NOTHING;
