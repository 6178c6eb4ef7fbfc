"""The drift-tick service: the HTTP function, its scheduler, the pg_cron worker and their commands."""
