DROP INDEX responses_by_slice;
CREATE INDEX responses_by_slice ON responses (survey_id, period, unit_code, day);
CREATE INDEX responses_for_export ON responses (survey_id, period, id);
