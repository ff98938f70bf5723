-- Answers are appended in the order they are stored, under a number of their own, and each
-- response keeps the first and last number of its answers. Keyed by (response id, item),
-- every form inserted its answers at a random place of that index (ids are random) and dirtied
-- a page of its own there; numbered, a batch's answers fill the last pages. A response's
-- answers lie within that range of numbers (two servers may interleave theirs, so every read
-- or delete of the range also checks the response id).
CREATE TABLE answers_appended (
    seq BIGSERIAL PRIMARY KEY,
    response_id TEXT NOT NULL,
    item_code TEXT NOT NULL,
    value SMALLINT
);
INSERT INTO answers_appended (response_id, item_code, value)
    SELECT response_id, item_code, value FROM answers ORDER BY response_id, item_code;
DROP TABLE answers;
ALTER TABLE answers_appended RENAME TO answers;
ALTER SEQUENCE answers_appended_seq_seq RENAME TO answers_seq_seq;
ALTER INDEX answers_appended_pkey RENAME TO answers_pkey;
ALTER TABLE responses ADD COLUMN answers_from BIGINT, ADD COLUMN answers_to BIGINT;
UPDATE responses r SET answers_from = s.first, answers_to = s.last
FROM (SELECT response_id, MIN(seq) AS first, MAX(seq) AS last FROM answers GROUP BY response_id) s
WHERE s.response_id = r.id;
