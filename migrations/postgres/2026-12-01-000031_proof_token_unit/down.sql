ALTER TABLE api_tokens DROP COLUMN unit_code;
