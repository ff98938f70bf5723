-- Exports read a survey's period in id order, a page at a time (keyset): this index walks
-- them in that order instead of sorting the whole period for every page.
CREATE INDEX responses_for_export ON responses (survey_id, period, id);
