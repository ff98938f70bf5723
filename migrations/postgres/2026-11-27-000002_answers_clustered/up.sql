-- No foreign key from answers to responses: only the writer stores answers, in the
-- transaction that stores their response, and nothing deletes responses. The key's check ran
-- a query per answer (about 40 % of an answer's insert) and protected against nothing that
-- can happen.
ALTER TABLE answers DROP CONSTRAINT IF EXISTS answers_response_id_fkey;

-- A slice's packed counts are rewritten on every commit that touches it: kept in the row up to
-- a whole page and never compressed, which otherwise costs more CPU than the rest of the
-- update (a counter-form slice packs into about 4 kB).
ALTER TABLE slice_counts ALTER COLUMN counts SET STORAGE EXTERNAL;
ALTER TABLE slice_counts SET (toast_tuple_target = 8160);
