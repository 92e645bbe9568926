"""People: the graduate record (students, graduates and teachers) keyed by the resident ID."""
