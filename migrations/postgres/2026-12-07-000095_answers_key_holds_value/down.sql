ALTER TABLE answers
    DROP CONSTRAINT answers_pkey,
    ADD CONSTRAINT answers_pkey PRIMARY KEY (response_id, item_code);
