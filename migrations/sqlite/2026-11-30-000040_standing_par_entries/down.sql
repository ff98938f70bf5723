DROP TABLE par_entries;
