-- Answers are appended in the order they are stored, under a number of their own, and each
-- response keeps the first and last number of its answers. Clustered by (response id, item),
-- every form inserted its answers at a random place (ids are random) and dirtied a page of its
-- own there; appended, a batch's answers fill the last pages. A response's answers are a range
-- of that number: a corrected paper form, the keying comparison and the test reference read or
-- delete that range (checking the response id, as the two numbers bound the range only).
CREATE TABLE answers_appended (
    seq INTEGER PRIMARY KEY,
    response_id TEXT NOT NULL,
    item_code TEXT NOT NULL,
    value SMALLINT
);
INSERT INTO answers_appended (response_id, item_code, value)
    SELECT response_id, item_code, value FROM answers ORDER BY response_id, item_code;
DROP TABLE answers;
ALTER TABLE answers_appended RENAME TO answers;
ALTER TABLE responses ADD COLUMN answers_from BIGINT;
ALTER TABLE responses ADD COLUMN answers_to BIGINT;
UPDATE responses SET answers_from = s.first, answers_to = s.last
FROM (SELECT response_id, MIN(seq) AS first, MAX(seq) AS last FROM answers GROUP BY response_id) AS s
WHERE s.response_id = responses.id;
