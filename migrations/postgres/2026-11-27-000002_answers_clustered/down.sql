ALTER TABLE slice_counts RESET (toast_tuple_target);
ALTER TABLE slice_counts ALTER COLUMN counts SET STORAGE EXTENDED;
ALTER TABLE answers ADD CONSTRAINT answers_response_id_fkey
    FOREIGN KEY (response_id) REFERENCES responses(id);
