-- Links replaced by a newer one (a campaign's links issued again, or one person's), so that
-- an old link can say it was replaced and by whom rather than that it is unknown. Only the
-- old token's hash and its campaign: no person, no time, nothing of an answer.
CREATE TABLE replaced_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id)
);
