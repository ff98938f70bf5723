CREATE TABLE answers_keyed (
    response_id TEXT NOT NULL,
    item_code TEXT NOT NULL,
    value SMALLINT,
    CONSTRAINT answers_keyed_pkey PRIMARY KEY (response_id, item_code) INCLUDE (value)
);
INSERT INTO answers_keyed (response_id, item_code, value)
    SELECT response_id, item_code, value FROM answers;
DROP TABLE answers;
ALTER TABLE answers_keyed RENAME TO answers;
ALTER INDEX answers_keyed_pkey RENAME TO answers_pkey;
ALTER TABLE responses DROP COLUMN answers_from, DROP COLUMN answers_to;
