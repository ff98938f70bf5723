-- An API token may be limited to a unit (and the units below it), as a user may.
ALTER TABLE api_tokens ADD COLUMN unit_code TEXT;
