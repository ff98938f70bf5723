-- Keys the server signs with: CSRF tokens and kiosk forms ("forms"), the keyed hash that
-- stands in for a client's submission_id ("submission"). Kept in the database so that every
-- server on it, and every command, signs and hashes alike.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Sessions end after a while without use as well as at a fixed time after sign-in.
ALTER TABLE sessions ADD COLUMN last_seen TEXT NOT NULL DEFAULT '';

-- Nothing dates an answer more precisely than its day.
UPDATE responses SET created_at = substr(created_at, 1, 10);
