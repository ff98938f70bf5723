-- Files of forms imported, so that a file whose opening rows are an earlier file's is asked
-- about instead of guessed at. No cell value is kept: the fingerprints are keyed hashes.
CREATE TABLE file_imports (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- The day of the import (YYYY-MM-DD), no time.
    imported_on TEXT NOT NULL,
    -- Rows of forms read (not the header, not blank rows).
    rows_read BIGINT NOT NULL,
    -- Keyed hash of the header and the first row of a form.
    opening TEXT NOT NULL,
    -- Keyed hash of the header and every row.
    content TEXT NOT NULL,
    -- What the ids of rows without a serial or submission id are derived with ('' = the file).
    id_seed TEXT NOT NULL
);
CREATE INDEX file_imports_opening ON file_imports (survey_id, opening);
CREATE INDEX file_imports_content ON file_imports (survey_id, content);
