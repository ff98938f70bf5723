ALTER TABLE campaigns DROP COLUMN in_grace;
