-- Each response keeps its answers packed beside its head as well ("code:value;…" in code
-- order, an empty value for "no opinion", '' for none), written in the transaction that writes
-- its answers: an export reads a page of responses alone instead of looking its answers up.
-- The answers table stays what counts and recounts read.
ALTER TABLE responses ADD COLUMN answer_list TEXT NOT NULL DEFAULT '';
UPDATE responses SET answer_list = COALESCE((
    SELECT group_concat(item_code || ':' || COALESCE(value, ''), ';')
    FROM (SELECT item_code, value FROM answers WHERE response_id = responses.id ORDER BY item_code)
), '');
