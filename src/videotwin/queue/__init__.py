"""The queue adapter (Huey): it carries job ids only; the job row in the database is the truth."""
