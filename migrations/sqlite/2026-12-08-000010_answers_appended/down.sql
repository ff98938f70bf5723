CREATE TABLE answers_clustered (
    response_id TEXT NOT NULL,
    item_code TEXT NOT NULL,
    value SMALLINT,
    PRIMARY KEY (response_id, item_code)
) WITHOUT ROWID;
INSERT INTO answers_clustered (response_id, item_code, value)
    SELECT response_id, item_code, value FROM answers;
DROP TABLE answers;
ALTER TABLE answers_clustered RENAME TO answers;
ALTER TABLE responses DROP COLUMN answers_from;
ALTER TABLE responses DROP COLUMN answers_to;
