ALTER TABLE responses DROP COLUMN answer_list;
