DROP TABLE replaced_links;
