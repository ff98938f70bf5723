-- Each response keeps its answers packed beside its head as well ("code:value;…" in code
-- order, an empty value for "no opinion", '' for none), written in the transaction that writes
-- its answers: an export reads a page of responses alone instead of joining every answer row.
-- The answers table stays what counts and recounts read.
ALTER TABLE responses ADD COLUMN answer_list TEXT NOT NULL DEFAULT '';
UPDATE responses r SET answer_list = a.list
FROM (
    SELECT response_id,
           string_agg(item_code || ':' || COALESCE(value::text, ''), ';' ORDER BY item_code COLLATE "C") AS list
    FROM answers GROUP BY response_id
) a
WHERE a.response_id = r.id;
-- Every writer names it: a server that does not know the column fails to store rather than
-- store a response whose export would show no answers.
ALTER TABLE responses ALTER COLUMN answer_list DROP DEFAULT;
