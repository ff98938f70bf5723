DROP INDEX responses_for_export;
