-- A campaign closed within its grace period (`--campaign-grace-hours` after `closed_at`) may
-- be reopened by an admin; its answers stay sealed until the closing becomes final.
ALTER TABLE campaigns ADD COLUMN in_grace BOOLEAN NOT NULL DEFAULT FALSE;
