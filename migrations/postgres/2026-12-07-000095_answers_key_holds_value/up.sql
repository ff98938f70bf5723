-- The answers' key holds their value too: an export or a recount reads a range of responses'
-- answers from the key alone, in key order, instead of one table page per response (the table
-- keeps answers in the order they were stored, which is no order of response ids).
ALTER TABLE answers
    DROP CONSTRAINT answers_pkey,
    ADD CONSTRAINT answers_pkey PRIMARY KEY (response_id, item_code) INCLUDE (value);
