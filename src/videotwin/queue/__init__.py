"""The queue carries job ids only; the job row in the database is the truth."""
