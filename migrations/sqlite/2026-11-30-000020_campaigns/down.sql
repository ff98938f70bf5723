DROP TABLE visit_codes;
DROP TABLE respondents;
DROP TABLE campaigns;
