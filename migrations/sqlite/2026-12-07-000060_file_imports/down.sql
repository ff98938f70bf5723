DROP TABLE file_imports;
