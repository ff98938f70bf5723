ALTER TABLE sessions DROP COLUMN last_seen;
DROP TABLE server_keys;
