CREATE TABLE answers_rowid (
    response_id TEXT NOT NULL REFERENCES responses(id),
    item_code TEXT NOT NULL,
    value SMALLINT,
    PRIMARY KEY (response_id, item_code)
);
INSERT INTO answers_rowid (response_id, item_code, value)
    SELECT response_id, item_code, value FROM answers;
DROP TABLE answers;
ALTER TABLE answers_rowid RENAME TO answers;
