DROP INDEX audit_log_by_form;
ALTER TABLE audit_log DROP COLUMN form_id;
DROP TABLE keyings;
DROP TABLE paper_forms;
DROP TABLE paper_batches;
