-- One index serves the slices and the export: (survey, period, unit, day) then the id. The
-- export used an index of its own on (survey, period, id), where ids are random: every form
-- put a key at a random place of it and dirtied a page there. Here a form's key joins its
-- unit and day, where the day's other forms are; the export reads by unit and day, then by
-- id (random, so the order says nothing of when a form came).
DROP INDEX responses_for_export;
DROP INDEX responses_by_slice;
CREATE INDEX responses_by_slice ON responses (survey_id, period, unit_code, day, id);
