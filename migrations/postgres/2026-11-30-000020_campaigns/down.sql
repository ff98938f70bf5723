DROP TABLE respondents;
DROP TABLE campaigns;
